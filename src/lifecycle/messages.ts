/** The lifecycle's messages: one line per end, wait and stop, with the run's URL. Pure: no request, no log. */
import { Inputs, OperationLabels } from '../action/names.js'
import { type AbortReason } from '../common/errors.js'
import { type Decision } from './decide.js'
import { type Run } from '../tfe/runs.js'
import { formatDuration } from '../common/timing.js'

import type { Step } from './step.js'
import { heldLines } from '../review/guard.js'

export function attemptTitle(step: Step, attempt: number): string {
  const ws = step.target
  const what = `${OperationLabels[step.settings.operation]} on ${ws.organization}/${ws.name}`
  return step.totalRuns > 1 ? `${what}: run ${attempt} of at most ${step.totalRuns}` : what
}

export function describeOperation(step: Step): string {
  const { operation, manualConfirm } = step.settings
  if (operation === 'plan') return 'plan only'
  const confirm = step.settings.waitForRun ? '' : manualConfirm ? ', to be confirmed by a person' : ', auto-apply'
  return `${operation}${confirm}`
}

export function failText(step: Step, ended: Extract<Decision, { action: 'fail' | 'retry' }>, run: Run): string {
  const url = step.url(run.id)
  if (ended.action === 'retry') return `Run ${run.id} errored during ${ended.stage}${firstError(step, ended.stage)}: ${url}`
  switch (ended.reason) {
    case 'errored-plan':
      return `Run ${run.id} errored during plan${firstError(step, 'plan')}: ${url}`
    case 'errored-apply':
      return `Run ${run.id} errored during apply${firstError(step, 'apply')}: ${url}`
    case 'errored-elsewhere':
      return `Run ${run.id} errored outside its plan and apply (a hard-mandatory policy or a mandatory run task failed); that is not retried: ${url}`
    case 'discarded':
      if (run.savePlan && step.settings.runId) {
        return `Run ${run.id} was discarded: the workspace changed after this plan${step.newerRun ? ` (run ${step.newerRun} applied since: ${step.url(step.newerRun)})` : ''}; plan again. The saved plan: ${url}`
      }
      return `Run ${run.id} was discarded before it was applied (by a person, or by another process); not retried: ${url}`
    case 'canceled':
      return `Run ${run.id} was canceled by someone else; not retried: ${url}`
    case 'force-canceled':
      return `Run ${run.id} was force-canceled by someone else; not retried: ${url}`
    case 'soft-failed':
      return `Run ${run.id} ended with a soft-mandatory policy failure: ${url}`
    case 'no-configuration':
      return noConfigurationText(step)
    case 'guard-held':
      return `Run ${run.id} was not confirmed: ${Inputs.AutoConfirmIf} held it back (${heldLines(step.guard?.verdict ?? { result: 'held', outcomes: [] }).join('; ')}). The plan is left unconfirmed: confirm it at ${url}, or apply exactly this run in a later step with ${Inputs.RunId}: ${run.id}`
  }
}

export function retryText(step: Step, ended: Extract<Decision, { action: 'fail' }>): string {
  if (ended.reason !== 'errored-plan' && ended.reason !== 'errored-apply') return ''
  if (!step.settings.retry) return ` Not retried (${Inputs.Retry} is false).`
  const tries = step.attempts
  return ` Gave up after ${tries} run${tries === 1 ? '' : 's'} (${Inputs.RetryAttempts}: ${step.settings.retryAttempts}).`
}

export function countsText(step: Step, stage: Run['plan']): string {
  if (!stage) return ''
  return ` (${stage.additions} to add, ${stage.changes} to change, ${stage.destructions} to destroy)`
}

export function noConfigurationText(step: Step): string {
  const ws = step.target
  return `Workspace ${ws.organization}/${ws.name} has no configuration version yet, so there is nothing to ${step.settings.operation}. Connect it to a VCS repository or upload a configuration first.`
}

/** Why the step stops following a run that has not ended. */
export function giveUpText(step: Step, ended: Extract<Decision, { action: 'give-up' }>): string {
  const run = step.current
  if (ended.why === 'read-outage') return step.outage ?? `Could not read run ${run?.id ?? ''}.`
  return `Run ${run?.id ?? ''} says it can be confirmed but refused confirmation ${run?.status ? `in status '${run.status}' ` : ''}every time (409 transition not allowed).`
}

export function abortText(step: Step, reason: AbortReason): string {
  return reason === 'timeout'
    ? `Timed out after ${formatDuration(step.settings.timeoutMs)} (input '${Inputs.TimeoutMinutes}')`
    : 'The job was cancelled'
}

/** The first error of the stage's log, as `: Error: … (main.tf line 12)`, when logs are read. */
export function firstError(step: Step, stage: 'plan' | 'apply'): string {
  const d = step.logs?.[stage].digest.firstError
  if (!d) return ''
  return ` (Error: ${d.summary}${d.where ? `, ${d.where}` : ''})`
}
