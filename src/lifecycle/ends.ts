/** The ends of a run that ended: the success messages, its outputs, its changes. */
import { Inputs } from '../action/names.js'
import { RunStatus } from '../tfe/statuses.js'
import { AbortedError, errorMessage } from '../common/errors.js'
import { type Decision, type Ended } from './decide.js'
import { OutputsUnreadableError, readOutputs } from './outputs.js'
import { newestRunWithStatus, type Run } from '../tfe/runs.js'
import { log } from '../common/job-log.js'
import { changeReport, PlanJsonTimeoutMs, type ChangeReport } from '../run-logs/changes.js'
import { OptionalPart, optional } from '../common/optional.js'

import { countsText, noConfigurationText } from './messages.js'
import type { Step } from './step.js'
import { type Outcome, ReportBoundMs } from './step.js'

export async function succeed(
  step: Step,
  ended: Extract<Decision, { action: 'succeed' }>,
  run: Run,
  cancel: AbortSignal
): Promise<Outcome> {
  const url = step.url(run.id)
  let message: string
  switch (ended.end) {
    case 'applied':
      message = `Run ${run.id} applied${countsText(step, run.apply)}: ${url}`
      break
    case 'no-changes':
      message = `Run ${run.id} finished with no changes to apply: ${url}`
      break
    case 'plan-saved':
      message = `Saved the plan of run ${run.id}${countsText(step, run.plan)}; apply exactly this plan with ${Inputs.RunId}: ${run.id}. ${url}`
      break
    case 'plan-soft-failed':
      log.warning(
        `Plan-only run ${run.id} finished, but a soft-mandatory policy failed: an apply of this plan would need a policy override. ${url}`
      )
      message = `Plan-only run ${run.id} finished with a soft-mandatory policy failure${countsText(step, run.plan)}: ${url}`
      break
    default:
      message = `Plan-only run ${run.id} finished${run.hasChanges ? countsText(step, run.plan) : ' with no changes'}: ${url}`
  }
  if (step.settings.operation !== 'apply' || !step.settings.readOutputs || ended.end === 'plan-saved') return step.outcome(true, message)
  try {
    const outputs = await readOutputs(step.client, step.target, {
      applied: ended.end === 'applied',
      signal: cancel,
      boundMs: step.options.outputsBoundMs,
      pollSchedule: step.options.pollSchedule
    })
    return step.outcome(true, message, outputs)
  } catch (err) {
    if (err instanceof AbortedError) {
      return step.outcome(false, `${message}; the job was cancelled before its outputs were read.`)
    }
    const why = err instanceof OutputsUnreadableError ? err.message : `Could not read the state outputs: ${errorMessage(err)}`
    return step.outcome(false, `${message}; but ${why}`)
  }
}

/** The newest applied run of the workspace: what made a saved plan stale. */
export async function latestApplied(step: Step, signal: AbortSignal): Promise<string | undefined> {
  try {
    return await newestRunWithStatus(step.client, step.target.id, RunStatus.Applied, signal)
  } catch {
    return undefined
  }
}

/** The run's changes by address; a report is never worth failing the step for (common/optional.ts). */
export async function describeChanges(step: Step, run: Run, signal: AbortSignal): Promise<ChangeReport | undefined> {
  const logs = step.logs
  const planLog = logs ? { digest: logs.plan.digest, complete: logs.planComplete } : undefined
  return await optional(
    OptionalPart.ChangeReport,
    async s => {
      const report = await changeReport(step.client, run, planLog, s)
      const applyError = logs?.apply.digest.firstError
      return applyError ? { ...report, firstError: applyError } : report
    },
    { boundMs: PlanJsonTimeoutMs + ReportBoundMs, signal }
  )
}

/** The workspace never had a configuration version: decideNoConfiguration said what that means. */
export function noConfiguration(step: Step, ended: Exclude<Ended, { action: 'give-up' }>): Outcome {
  const ws = step.target
  if (ended.action === 'succeed') {
    const message = `Workspace ${ws.organization}/${ws.name} has never had a configuration version, so there is nothing to destroy.`
    log.notice(message)
    return step.outcome(true, message)
  }
  return step.outcome(false, noConfigurationText(step))
}
