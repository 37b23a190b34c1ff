/**
 * What the run engine holds: workspaces (as tests specify them and as they are now), runs and
 * their plan and apply stages, the statuses that matter to moves, and the ids the service hands out.
 * Data only: no timers, no HTTP.
 */
import { randomBytes } from 'node:crypto'
import type { StandInCostEstimate } from './cost-estimates.ts'
import type { LogFormat } from './logs.ts'
import type { PlanScenario } from './plan-json.ts'

export type PolicyOutcome = 'pass' | 'soft-fail' | 'hard-fail'

export interface Timings {
  /** pending → plan_queued → planning */
  queueMs: number
  planMs: number
  costEstimateMs: number
  policyMs: number
  /** confirmed → apply_queued → applying */
  applyQueueMs: number
  applyMs: number
  cancelMs: number
  /** After an apply, how long the new state version stays `resources-processed: false` (outputs answer 503). */
  processingMs: number
}

export interface OutputSpec {
  value: unknown
  sensitive?: boolean
}

export interface WorkspaceSpec {
  name: string
  organization?: string
  id?: string
  /** False: the workspace never had a configuration version (create run answers 422). */
  hasConfiguration?: boolean
  autoApply?: boolean
  executionMode?: 'remote' | 'agent' | 'local'
  /** What each plan finds to do; all zero means "no changes". Destroy plans remove `resources`. */
  changes?: { add: number; change: number; destroy: number }
  resources?: number
  costEstimation?: boolean
  policy?: PolicyOutcome
  /** The first N plans error. */
  failPlans?: number
  /** The first N applies error. */
  failApplies?: number
  outputs?: Record<string, OutputSpec>
  timings?: Partial<Timings>
  /** What the workspace reports as plan/apply-duration-average (default: the timings themselves). */
  reportedAverages?: { planMs?: number; applyMs?: number }
  canQueueApply?: boolean
  /** False: the token may not read state outputs (permission false, outputs endpoints 404). */
  canReadStateOutputs?: boolean
  /** Plan and apply logs: structured run output (JSON lines, the default) or plain terminal text. */
  logFormat?: LogFormat
  /** False: logs never get their closing ETX byte. */
  logEtx?: boolean
  /** True: the archivist answers 403 to this workspace's log reads. */
  logForbidden?: boolean
  /** True: the token is no workspace admin, so the plan's JSON output answers 404. */
  planJsonDenied?: boolean
  /** A post-plan run task and its result (`mandatory-failed` errors the run). */
  runTask?: 'passed' | 'advisory-failed' | 'mandatory-failed'
  /** The workspace's working directory: Terraform runs there, inside the configuration. */
  workingDirectory?: string
  /** Variables the configuration declares without a default: a plan errors unless each has a value (variables.ts). */
  requiredVariables?: string[]
  /** Terraform variables set on the workspace itself: name → HCL literal. */
  variables?: Record<string, string>
  /** Runs queued by a run trigger apply without a confirmation (`auto-apply-run-trigger`). */
  autoApplyRunTrigger?: boolean
  /** A VCS-connected workspace: pushes to the branch queue runs (engine/run-triggers.ts queueVcsRun). */
  vcsRepo?: { identifier: string; branch?: string }
  /** A fixed plan with attribute-level changes of every kind (engine/plan-json.ts). */
  planScenario?: PlanScenario
  /** True: the redacted JSON plan answers 404 (an older Terraform Enterprise), so clients fall back. */
  redactedPlanMissing?: boolean
  /** The first N reads of each finished plan's redacted JSON answer 204, as if it were still being made. */
  redactedPlanLateReads?: number
}

export interface Stage {
  id: string
  kind: 'plans' | 'applies'
  status: string
  additions: number
  changes: number
  destructions: number
  logId: string
  /**
   * Whether the stage hands out its log-read-url: a plan from the start, an apply once the run is
   * confirmed (go-tfe's Logs fails on an empty URL, and the Terraform CLI asks as soon as the run
   * leaves pending or confirmed). The log reads empty until the stage starts.
   */
  logIssued: boolean
  /** The lines the stage writes when it ends, set when its log opens. */
  pendingEnd?: string[]
  /** queued-at, started-at, finished-at, errored-at, canceled-at as they happen. */
  timestamps: Record<string, string>
  /** The state version an apply made. */
  stateVersionId?: string
}

