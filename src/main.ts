import * as core from '@actions/core'
import { State } from './constants.js'
import { AbortedError, errorMessage } from './errors.js'
import { getSettings } from './inputs.js'
import { TfeClient } from './api-client.js'
import { RunLifecycle } from './run-lifecycle.js'
import { writeOutputs, writeSummary } from './report.js'
import { cleanup } from './post.js'
import { formatDuration } from './timing.js'
import { loadGithubContext } from './context.js'

const hooks = {
  runQueueing: (workspaceId: string, marker: string) => {
    core.saveState(State.WorkspaceId, workspaceId)
    core.saveState(State.QueueingMarker, marker)
  },
  runStarted: (runId: string) => core.saveState(State.ActiveRunId, runId),
  runSettled: () => {
    core.saveState(State.ActiveRunId, '')
    core.saveState(State.QueueingMarker, '')
  }
}

/** The main step: validate inputs, queue and follow the run, report. */
export async function run(): Promise<void> {
  const controller = new AbortController()
  // The runner sends SIGINT on cancel, SIGTERM 7.5 s later: stop the run while we still can.
  const onSignal = (): void => controller.abort(new AbortedError('The job was cancelled.', 'cancelled'))
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let timer: NodeJS.Timeout | undefined
  let client: TfeClient | undefined
  try {
    const settings = getSettings()
    // setImmediate: after the first request has gone out, so compiling it overlaps the wait for
    // the answer instead of delaying the request; awaited where the run message needs it.
    setImmediate(() => loadGithubContext().catch(() => undefined))
    client = new TfeClient({ baseUrl: settings.baseUrl, token: settings.token })
    if (settings.timeoutMs > 0) {
      timer = setTimeout(
        () => controller.abort(new AbortedError(`Timed out after ${formatDuration(settings.timeoutMs)}.`, 'timeout')),
        settings.timeoutMs
      )
    }
    const outcome = await new RunLifecycle(settings, client, hooks).execute(controller.signal)
    writeOutputs(outcome)
    await writeSummary(settings, outcome)
    if (outcome.success) core.info(outcome.message)
    else core.setFailed(outcome.message)
  } catch (err) {
    core.setFailed(errorMessage(err))
  } finally {
    if (client) {
      const { requests, retries, rateLimited } = client.stats
      core.debug(`API requests: ${requests}, retried: ${retries}, rate-limited: ${rateLimited}`)
    }
    clearTimeout(timer)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    client?.dispose()
  }
}

/** One bundle serves both `main` and `post` (as actions/checkout does); the state tells them apart. */
export async function entry(): Promise<void> {
  if (core.getState(State.IsPost) === 'true') {
    try {
      await cleanup()
    } catch (err) {
      core.warning(`Post step: ${errorMessage(err)}`)
    }
    return
  }
  core.saveState(State.IsPost, 'true')
  await run()
}
