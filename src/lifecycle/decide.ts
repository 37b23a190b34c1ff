/**
 * What the step does next with its run, as one pure function of what it knows: the run as last
 * read, the settings, and what the step itself has done to the run. No I/O, no clock, no logging:
 * the run lifecycle reads the run, asks `decide`, and acts; the table test walks every status.
 * What the follow loop reports on the way (a pending run, checks) is decided in decide-reports.ts.
 *
 * The invariant the table keeps: for every state, either HCP Terraform moves the run on by itself
 * (a stage is running, the run is queued), or a person is asked (and the step says so, with the
 * run's URL), or the step acts. There is no fourth case, so there is no silent endless wait.
 */
import { type Operation } from '../action/names.js'
import {
  ApplyPhaseStatuses,
  type AnyRunStatus,
  AwaitingDecisionStatuses,
  RunStatus,
  StageStatus,
  TerminalStatuses,
  WorkingStatuses
} from '../tfe/statuses.js'
import type { Run } from '../tfe/runs.js'
import type { OnGuardHeld } from '../review/rules.js'
import { decideGuard, type GuardFact } from './decide-guard.js'

export type { GuardFact } from './decide-guard.js'

/** What `decide` looks at in a run (a subset of tfe/runs.ts's Run, so tests can write rows by hand). */
export interface RunFacts {
  /** The run's ID: a guard verdict counts only for the run it was made on. */
  id?: string
  status: AnyRunStatus
  isConfirmable: boolean
  isDiscardable: boolean
  isCancelable: boolean
  hasChanges: boolean
  /** status-timestamps.confirmed-at: set once anyone confirmed the run. */
  confirmedAt: string | undefined
  planStatus: string | undefined
  applyStatus: string | undefined
}

export interface DecisionSettings {
  operation: Operation
  manualConfirm: boolean
  cancelOnAbort: boolean
  /** The pause before a retried run, doubled per attempt up to the max. */
  retryBackoffMinMs: number
  retryBackoffMaxMs: number
  /** The step plans and saves the plan: it ends at planned_and_saved and never confirms. */
  savePlan: boolean
  /** The step follows a run it was given (run_id) instead of one it queued. */
  runId?: string | undefined
  /** auto_confirm_if has rules: the step confirms only a plan they pass, and does this when one holds. */
  guard?: { onHeld: OnGuardHeld } | undefined
}

/**
 * Why the step stops following a run before it ended:
 * - timeout: `timeout_minutes` passed; cancelled: the job was cancelled (both: cancel_on_abort rules);
 * - gave-up: the step cannot go on (read outage, refused confirmations, unexpected API errors);
 * - duplicate: a second run for the same attempt, made by a create whose answer was lost.
 */
export type StopReason = 'timeout' | 'cancelled' | 'gave-up' | 'duplicate'

export interface Memory {
  /** The status at which this step's confirmation was accepted (202), if it was. */
  confirmSentAt: string | undefined
  /** Confirmations answered 409 so far. */
  confirmRefusals: number
  /** More runs this step may queue when this one errors in its plan or apply. */
  retriesLeft: number
  /** Which run of the step this is (1 for the first), for the retry's pause. */
  attempt: number
}

export const MaxConfirmRefusals = 5

export type WaitFor = 'queue' | 'stage' | 'confirmation-accepted' | 'unknown-status'
export type PersonFor = 'confirmation' | 'policy-override' | 'run-task' | 'guard'
export type SuccessEnd =
  'applied' | 'no-changes' | 'plan-finished' | 'plan-soft-failed' | 'plan-ready' | 'plan-saved' | 'nothing-to-destroy'
export type FailReason =
  | 'errored-plan'
  | 'errored-apply'
  | 'errored-elsewhere'
  | 'discarded'
  | 'canceled'
  | 'force-canceled'
  | 'soft-failed'
  | 'no-configuration'
  | 'guard-held'
/** The step cannot go on following a run that has not ended; the run itself may be fine. */
export type GiveUpWhy = 'confirm-refused' | 'read-outage'
export type StopHow = 'discard' | 'cancel' | 'leave' | 'none'
/**
 * Why a stop is what it is: ended (nothing to stop), kept (cancel_on_abort false), waiting,
 * working, applying, stuck, or saved (a reviewed saved plan the step was given and did not confirm).
 */
