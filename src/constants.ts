/** Names shared by action.yml, the state file and the API; kept here so a typo is a compile error. */

export const Inputs = {
  Token: 'token',
  Hostname: 'hostname',
  Organization: 'organization',
  Workspace: 'workspace',
  WorkspaceId: 'workspace_id',
  Operation: 'operation',
  ManualConfirm: 'manual_confirm',
  Retry: 'retry',
  RetryAttempts: 'retry_attempts',
  RetryBackoffMin: 'retry_backoff_min',
  RetryBackoffMax: 'retry_backoff_max',
  WaitForRun: 'wait_for_run',
  Message: 'message',
  TimeoutMinutes: 'timeout_minutes',
  CancelOnAbort: 'cancel_on_abort',
  TargetAddrs: 'target_addrs',
  ReplaceAddrs: 'replace_addrs',
  Variables: 'variables',
  AllowEmptyApply: 'allow_empty_apply',
  Refresh: 'refresh',
  RefreshOnly: 'refresh_only'
} as const

export const Outputs = {
  RunId: 'run_id',
  RunUrl: 'run_url',
  Status: 'status',
  WorkspaceId: 'workspace_id',
  HasChanges: 'has_changes',
  Attempts: 'attempts',
  RunIds: 'run_ids',
  ResourceAdditions: 'resource_additions',
  ResourceChanges: 'resource_changes',
  ResourceDestructions: 'resource_destructions',
  WorkspaceOutputs: 'workspace_outputs'
} as const

/** Keys written with core.saveState by the main step and read by the post step. */
export const State = {
  IsPost: 'isPost',
  /** The run the main step is waiting on; empty once that run is settled or stopped. */
  ActiveRunId: 'active_run_id',
  /**
   * Set just before a run is created (the marker in its message, and its workspace), so a post
   * step can find a run whose creation the main step did not live to see.
   */
  QueueingMarker: 'queueing_marker',
  WorkspaceId: 'workspace_id'
} as const

export const Operations = ['apply', 'destroy', 'plan'] as const
export type Operation = (typeof Operations)[number]

/** How run messages, log groups and the summary name an operation. */
export const OperationLabels: Record<Operation, string> = {
  apply: 'Apply',
  destroy: 'Destroy',
  plan: 'Plan-only run'
}

/** Run statuses the action reasons about. Anything not listed is treated as "still in progress". */
export const RunStatus = {
  Pending: 'pending',
  Planning: 'planning',
  Planned: 'planned',
  PolicyOverride: 'policy_override',
  PolicySoftFailed: 'policy_soft_failed',
  PlannedAndFinished: 'planned_and_finished',
  PlannedAndSaved: 'planned_and_saved',
  Confirmed: 'confirmed',
  ApplyQueued: 'apply_queued',
  Applying: 'applying',
  Applied: 'applied',
  Discarded: 'discarded',
  Errored: 'errored',
  Canceled: 'canceled',
  ForceCanceled: 'force_canceled'
} as const

/**
 * Statuses a run never leaves. `planned_and_saved` is left out on purpose: the action never
 * creates save-plan runs, and one can still be confirmed.
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

/** Plan and apply sub-states (GET /plans/:id, /applies/:id): an errored one makes a run worth retrying. */
export const StageStatus = {
  Errored: 'errored'
} as const

/** Every run operation, so the workspace run list does not hide plan-only runs (hidden by default). */
export const AllRunOperations = ['plan_only', 'plan_and_apply', 'save_plan', 'refresh_only', 'destroy', 'empty_apply'].join(',')

export const DefaultHostname = 'app.terraform.io'
export const UserAgent = 'tfe-workspace-run-action/1'
