/**
 * Stopping before the run ended: told to (timeout, cancel) or giving up. decideStop says what that
 * means for the run; the run is read again afterwards, so `status` is where it ended.
 */
import { Inputs } from '../action/names.js'
import { TerminalStatuses } from '../tfe/statuses.js'
import { AbortedError, errorMessage, type AbortReason } from '../common/errors.js'
import { decide, toFacts, type StopReason } from './decide.js'
import { stopRun } from './stop-run.js'
import { findRunsByMarker, getRun, type Run } from '../tfe/runs.js'
import { formatDuration } from '../common/timing.js'

import { abortText } from './messages.js'
import { succeed, describeChanges } from './ends.js'
import type { Step } from './step.js'
import { type Outcome } from './step.js'

/** Why the step stops following: it was told to (an abort), or it gives up, saying why in `head`. */
export type StopCause = { reason: AbortReason } | { reason: 'gave-up'; head: string }

/** An exception that ends the following: the step's stop signal, or an error it cannot go on after. */
export function stopCause(err: unknown): StopCause {
  return err instanceof AbortedError ? { reason: err.reason } : { reason: 'gave-up', head: errorMessage(err) }
}

/**
 * The step stops following its run before the run ended: it was told to (timeout, cancel), or
 * it cannot go on (read outage, refused confirmations, an unexpected API error). `decideStop`
 * says what that means for the run; the run is read again afterwards, so `status` is its end.
 */
export async function stopFollowing(step: Step, cause: StopCause, cancel: AbortSignal): Promise<Outcome> {
  const aborted = cause.reason !== 'gave-up'
  const reason: StopReason = cause.reason
  const head = cause.reason === 'gave-up' ? cause.head.replace(/\s+$/, '') : abortText(step, cause.reason)
  if (cause.reason !== 'gave-up') step.state.stopping(cause.reason)
  const budget = AbortSignal.timeout(reason === 'cancelled' ? step.options.cancelStopBudgetMs : step.options.stopBudgetMs)
  const why =
    reason === 'timeout'
      ? `the step's ${Inputs.TimeoutMinutes} (${formatDuration(step.settings.timeoutMs)}) passed`
      : reason === 'cancelled'
        ? 'the job was cancelled'
        : `the step gave up following it: ${head.replace(/[.:]?\s*$/, '')}`

  let runId = step.current && !TerminalStatuses.has(step.current.status) ? step.current.id : undefined
  if (!runId && step.unanswered) {
    // The create request was cut off or unanswered: the run may exist all the same.
    try {
      const found = await findRunsByMarker(step.client, step.target.id, step.unanswered, budget)
      for (const id of found) step.noteRun(id)
      runId = found[0]
      if (runId) step.current = await getRun(step.client, runId, budget)
    } catch (lookErr) {
      if (aborted) {
        return step.outcome(
          false,
          `${head}. The run being queued could not be looked for (${errorMessage(lookErr)}); the post step will look again.`
        )
      }
    }
    if (!runId && aborted) {
      return step.outcome(
        false,
        `${head} while the run was being queued; it was not found on the workspace yet, so the post step will look again.`
      )
    }
  }
  if (!runId || !step.settings.waitForRun) {
    step.state.release()
    const url = step.current ? ` Run: ${step.url(step.current.id)} (status '${step.current.status}').` : ''
    return step.outcome(false, aborted ? `${head}.${url}` : `${head}${head.includes(step.url(step.current?.id ?? '-')) ? '' : url}`)
  }
  const { text, failed, statusBefore, before } = await stopStepRun(step, runId, reason, why, budget)
  if (reason === 'timeout' && before) {
    // The deadline landed during the read that would have shown the end: a run that ended well
    // is a success all the same (the README's guarantee), its outputs read as after any end.
    const ended = decide(toFacts(before), step.settings, {
      confirmSentAt: undefined,
      confirmRefusals: 0,
      retriesLeft: 0,
      attempt: step.attempts
    })
    if (ended.action === 'succeed') {
      step.state.release()
      step.current = before
      step.changes = await describeChanges(step, before, cancel)
      return await succeed(step, ended, before, cancel)
    }
  }
  // After a timeout or cancel whose stop did not get through, the post step tries again.
  if (!(failed && aborted)) step.state.release()
  const separator = aborted ? ` while run ${runId} was` : ` Run ${runId} was`
  return step.outcome(false, `${head}${separator} '${statusBefore}'; ${text} ${step.url(runId)}`)
}

/** Stops one of the step's runs and keeps `current` up to date with what it read. */
export async function stopStepRun(
  step: Step,
  runId: string,
  reason: StopReason,
  why: string,
  budget: AbortSignal
): Promise<{ text: string; failed: boolean; statusBefore: string; before: Run | undefined }> {
  const result = await stopRun(step.client, runId, step.settings, reason, why, budget, step.options.pollSchedule, step.originOf(runId))
  if (step.current?.id === runId && result.after) step.current = result.after
  const statusBefore = result.before?.status ?? (step.current?.id === runId ? step.current.status : 'unknown')
  return { text: result.text, failed: result.failed, statusBefore, before: result.before }
}