export type StopWhy = 'ended' | 'kept' | 'waiting' | 'working' | 'applying' | 'stuck' | 'saved'

/** What to do next about a run the step follows. It is never a stop: stops are decideStop's. */
export type Decision =
  | { action: 'confirm' }
  /** auto_confirm_if has no verdict on this run at this status yet: read the plan and evaluate it. */
  | { action: 'check-guard' }
  | { action: 'wait'; for: WaitFor }
  | { action: 'wait-for-person'; for: PersonFor }
  | { action: 'succeed'; end: SuccessEnd }
  | { action: 'retry'; stage: 'plan' | 'apply'; delayMs: number }
  | { action: 'fail'; reason: FailReason }
  | { action: 'give-up'; why: GiveUpWhy }

/** How to stop a run the step will not follow to its end. It is never a confirm. */
export type StopDecision = { action: 'stop'; how: StopHow; why: StopWhy }

/** The ends of a followed run: what the lifecycle reports. */
export type Ended = Extract<Decision, { action: 'succeed' | 'fail' | 'retry' | 'give-up' }>

/** Has anyone confirmed this run? Only the run can say; a 409 alone does not. */
export function isConfirmed(run: RunFacts): boolean {
  return Boolean(run.confirmedAt) || ApplyPhaseStatuses.has(run.status) || run.status === RunStatus.Applied
}

export function decide(run: RunFacts, settings: DecisionSettings, memory: Memory, guard?: GuardFact): Decision {
  const ended = decideEnd(run, settings, memory)
  if (ended) return ended

  if (settings.savePlan) {
    if (run.status === RunStatus.PlannedAndSaved) return { action: 'succeed', end: 'plan-saved' }
    // A step that saves a plan never applies it: another step (run_id) or a person does.
    if (run.isConfirmable) return { action: 'wait', for: 'stage' }
  }
  if (run.isConfirmable && !isConfirmed(run)) {
    // A plan-only step never applies; such a run is only confirmable when it is a saved plan.
    if (settings.operation === 'plan') return { action: 'succeed', end: 'plan-ready' }
    if (settings.manualConfirm) return { action: 'wait-for-person', for: 'confirmation' }
    // The 202 was taken; a read right after it may still show the run as it was.
    if (memory.confirmSentAt === run.status) return { action: 'wait', for: 'confirmation-accepted' }
    // It says it can be confirmed, and refuses every time: the step will not fight it.
    if (memory.confirmRefusals >= MaxConfirmRefusals) return { action: 'give-up', why: 'confirm-refused' }
    if (settings.guard) return decideGuard(run, settings.guard.onHeld, guard)
    return { action: 'confirm' }
  }
  if (run.status === RunStatus.PolicyOverride) return { action: 'wait-for-person', for: 'policy-override' }
  if (AwaitingDecisionStatuses.has(run.status)) return { action: 'wait-for-person', for: 'run-task' }
  // A saved plan that the token may not confirm: somebody else must.
  if (run.status === RunStatus.PlannedAndSaved) return { action: 'wait-for-person', for: 'confirmation' }
  if (run.status === RunStatus.Pending) return { action: 'wait', for: 'queue' }
  if (WorkingStatuses.has(run.status)) return { action: 'wait', for: 'stage' }
  return { action: 'wait', for: 'unknown-status' }
}

function decideEnd(run: RunFacts, settings: DecisionSettings, memory: Memory): Decision | undefined {
  switch (run.status) {
    case RunStatus.Applied:
      return { action: 'succeed', end: 'applied' }
    case RunStatus.PlannedAndFinished:
      return { action: 'succeed', end: settings.operation === 'plan' ? 'plan-finished' : 'no-changes' }
    case RunStatus.PolicySoftFailed:
      // Only plan-only runs end here; an apply's soft failure waits at policy_override instead.
      return settings.operation === 'plan' ? { action: 'succeed', end: 'plan-soft-failed' } : { action: 'fail', reason: 'soft-failed' }
    case RunStatus.Errored: {
      const stage = run.planStatus === StageStatus.Errored ? 'plan' : run.applyStatus === StageStatus.Errored ? 'apply' : undefined
      // Errored outside plan and apply: a hard-mandatory policy or a mandatory run task said no.
      // Running the same configuration again gets the same answer, so it is not retried.
      if (!stage) return { action: 'fail', reason: 'errored-elsewhere' }
      if (memory.retriesLeft > 0) return { action: 'retry', stage, delayMs: retryDelayMs(settings, memory.attempt) }
      return { action: 'fail', reason: stage === 'plan' ? 'errored-plan' : 'errored-apply' }
    }
    case RunStatus.Discarded:
      return { action: 'fail', reason: 'discarded' }
    case RunStatus.Canceled:
      return { action: 'fail', reason: 'canceled' }
    case RunStatus.ForceCanceled:
      return { action: 'fail', reason: 'force-canceled' }
    default:
      return undefined
  }
}