export interface StandInRun {
  id: string
  workspaceId: string
  /** A save-plan run: planned_and_saved until confirmed; discarded when another apply changes the state. */
  savePlan: boolean
  /** The uploaded configuration version the run plans, when it was given one. */
  configurationVersionId?: string
  status: string
  message: string
  isDestroy: boolean
  planOnly: boolean
  autoApply: boolean
  allowEmptyApply: boolean
  refreshOnly: boolean
  refresh: boolean
  targetAddrs: string[] | null
  replaceAddrs: string[] | null
  variables: { key: string; value: string }[]
  hasChanges: boolean
  confirmable: boolean
  plan: Stage
  apply: Stage
  createdAt: string
  statusTimestamps: Record<string, string>
  /** performance.now() when the run reached a final status: the bench measures lag from here. */
  terminalAt?: number
  ranCostEstimate: boolean
  /** The run's cost estimate, made with the run when the workspace estimates costs. */
  costEstimate?: StandInCostEstimate
  ranPolicy: boolean
  /** The state serial a saved plan was made against. */
  planSerial?: number
  /** The policy check's status once it ran: passed, soft_failed, hard_failed, overridden. */
  policyStatus?: string
  /** The post-plan run task's result once it ran. */
  taskResult?: 'passed' | 'failed'
  taskEnforcement?: 'advisory' | 'mandatory'
  /** The person whose move (confirm, discard, cancel) the next status comes from: its run event's actor. */
  movedBy?: string
  /** Who queued it, as the run's `source` says: tfe-api, tfe-configuration-version (VCS), tfe-run-trigger. */
  source: string
  triggerReason: string
  /** The commit a VCS run plans (its configuration version's ingress attributes). */
  commitSha?: string
  /** The upstream apply that made a run trigger queue this run. */
  triggeredBy?: { runId: string; workspaceId: string }
  timers: NodeJS.Timeout[]
}

export interface StandInWorkspace {
  id: string
  name: string
  organization: string
  spec: WorkspaceSpec
  timings: Timings
  currentRunId: string | undefined
  manualLock: { by: string; reason: string } | undefined
  /** When the workspace itself last changed (created, locked, unlocked, new state). */
  updatedAt: string
  queue: string[]
  resources: number
  plansSeen: number
  appliesSeen: number
  hasState: boolean
  outputs: Record<string, OutputSpec>
  outputIds: Record<string, string>
  stateVersion: { id: string; serial: number; processedAt: number } | undefined
  /** Resource addresses in the state, for runs on uploaded configuration. */
  stateAddresses: string[]
}

export const Terminal = new Set([
  'applied',
  'planned_and_finished',
  'policy_soft_failed',
  'discarded',
  'errored',
  'canceled',
  'force_canceled'
])
export const Discardable = new Set(['pending', 'planned', 'planned_and_saved', 'cost_estimated', 'policy_checked', 'policy_override'])
export const Cancelable = new Set(['pending', 'plan_queued', 'planning', 'apply_queued', 'applying'])

export const DefaultTimings: Timings = {
  queueMs: 50,
  planMs: 300,
  costEstimateMs: 100,
  policyMs: 100,
  applyQueueMs: 50,
  applyMs: 300,
  cancelMs: 100,
  processingMs: 100
}

export function newId(prefix: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'
  const bytes = randomBytes(16)
  let id = ''
  for (const b of bytes) id += alphabet[b % alphabet.length]
  return `${prefix}-${id}`
}

/** The person behind every token: the actor of runs created and moves made over the API. */
export const StandInUserId = 'user-StandInPerson0001'

/** Sets a plan's or apply's status and stamps the time, as the service's status-timestamps do. */
export function stageStatus(stage: Stage, status: string): void {
  stage.status = status
  const key = status === 'running' ? 'started-at' : `${status}-at`
  stage.timestamps[key] = new Date().toISOString()
}
