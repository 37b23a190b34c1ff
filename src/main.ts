/**
 * The main step: read the inputs, queue and follow the run, report it. The step's two stops live
 * here (the job's cancel, timeout_minutes); what to do about a run is the lifecycle's, not this file's.
 */
import { AbortedError, errorMessage } from './common/errors.js'
import { getSettings } from './action/inputs.js'
import { TfeClient } from './tfe/client.js'
import { RunLifecycle } from './lifecycle/run-lifecycle.js'
import { writeOutputs } from './report/outputs.js'
import { writeSummary } from './report/summary.js'
import { commentOnPullRequest } from './report/pr-comment.js'
import { cleanup } from './post.js'
import { formatDuration } from './common/timing.js'
import { loadGithubContext } from './action/github-context.js'
import { log } from './common/job-log.js'
import { postState } from './action/post-state.js'
import { Inputs } from './action/names.js'
import { OptionalPart, optional } from './common/optional.js'

/** The job summary is a file write; the comment is a few GitHub calls, each bounded on its own as well. */
const SummaryBoundMs = 15_000
const CommentBoundMs = 45_000

/** The main step: validate inputs, queue and follow the run, report. */
export async function run(): Promise<void> {
  // Two reasons to stop: the job was cancelled (the runner sends SIGINT, then kills the step
  // 7.5 s later), or timeout_minutes passed. Only the first still applies once the run ended well.
  const cancel = new AbortController()
  const deadline = new AbortController()
  const onSignal = (): void => cancel.abort(new AbortedError('The job was cancelled.', 'cancelled'))
  // A promise nobody waits for (a background part that slipped past its boundary) is a bug of
  // ours, not a reason to end the step while its run applies: it becomes a warning.
  const onStray = (err: unknown): void => log.warning(`Unexpected error in a background part of the step: ${errorMessage(err)}`)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('unhandledRejection', onStray)
  let timer: NodeJS.Timeout | undefined
  let client: TfeClient | undefined
  try {
    const settings = getSettings()
    // setImmediate: after the first request has gone out, so compiling it overlaps the wait for
    // the answer instead of delaying the request; awaited where the run message needs it.
    setImmediate(() => loadGithubContext().catch(() => undefined))
    client = new TfeClient({ baseUrl: settings.baseUrl, token: settings.token, hostSetting: `the '${Inputs.Hostname}' input` })
    if (settings.timeoutMs > 0) {
      timer = setTimeout(
        () => deadline.abort(new AbortedError(`Timed out after ${formatDuration(settings.timeoutMs)}.`, 'timeout')),
        settings.timeoutMs
      )
    }
    const stop = AbortSignal.any([cancel.signal, deadline.signal])
    const outcome = await new RunLifecycle(settings, client).execute(stop, cancel.signal)
    writeOutputs(outcome)
    await optional(OptionalPart.Summary, () => writeSummary(settings, outcome), { boundMs: SummaryBoundMs, signal: cancel.signal })
    await optional(OptionalPart.Comment, s => commentOnPullRequest(settings, outcome, s), {
      boundMs: CommentBoundMs,
      signal: cancel.signal
    })
    if (outcome.success) log.info(outcome.message)
    else log.fail(outcome.message)
  } catch (err) {
    log.fail(errorMessage(err))
  } finally {
    if (client) {
      const { requests, retries, rateLimited } = client.stats
      log.debug(`API requests: ${requests}, retried: ${retries}, rate-limited: ${rateLimited}`)
    }
    clearTimeout(timer)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('unhandledRejection', onStray)
    client?.dispose()
  }
}

/** One bundle serves both `main` and `post` (as actions/checkout does); the state tells them apart. */
export async function entry(): Promise<void> {
  if (postState.isPost()) {
    try {
      await cleanup()
    } catch (err) {
      log.warning(`Post step: ${errorMessage(err)}`)
    }
    return
  }
  postState.markMainStarted()
  await run()
}
