/** The action's own names: inputs and outputs as action.yml declares them, the operations, the default host. Kept here so a typo is a compile error; the API's statuses are tfe/statuses.ts. */

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
  RefreshOnly: 'refresh_only',
  ReadOutputs: 'read_outputs',
  ShowLogs: 'show_logs',
  CommentOnPr: 'comment_on_pr',
  GithubToken: 'github_token',
  Directory: 'directory',
  SavePlan: 'save_plan',
  RunId: 'run_id',
  VariablesFromOutputs: 'variables_from_outputs',
  AdoptQueuedRun: 'adopt_queued_run',
  FollowTriggeredRuns: 'follow_triggered_runs',
  TriggeredRunsDepth: 'triggered_runs_depth',
  AutoConfirmIf: 'auto_confirm_if',
  OnGuardHeld: 'on_guard_held',
  JobStrategy: 'job_strategy'
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
  WorkspaceOutputs: 'workspace_outputs',
  ConfigurationVersionId: 'configuration_version_id',
  TriggeredRuns: 'triggered_runs',
  Adopted: 'adopted',
  OutputsChanged: 'outputs_changed',
  GuardVerdict: 'guard_verdict'
} as const

export const Operations = ['apply', 'destroy', 'plan'] as const
export type Operation = (typeof Operations)[number]

/** How run messages, log groups and the summary name an operation. */
export const OperationLabels: Record<Operation, string> = {
  apply: 'Apply',
  destroy: 'Destroy',
  plan: 'Plan-only run'
}

export const DefaultHostname = 'app.terraform.io'
