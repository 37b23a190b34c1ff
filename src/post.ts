/** The post step: stops a run the main step left in progress, as action/post-state.ts says it did. */
import { Inputs } from './action/names.js'
import { TfeClient } from './tfe/client.js'
import { getSettingsForPost } from './action/inputs.js'
import { stopRun } from './lifecycle/stop-run.js'
import type { StopReason } from './lifecycle/decide.js'
import { findRunsByMarker } from './tfe/runs.js'
import { sleep } from './common/timing.js'
import { log } from './common/job-log.js'
import { postState } from './action/post-state.js'

/** A create request cut off by the kill may still be processed; look again after this long. */
const SecondLookAfterMs = 3000
/** The post step has its own time; still, it must not hang a job on a dead API. */
const PostBudgetMs = 60_000

/**
 * The post step. It acts only on what the main step left (action/post-state.ts): a run it was still creating
 * or following when it was killed, or one whose stop after a timeout or cancel did not get through.
 * A run the main step settled or gave up on is released, so it is never touched here.
 */
export async function cleanup(): Promise<void> {
  const left = postState.read()
  if (!left.runId && !left.marker) {
    log.debug('No run left in progress by the main step.')
    return
  }
  const settings = getSettingsForPost()
  // A main step that ended without saying why (a crash, an out-of-memory kill) was told nothing:
  // it is treated as a give-up, never as a cancel, so an apply in progress is left to finish.
  const reason: StopReason = left.stopReason || 'gave-up'
  if (reason !== 'gave-up' && !settings.cancelOnAbort) {
    log.warning(
      `${left.runId ? `Run ${left.runId}` : 'A run'} may still be in progress; it was left as it is (${Inputs.CancelOnAbort} is false).`
    )
    return
  }
  const why =
    left.stopReason === 'timeout'
      ? `the step's ${Inputs.TimeoutMinutes} passed`
      : left.stopReason === 'cancelled'
        ? 'the job was cancelled'
        : 'the main step ended without finishing (it crashed or was killed)'
  const client = new TfeClient({
    baseUrl: settings.baseUrl,
    token: settings.token,
    hostSetting: `the '${Inputs.Hostname}' input`,
    requestTimeoutMs: 15_000
  })
  const budget = AbortSignal.timeout(PostBudgetMs)
  try {
    let runIds = left.runId ? [left.runId] : []
    if (!runIds.length) {
      // The main step was stopped while creating its run: find it by the marker in its message.
      runIds = await findRunsByMarker(client, left.workspaceId, left.marker, budget)
      if (!runIds.length) {
        await sleep(SecondLookAfterMs, budget)
        runIds = await findRunsByMarker(client, left.workspaceId, left.marker, budget)
      }
      if (!runIds.length) {
        log.info('The main step was stopped before its run was queued; there is nothing to stop.')
        return
      }
    }
    const runLink = (id: string): string =>
      id === left.runId && left.runUrl ? left.runUrl : left.workspaceUrl ? `${left.workspaceUrl}/runs/${id}` : id
    for (const runId of runIds) {
      // Only the run the main step followed can be an adopted one; a run found by its marker is the step's own.
      const origin = left.adopted && runId === left.runId ? 'adopted' : 'queued'
      const result = await stopRun(client, runId, settings, reason, why, budget, undefined, origin)
      log.warning(
        `Run ${runId} was left in progress because ${why}; it was '${result.before?.status ?? 'unknown'}': ${result.text} ${runLink(runId)}`
      )
    }
  } finally {
    client.dispose()
  }
}
