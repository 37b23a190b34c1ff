/**
 * auto_confirm_if in the lifecycle: reads what the rules need about the run about to be confirmed
 * (its JSON plan, cost estimate, policy results), asks the pure verdict (review/guard.ts), keeps
 * it with the run and status it was made at, and says what held, where a user looks: the log and
 * an annotation. Never confirms anything itself: decide.ts gets the verdict as a fact.
 */
import { errorMessage } from '../common/errors.js'
import { log } from '../common/job-log.js'
import { Inputs } from '../action/names.js'
import { getCostEstimate, CostEstimateFinal } from '../tfe/cost-estimates.js'
import type { Run } from '../tfe/runs.js'
import {
  evaluateGuard,
  factsNeeded,
  heldLines,
  money,
  type GuardFacts,
  type Known,
  type PlanFacts,
  type GuardVerdict
} from '../review/guard.js'
import { readRunChecks, softFailures } from '../review/run-checks.js'
import { SourceLabels } from '../review/plan-source.js'
import { ruleText } from '../review/rules.js'
import type { GuardFact } from './decide.js'
import type { Step } from './step.js'

const NotNeeded = { state: 'unknown', why: 'not needed' } as const

/** How long a finished plan's JSON may stay "not ready" (204) before the rules count as unevaluable. */
export const PlanNotReadyLimitMs = 60_000

/**
 * The verdict decide.ts looks at: the last one, for the run and status it was made at. One that
 * waits for a result still coming counts only for the read of the run it was made on, so it is
 * made again on the next read instead of waiting on a result that came meanwhile.
 */
export function guardFact(step: Step, poll: number): GuardFact | undefined {
  const g = step.guard
  if (!g || (g.verdict.result === 'pending' && g.poll !== poll)) return undefined
  return { runId: g.runId, status: g.status, result: g.verdict.result }
}

async function planFacts(step: Step, run: Run, signal: AbortSignal): Promise<Known<PlanFacts>> {
  const read = await step.plans.read(run.plan?.id, signal)
  const countedDestroys = run.plan?.destructions
  if (!read.plan && read.notReady && run.plan) {
    if (step.planNotReady?.planId !== run.plan.id) step.planNotReady = { planId: run.plan.id, since: Date.now() }
    if (Date.now() - step.planNotReady.since < PlanNotReadyLimitMs) return { state: 'pending', why: "the plan's JSON is not ready yet" }
  }
  if (read.plan) {
    const changes = read.plan.resources.map(r => ({ address: r.address, actions: r.change.actions }))
    return { state: 'known', value: { changes, source: SourceLabels[read.source], countedDestroys } }
  }
  // The structured plan log lists every change too, when the step read it to its end.
  const logs = step.logs
  if (logs?.planComplete && logs.plan.digest.structured) {
    const actions = (a: string): string[] => (a === 'replace' ? ['delete', 'create'] : a === 'move' || a === 'import' ? ['no-op'] : [a])
    const changes = [...logs.plan.digest.changes].map(([address, action]) => ({ address, actions: actions(action) }))
    return { state: 'known', value: { changes, source: 'the plan log', countedDestroys } }
  }
  const late = read.notReady ? `still not ready after ${PlanNotReadyLimitMs / 1000} s: ` : ''
  return { state: 'unknown', why: `the plan's resource changes could not be read: ${late}${read.why}` }
}

async function costFacts(step: Step, run: Run, signal: AbortSignal): Promise<GuardFacts['cost']> {
  if (!run.costEstimateId) {
    return { state: 'unknown', why: 'the run has no cost estimate (cost estimation is off for the organization, or it did not run)' }
  }
  try {
    const ce = await getCostEstimate(step.client, run.costEstimateId, signal)
    if (!CostEstimateFinal.has(ce.status)) return { state: 'pending', why: `the cost estimate is ${ce.status || 'not finished'}` }
    if (ce.status !== 'finished' || ce.deltaMonthly === undefined) {
      return { state: 'unknown', why: `the cost estimate ${ce.id} is ${ce.status}${ce.errorMessage ? ` (${ce.errorMessage})` : ''}` }
    }
    return {
      state: 'known',
      value: { priorMonthly: ce.priorMonthly ?? NaN, proposedMonthly: ce.proposedMonthly ?? NaN, deltaMonthly: ce.deltaMonthly }
    }
  } catch (err) {
    if (signal.aborted) throw err
    return { state: 'unknown', why: `the cost estimate could not be read (${errorMessage(err)})` }
  }
}

async function policyFacts(step: Step, run: Run, signal: AbortSignal): Promise<GuardFacts['policy']> {
  try {
    const checks = await readRunChecks(step.client, run.id, signal)
    if (checks.unfinished) return { state: 'pending', why: 'a policy check has not finished' }
    return { state: 'known', value: { softFailures: softFailures(checks) } }
  } catch (err) {
    if (signal.aborted) throw err
    return { state: 'unknown', why: `the policy results could not be read (${errorMessage(err)})` }
  }
}

/** Reads what the rules need and evaluates them on this run at its current status. Throws only on a stop. */
export async function checkGuard(step: Step, run: Run, poll: number, signal: AbortSignal): Promise<GuardVerdict> {
  const rules = step.settings.guard?.rules ?? []
  const needs = factsNeeded(rules)
  let verdict: GuardVerdict
  try {
    const facts: GuardFacts = {
      plan: needs.plan ? await planFacts(step, run, signal) : NotNeeded,
      cost: needs.cost ? await costFacts(step, run, signal) : NotNeeded,
      policy: needs.policy ? await policyFacts(step, run, signal) : NotNeeded
    }
    verdict = evaluateGuard(rules, facts)
  } catch (err) {
    if (signal.aborted) throw err
    // A bug or an answer nobody expected: the rules could not be evaluated, so nothing is confirmed.
    verdict = {
      result: 'held',
      outcomes: rules.map(r => ({ rule: ruleText(r), result: 'unevaluable', addresses: [], why: errorMessage(err) }))
    }
  }
  const previous = step.guard
  step.guard = { runId: run.id, status: run.status, poll, verdict }
  const same = previous?.runId === run.id && previous.status === run.status && previous.verdict.result === verdict.result
  if (!same) say(step, run, verdict)
  return verdict
}

function say(step: Step, run: Run, verdict: GuardVerdict): void {
  const url = step.url(run.id)
  if (verdict.result === 'passed') {
    const cost = verdict.outcomes.find(o => o.costDelta !== undefined)?.costDelta
    log.info(
      `${Inputs.AutoConfirmIf}: every rule passed on run ${run.id} (${verdict.outcomes.map(o => o.rule).join(', ')}${cost !== undefined ? `; monthly cost delta ${money(cost)}` : ''}); confirming.`
    )
    return
  }
  if (verdict.result === 'pending') {
    log.info(
      `${Inputs.AutoConfirmIf}: waiting for run ${run.id}'s ${verdict.outcomes
        .filter(o => o.result === 'pending')
        .map(o => o.why)
        .join(', ')}.`
    )
    return
  }
  const then =
    step.settings.guard?.onHeld === 'fail'
      ? `The step ends failed and leaves the plan unconfirmed (${Inputs.OnGuardHeld}: fail)`
      : `Waiting for a person to confirm or discard it (${Inputs.OnGuardHeld}: wait)`
  log.warning(`${Inputs.AutoConfirmIf} held run ${run.id} back: ${heldLines(verdict).join('; ')}. ${then}: ${url}`)
}
