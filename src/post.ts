import * as core from '@actions/core'
import { Inputs, State } from './constants.js'
import { TfeClient } from './api-client.js'
import { parseBoolean, parseHostname, readToken } from './inputs.js'
import { stopRun } from './stop-run.js'
import { workflowDescription } from './context.js'

/**
 * The post step. The main step clears the state once its run is settled, so this only acts when
 * the main step was killed (cancelled job, step timeout) before it could stop its run.
 */
export async function cleanup(): Promise<void> {
  const runId = core.getState(State.ActiveRunId)
  if (!runId) {
    core.debug('No run left in progress by the main step.')
    return
  }
  if (!parseBoolean(Inputs.CancelOnAbort, true)) {
    core.warning(`Run ${runId} may still be in progress; it was left as it is (${Inputs.CancelOnAbort} is false).`)
    return
  }
  const token = readToken()
  const client = new TfeClient({ baseUrl: parseHostname(core.getInput(Inputs.Hostname)), token, requestTimeoutMs: 15_000 })
  try {
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
