import { TerminalStatuses } from './constants.js'
import type { TfeClient } from './api-client.js'
import { getRun, runAction } from './tfe.js'

export interface StopResult {
  /** The run's status when the step went to stop it. */
  status: string
  /** What happened, for the log: "it was discarded", "a cancel was requested", … */
  fate: string
}

/**
 * Stops a run so it does not hold the workspace: discard while it waits (pending, planned,
 * policy_override…), cancel while it plans or applies. Idempotent: an ended run is left alone.
 */
export async function stopRun(client: TfeClient, runId: string, comment: string, signal?: AbortSignal): Promise<StopResult> {
  const run = await getRun(client, runId, signal)
  const status = run.status
  if (TerminalStatuses.has(status)) return { status, fate: `it had already ended (${status})` }
  const action = run.isDiscardable ? 'discard' : run.isCancelable ? 'cancel' : undefined
  if (!action) return { status, fate: 'it can be neither discarded nor canceled in that status; stop it by hand' }
  if (await runAction(client, runId, action, comment, signal)) {
    return { status, fate: action === 'discard' ? 'it was discarded' : 'a cancel was requested' }
  }
  const again = await getRun(client, runId, signal)
  if (TerminalStatuses.has(again.status)) return { status, fate: `it had already ended (${again.status})` }
  return { status, fate: `the ${action} was refused (409) in status '${again.status}'; stop it by hand` }
}
