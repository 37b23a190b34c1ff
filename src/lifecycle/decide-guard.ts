/**
 * The decision table's rows for auto_confirm_if (pure, part of decide.ts, which calls it for a
 * confirmable run the step would confirm): the verdict as a fact, and what it means for the run.
 */
import type { OnGuardHeld } from '../review/rules.js'

/**
 * The verdict of auto_confirm_if (review/guard.ts) on a run, and the run and status it was made
 * at: a verdict counts only for the run being confirmed, at the status it was evaluated in.
 */
export interface GuardFact {
  runId: string
  status: string
  result: 'passed' | 'held' | 'pending'
}

/**
 * Whether auto_confirm_if lets the step confirm this run now. A verdict on another run, or made at
 * another status (a cost estimate or policy check may have come since), is no verdict.
 */
/** The decisions a guard can lead to: a narrow part of decide.ts's Decision, named here so that this file needs nothing of it. */
export type GuardDecision =
  | { action: 'check-guard' }
  | { action: 'confirm' }
  | { action: 'wait'; for: 'stage' }
  | { action: 'fail'; reason: 'guard-held' }
  | { action: 'wait-for-person'; for: 'guard' }

export function decideGuard(
  run: { id?: string | undefined; status: string },
  onHeld: OnGuardHeld,
  guard: GuardFact | undefined
): GuardDecision {
  if (!guard || guard.status !== run.status || (run.id !== undefined && guard.runId !== run.id)) return { action: 'check-guard' }
  if (guard.result === 'passed') return { action: 'confirm' }
  // A cost estimate or policy check is still to come: HCP Terraform moves the run on by itself.
  if (guard.result === 'pending') return { action: 'wait', for: 'stage' }
  return onHeld === 'fail' ? { action: 'fail', reason: 'guard-held' } : { action: 'wait-for-person', for: 'guard' }
}
