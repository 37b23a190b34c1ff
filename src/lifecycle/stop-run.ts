/** Stopping one run the step will not follow to its end: discard, cancel or leave it, as decideStop says. */
import { Inputs } from '../action/names.js'
import { TerminalStatuses } from '../tfe/statuses.js'
import { type StopReason, type StopSettings } from './decide.js'
import { decideStopNotQueued, type RunOrigin } from './decide-queued.js'
import { errorMessage, isTransient } from '../common/errors.js'
import type { TfeClient } from '../tfe/client.js'
import { DefaultPollSchedule, PollSchedule, type PollScheduleOptions } from '../tfe/poll-schedule.js'
import { getRun, runAction, type Run } from '../tfe/runs.js'
import { toFacts } from './decide.js'
import { sleep } from '../common/timing.js'
import { workflowDescription } from '../action/github-context.js'

export interface StopResult {
  /** The run as read before acting on it; undefined when it could not be read. */
  before: Run | undefined
  /** The run as last read after acting (ended, when it ended within the budget). */
  after: Run | undefined
  /** What happened, one clause for the log, ending where the run's URL follows. */
  text: string
  /** The stop did not get through (the run could not be read, or the request failed). */
  failed: boolean
}

/**
 * Stops a run the step will not follow to its end, as `decideStop` says for `reason`, then reads
 * it until it has ended (or the budget is spent), so the step reports where the run really is.
 * Idempotent: a run that ended is left alone. Every request carries `budget`.
 */
export async function stopRun(
  client: TfeClient,
  runId: string,
  settings: StopSettings,
  reason: StopReason,
  /** Why the step stops it, as the run's comment will say ("the job was cancelled"). */
  why: string,
  budget: AbortSignal,
  pollSchedule: PollScheduleOptions = DefaultPollSchedule,
  /** An adopted run is stopped only after a cancel with cancel_on_abort (decideStopNotQueued). */
  origin: RunOrigin = 'queued'
): Promise<StopResult> {
  const asked = reason === 'timeout' || reason === 'cancelled'
  let before: Run
  try {
    before = await readWithinBudget(client, runId, budget, pollSchedule)
  } catch (err) {
    const next = asked ? 'the post step will try again' : 'it was left as it is; check it'
    return { before: undefined, after: undefined, text: `it could not be read to stop it (${errorMessage(err)}); ${next}:`, failed: true }
  }
  const decision = decideStopNotQueued(toFacts(before), settings, reason, origin)
  const done = (text: string): StopResult => ({ before, after: before, text, failed: false })
  if (decision.how === 'none') return done(`it had already ended ('${before.status}'):`)
  if (decision.how === 'leave') {
    if (decision.why === 'kept') return done(`it was left as it is (${Inputs.CancelOnAbort} is false):`)
    if (decision.why === 'not-queued') {
      return done(
        `this step did not queue it (HCP Terraform did; the step followed it, ${Inputs.AdoptQueuedRun}), so it was left as it is; only a cancelled job with ${Inputs.CancelOnAbort} stops it:`
      )
    }
    if (decision.why === 'saved')
      return done(`it is a saved plan this step was given (${Inputs.RunId}); it was left unconfirmed, for another try:`)
    if (decision.why === 'applying') {
      return done(
        "it was confirmed, so it was left to finish (cutting an apply short for the step's own reasons could leave infrastructure half-changed); follow it at"
      )
    }
    return done('it can be neither discarded nor cancelled in that status; stop it by hand if it must not go on:')
  }
  const action = decision.how
  let accepted: boolean
  try {
    const comment = `Stopped by GitHub Actions: ${why}. ${await workflowDescription()}`
    accepted = await runAction(client, runId, action, comment, budget)
  } catch (err) {
    const next = asked ? 'the post step will try again' : `${action} it by hand`
    return { before, after: before, text: `the ${action} failed (${errorMessage(err)}); ${next}:`, failed: true }
  }
  const after = (await readUntilEnded(client, runId, budget, pollSchedule)) ?? before
  const now = after !== before ? ` (now '${after.status}')` : ''
  if (accepted)
    return { before, after, text: `${action === 'discard' ? 'it was discarded' : 'a cancel was requested'}${now}:`, failed: false }
  if (TerminalStatuses.has(after.status)) return { before, after, text: `it had already ended ('${after.status}'):`, failed: false }
  return { before, after, text: `the ${action} was refused (409)${now}; stop it by hand:`, failed: false }
}

/** One read may hang; the budget is for the whole stop, so each read gets a part of it. */
const StopReadTimeoutMs = 2_000

/** A stop often follows a read outage: keep trying to read the run while the budget lasts. */
async function readWithinBudget(client: TfeClient, runId: string, budget: AbortSignal, pollSchedule: PollScheduleOptions): Promise<Run> {
  const schedule = new PollSchedule(pollSchedule)
  for (;;) {
    const attempt = AbortSignal.any([budget, AbortSignal.timeout(StopReadTimeoutMs)])
    try {
      return await getRun(client, runId, attempt)
    } catch (err) {
      const hung = attempt.aborted && !budget.aborted
      if ((!isTransient(err) && !hung) || budget.aborted) throw err
      try {
        await sleep(schedule.next('unreadable'), budget)
      } catch {
        throw err
      }
    }
  }
}

async function readUntilEnded(
  client: TfeClient,
  runId: string,
  budget: AbortSignal,
  pollSchedule: PollScheduleOptions
): Promise<Run | undefined> {
  let last: Run | undefined
  const schedule = new PollSchedule(pollSchedule)
  try {
    for (;;) {
      last = await getRun(client, runId, budget)
      if (TerminalStatuses.has(last.status)) return last
      await sleep(schedule.next(last.status), budget)
    }
  } catch {
    // The budget is spent (or the API is down): report the last status seen.
    return last
  }
}
