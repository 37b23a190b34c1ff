import * as core from '@actions/core'
import { Inputs, State } from './constants.js'
import { TfeClient } from './api-client.js'
import { parseBoolean, parseHostname, readToken } from './inputs.js'
import { stopRun } from './stop-run.js'
import { findRunByMessage } from './tfe.js'
import { sleep } from './timing.js'
import { workflowDescription } from './context.js'

/** A create request cut off by the kill may still be processed; look again after this long. */
const SecondLookAfterMs = 3000

/**
 * The post step. The main step clears the state once its run is settled, so this only acts when
 * the main step was killed (cancelled job, step timeout) before it could stop its run.
 */
export async function cleanup(): Promise<void> {
  let runId = core.getState(State.ActiveRunId)
  const marker = core.getState(State.QueueingMarker)
  const workspaceId = core.getState(State.WorkspaceId)
  if (!runId && !marker) {
    core.debug('No run left in progress by the main step.')
    return
  }
  if (!parseBoolean(Inputs.CancelOnAbort, true)) {
    core.warning(`${runId ? `Run ${runId}` : 'A run'} may still be in progress; it was left as it is (${Inputs.CancelOnAbort} is false).`)
    return
  }
  const token = readToken()
  const client = new TfeClient({ baseUrl: parseHostname(core.getInput(Inputs.Hostname)), token, requestTimeoutMs: 15_000 })
  try {
    if (!runId) {
      // The main step was stopped while creating its run: find it by the marker in its message.
      runId = (await findRunByMessage(client, workspaceId, marker)) ?? ''
      if (!runId) {
        await sleep(SecondLookAfterMs)
        runId = (await findRunByMessage(client, workspaceId, marker)) ?? ''
      }
      if (!runId) {
        core.info('The main step was stopped before its run was queued; there is nothing to stop.')
        return
      }
    }
    const { status, fate } = await stopRun(
      client,
      runId,
      `Stopped by GitHub Actions: the job was cancelled. ${await workflowDescription()}`
    )
    core.warning(`The job stopped while run ${runId} was '${status}'; ${fate}.`)
  } finally {
    client.dispose()
  }
}
