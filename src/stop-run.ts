import { TerminalStatuses } from './constants.js'
import type { TfeClient } from './api-client.js'
import { getRun, runAction } from './tfe.js'

/**
 * Stops a run so it does not hold the workspace: discard while it waits (pending, planned,
 * policy_override…), cancel while it plans or applies. Idempotent: an ended run is left alone.
 * Returns what happened, for the log.
 */
export async function stopRun(client: TfeClient, runId: string, comment: string, signal?: AbortSignal): Promise<string> {
  const run = await getRun(client, runId, signal)
  if (TerminalStatuses.has(run.status)) return `it had already ended (${run.status})`
  const action = run.isDiscardable ? 'discard' : run.isCancelable ? 'cancel' : undefined
  if (!action) return `it could not be stopped in status '${run.status}' (neither discardable nor cancelable); stop it by hand`
  if (await runAction(client, runId, action, comment, signal)) {
    return action === 'discard' ? `it was discarded (it was '${run.status}')` : `a cancel was requested (it was '${run.status}')`
  }
  const again = await getRun(client, runId, signal)
  if (TerminalStatuses.has(again.status)) return `it had already ended (${again.status})`
  return `the ${action} was refused (409) in status '${again.status}'; stop it by hand`
}
