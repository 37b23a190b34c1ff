/**
 * The statuses HCP Terraform documents for runs and their stages, and the sets the lifecycle
 * reasons with. The API's names, not the action's (those are action/names.ts).
 */
/** Every run status HCP Terraform documents (run.mdx, go-tfe). A status not listed is waited through. */
export const RunStatus = {
  Pending: 'pending',
  Fetching: 'fetching',
  FetchingCompleted: 'fetching_completed',
  PrePlanRunning: 'pre_plan_running',
  PrePlanAwaitingDecision: 'pre_plan_awaiting_decision',
  PrePlanCompleted: 'pre_plan_completed',
  Queuing: 'queuing',
  PlanQueued: 'plan_queued',
  Planning: 'planning',
  Planned: 'planned',
  CostEstimating: 'cost_estimating',
  CostEstimated: 'cost_estimated',
  PolicyChecking: 'policy_checking',
  PolicyChecked: 'policy_checked',
  PolicyOverride: 'policy_override',
  PolicySoftFailed: 'policy_soft_failed',
  PostPlanRunning: 'post_plan_running',
  PostPlanAwaitingDecision: 'post_plan_awaiting_decision',
  PostPlanCompleted: 'post_plan_completed',
  PlannedAndFinished: 'planned_and_finished',
  PlannedAndSaved: 'planned_and_saved',
  Confirmed: 'confirmed',
  QueuingApply: 'queuing_apply',
  ApplyQueued: 'apply_queued',
  PreApplyRunning: 'pre_apply_running',
  PreApplyAwaitingDecision: 'pre_apply_awaiting_decision',
  PreApplyCompleted: 'pre_apply_completed',
  Applying: 'applying',
  PostApplyRunning: 'post_apply_running',
  PostApplyCompleted: 'post_apply_completed',
  Applied: 'applied',
  Discarded: 'discarded',
  Errored: 'errored',
  Canceled: 'canceled',
  ForceCanceled: 'force_canceled'
} as const
/** A documented run status; the API may send others, which are waited through (see decide.ts). */
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus]
/** A run's status as the API sends it: a documented one, or one this action does not know yet (waited through). */
export type AnyRunStatus = RunStatus | (string & {})

/**
 * Statuses a run never leaves. `planned_and_saved` is left out on purpose: a saved plan can still
 * be confirmed.
 */
export const TerminalStatuses: ReadonlySet<string> = new Set([
  RunStatus.Applied,
  RunStatus.PlannedAndFinished,
  RunStatus.PolicySoftFailed,
  RunStatus.Discarded,
  RunStatus.Errored,
  RunStatus.Canceled,
  RunStatus.ForceCanceled
])

/**
 * The run was confirmed: from here on it changes infrastructure. Stopping it for the step's own
 * reasons (a read outage, a refused confirmation) would cut a healthy apply short, so it is not.
 */
export const ApplyPhaseStatuses: ReadonlySet<string> = new Set([
  RunStatus.Confirmed,
  RunStatus.QueuingApply,
  RunStatus.ApplyQueued,
  RunStatus.PreApplyRunning,
  RunStatus.PreApplyAwaitingDecision,
  RunStatus.PreApplyCompleted,
  RunStatus.Applying,
  RunStatus.PostApplyRunning,
  RunStatus.PostApplyCompleted
])

/** A stage of HCP Terraform's own is running: the run moves on without anyone's help. */
export const WorkingStatuses: ReadonlySet<string> = new Set([
  RunStatus.Fetching,
  RunStatus.FetchingCompleted,
  RunStatus.PrePlanRunning,
  RunStatus.PrePlanCompleted,
  RunStatus.Queuing,
  RunStatus.PlanQueued,
  RunStatus.Planning,
  RunStatus.Planned,
  RunStatus.CostEstimating,
  RunStatus.CostEstimated,
  RunStatus.PolicyChecking,
  RunStatus.PolicyChecked,
  RunStatus.PostPlanRunning,
  RunStatus.PostPlanCompleted,
  RunStatus.Confirmed,
  RunStatus.QueuingApply,
  RunStatus.ApplyQueued,
  RunStatus.PreApplyRunning,
  RunStatus.PreApplyCompleted,
  RunStatus.Applying,
  RunStatus.PostApplyRunning,
  RunStatus.PostApplyCompleted
])

/**
 * A run waits for its plan, or (confirmed) for its apply: the stage's log is readable already, empty
 * until the stage starts with STX (run-logs/stream.ts leads on it).
 */
export const BeforePlanStatuses: ReadonlySet<string> = new Set([
  RunStatus.Pending,
  RunStatus.Fetching,
  RunStatus.FetchingCompleted,
  RunStatus.PrePlanRunning,
  RunStatus.PrePlanCompleted,
  RunStatus.Queuing,
  RunStatus.PlanQueued
])
export const BeforeApplyStatuses: ReadonlySet<string> = new Set([
  RunStatus.Confirmed,
  RunStatus.QueuingApply,
  RunStatus.ApplyQueued,
  RunStatus.PreApplyRunning,
  RunStatus.PreApplyCompleted
])

/** A run task waits for a person's decision (or its service's answer) before the run goes on. */
export const AwaitingDecisionStatuses: ReadonlySet<string> = new Set([
  RunStatus.PrePlanAwaitingDecision,
  RunStatus.PostPlanAwaitingDecision,
  RunStatus.PreApplyAwaitingDecision
])

/** Plan and apply sub-states (GET /plans/:id, /applies/:id): an errored one makes a run worth retrying. */
/** Statuses of the policy check stage: the checks are read once it is over. */
export const PolicyStatuses: ReadonlySet<string> = new Set([
  RunStatus.PolicyChecking,
  RunStatus.PolicyChecked,
  RunStatus.PolicyOverride,
  RunStatus.PolicySoftFailed
])

/** A run task stage at work: its results are read once it is over. */
export const TaskRunningStatuses: ReadonlySet<string> = new Set([
  RunStatus.PrePlanRunning,
  RunStatus.PostPlanRunning,
  RunStatus.PreApplyRunning,
  RunStatus.PostApplyRunning
])

export const TaskStatuses: ReadonlySet<string> = new Set([
  ...TaskRunningStatuses,
  RunStatus.PrePlanCompleted,
  RunStatus.PostPlanCompleted,
  RunStatus.PreApplyCompleted,
  RunStatus.PostApplyCompleted
])

export const StageStatus = {
  Errored: 'errored'
} as const

/** Every run operation, so the workspace run list does not hide plan-only runs (hidden by default). */
export const AllRunOperations = ['plan_only', 'plan_and_apply', 'save_plan', 'refresh_only', 'destroy', 'empty_apply'].join(',')

/** The action's User-Agent on every request, to the API and to signed URLs alike. */
export const UserAgent = 'tfe-workspace-run-action/1'