/** Statuses before any confirmation: cancelling them touches no infrastructure. */
function beforeApply(run: RunFacts): boolean {
  return !isConfirmed(run) && (run.status === RunStatus.Pending || (WorkingStatuses.has(run.status) && !ApplyPhaseStatuses.has(run.status)))
}

/**
 * How to stop a run the step will not follow to its end. A run that waits is discarded. One that
 * plans is cancelled. One that applies is cancelled only when the user asked for it: the job was
 * cancelled or timed out and cancel_on_abort is true. For the step's own reasons (gave up, a
 * duplicate) an apply in progress is left alone, since cutting it short can leave half-made
 * infrastructure and a locked state.
 */
/** What a stop looks at in the settings (the post step has no more than these). */
export type StopSettings = Pick<DecisionSettings, 'operation' | 'manualConfirm' | 'cancelOnAbort' | 'savePlan' | 'runId'>

export function decideStop(run: RunFacts, settings: StopSettings, reason: StopReason): StopDecision {
  if (TerminalStatuses.has(run.status)) return { action: 'stop', how: 'none', why: 'ended' }
  const asked = reason === 'timeout' || reason === 'cancelled'
  if (asked && !settings.cancelOnAbort) return { action: 'stop', how: 'leave', why: 'kept' }
  // A saved plan someone reviewed and handed to this step is theirs: stopping the step leaves it,
  // unconfirmed, for the next try; discarding it would throw the review away.
  if (settings.runId && run.status === RunStatus.PlannedAndSaved) return { action: 'stop', how: 'leave', why: 'saved' }
  if (run.isDiscardable) return { action: 'stop', how: 'discard', why: 'waiting' }
  if (!asked && !beforeApply(run)) {
    return { action: 'stop', how: 'leave', why: isConfirmed(run) ? 'applying' : 'stuck' }
  }
  if (run.isCancelable) return { action: 'stop', how: 'cancel', why: isConfirmed(run) ? 'applying' : 'working' }
  return { action: 'stop', how: 'leave', why: 'stuck' }
}

/** The pause before run `attempt + 1`: the minimum, doubled per attempt, never over the maximum. */
export function retryDelayMs(settings: Pick<DecisionSettings, 'retryBackoffMinMs' | 'retryBackoffMaxMs'>, attempt: number): number {
  return Math.min(settings.retryBackoffMinMs * 2 ** (Math.max(attempt, 1) - 1), settings.retryBackoffMaxMs)
}

/** The workspace has never had a configuration version: a destroy has nothing to do; anything else cannot run. */
export function decideNoConfiguration(operation: Operation): Extract<Decision, { action: 'succeed' | 'fail' }> {
  return operation === 'destroy' ? { action: 'succeed', end: 'nothing-to-destroy' } : { action: 'fail', reason: 'no-configuration' }
}

/** A run that could not be read for `failingMs` (transient failures only) is given up on past `limitMs`. */
export function decideReadFailure(failingMs: number, limitMs: number): Extract<Decision, { action: 'give-up' }> | undefined {
  return failingMs >= limitMs ? { action: 'give-up', why: 'read-outage' } : undefined
}

/** The part of a run the decision table looks at. */
export function toFacts(run: Run): RunFacts {
  return {
    id: run.id,
    status: run.status,
    isConfirmable: run.isConfirmable,
    isDiscardable: run.isDiscardable,
    isCancelable: run.isCancelable,
    hasChanges: run.hasChanges,
    confirmedAt: run.timestamps['confirmed-at'],
    planStatus: run.plan?.status,
    applyStatus: run.apply?.status
  }
}
