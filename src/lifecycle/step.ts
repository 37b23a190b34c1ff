/** What one step knows of its runs, and the lifecycle's shared types: the outcome, the options, the post-step sink. */
import { randomBytes } from 'node:crypto'
import type { Settings } from '../action/inputs.js'
import type { TfeClient } from '../tfe/client.js'
import { DefaultPollSchedule, type PollScheduleOptions } from '../tfe/poll-schedule.js'
import { postState } from '../action/post-state.js'
import { type Run, type RunVariable } from '../tfe/runs.js'
import { type Workspace } from '../tfe/workspaces.js'
import type { RunLogs } from '../run-logs/stream.js'
import type { ConfigurationVersion } from '../tfe/configuration-versions.js'
import { type ChangeReport } from '../run-logs/changes.js'
import type { RunOrigin } from './decide-queued.js'

/** A run a run trigger queued downstream because of an apply the step followed (output triggered_runs). */
export interface TriggeredRun {
  /** organization/name of the downstream workspace. */
  workspace: string
  workspaceId: string
  runId: string
  /** Its status as last read (its end, when the step followed it). */
  status: string
  url: string
  /** 1: triggered by the step's own apply; 2: by the apply of a depth-1 run; … */
  depth: number
}
import type { GuardVerdict } from '../review/guard.js'
import type { Review } from '../review/review.js'
import { PlanCache } from '../review/plan-source.js'
import { ReadsAhead } from './ahead.js'

/** Where the lifecycle leaves word for the post step (action/post-state.ts; tests pass a recorder). */
export type PostStateSink = Pick<typeof postState, 'creating' | 'following' | 'stopping' | 'release'>

export interface Outcome {
  success: boolean
  /** One line for the log, and for the error annotation when success is false. */
  message: string
  /** The run's status as last read, after any stop. Empty when no run was queued. */
  status: string
  workspace: Workspace | undefined
  run: Run | undefined
  runUrl: string | undefined
  /** Every run this step queued or found queued for it, oldest first. */
  runIds: string[]
  /** The configuration version the step uploaded (input directory). */
  configurationVersionId: string | undefined
  /** How many runs the step meant to queue (1 + retries made). */
  attempts: number
  outputs: Record<string, unknown> | undefined
  /** The last run's changes by address (summary, PR comment); undefined when no run ended. */
  changes: ChangeReport | undefined
  /** auto_confirm_if's last verdict on the run, when the step evaluated one. */
  guard?: GuardVerdict | undefined
  /** What reviewers read: the plan's diff, its cost estimate, policies and run tasks, changed outputs. */
  review?: Review | undefined
  durationMs: number
  /** The run followed was one HCP Terraform had queued (adopt_queued_run), not one the step queued. */
  adopted?: boolean
  /** The runs run triggers queued downstream after the apply (empty when none, or no apply). */
  triggeredRuns?: TriggeredRun[]
}

export interface LifecycleOptions {
  pollSchedule?: PollScheduleOptions
  /** How long the run may stay unreadable before the step gives up on it. */
  readOutageLimitMs?: number
  /** Pause after a create without a clear answer, before looking for the run and sending again. */
  createRetryDelayMs?: number
  /** Bound on stopping a run after a cancel (the runner kills the step 7.5 s after it). */
  cancelStopBudgetMs?: number
  /** Bound on stopping a run (and seeing it end) after a timeout, a give-up or for a duplicate. */
  stopBudgetMs?: number
  /** Bound on waiting for the new state to be processed and its outputs readable. */
  outputsBoundMs?: number
  /** Pause between reads of a growing log. */
  logIntervalMs?: number
  /** How long the step may read the rest of the logs once the run has ended (the summary lists what it read). */
  logDrainMs?: number
  /** How long to wait for run triggers to queue their runs after an apply (they are queued a moment after it). */
  triggeredAppearMs?: number
  /** First pause between looks for triggered runs (it doubles). */
  triggeredPollMs?: number
}

/** The policy check and run task lines, and the change report's API reads, each have this long. */
export const ReportBoundMs = 30_000

export function runUrl(baseUrl: string, workspace: Workspace, runId: string): string {
  return `${baseUrl}/app/${encodeURIComponent(workspace.organization)}/workspaces/${encodeURIComponent(workspace.name)}/runs/${runId}`
}

/** What one step knows of its runs, shared by the lifecycle's parts (queue, follow, stop, ends). */
export class Step {
  readonly settings: Settings
  readonly client: TfeClient
  readonly state: PostStateSink
  readonly options: Required<LifecycleOptions>
  /** Marks this step's runs, so a run queued by a lost request can be found instead of queued twice. */
  readonly executionKey: string
  readonly startedAt = Date.now()
  workspace: Workspace | undefined
  current: Run | undefined
  readonly runIds: string[] = []
  attempts = 0
  /** The marker of a create request that went out and whose run is not known yet. */
  unanswered: string | undefined
  /** The logs of the run being followed (the last attempt's, once it ended). */
  logs: RunLogs | undefined
  changes: ChangeReport | undefined
  configurationVersion: ConfigurationVersion | undefined
  newerRun: string | undefined
  /** Why the step could not read its run (a read outage), for the give-up message. */
  outage: string | undefined
  /** Run variables read from upstream outputs (variables_from_outputs), sent with every attempt. */
  upstreamVariables: RunVariable[] = []
  /** The run the step adopted instead of queueing one (adopt_queued_run). */
  adoptedRunId: string | undefined
  /** The runs the apply's run triggers queued downstream (and theirs, when followed deeper). */
  triggered: TriggeredRun[] = []
  /** auto_confirm_if's verdict, with the run and status it was made at (decide.ts's GuardFact). */
  guard: { runId: string; status: string; poll: number; verdict: GuardVerdict } | undefined
  /** When the plan's JSON first answered "not ready" to the guard (it waits a bounded time for it). */
  planNotReady: { planId: string; since: number } | undefined
  review: Review | undefined
  /** The runs' JSON plans, read once each for the guard and the review. */
  readonly plans: PlanCache
  /** What the run's end needs, read before it ends (ahead.ts). */
  readonly ahead = new ReadsAhead()

  constructor(settings: Settings, client: TfeClient, state: PostStateSink = postState, options: LifecycleOptions = {}) {
    this.settings = settings
    this.client = client
    this.state = state
    this.options = {
      pollSchedule: options.pollSchedule ?? DefaultPollSchedule,
      readOutageLimitMs: options.readOutageLimitMs ?? 120_000,
      createRetryDelayMs: options.createRetryDelayMs ?? 2_000,
      cancelStopBudgetMs: options.cancelStopBudgetMs ?? 6_000,
      stopBudgetMs: options.stopBudgetMs ?? 30_000,
      outputsBoundMs: options.outputsBoundMs ?? 120_000,
      logIntervalMs: options.logIntervalMs ?? 1_000,
      logDrainMs: options.logDrainMs ?? 30_000,
      triggeredAppearMs: options.triggeredAppearMs ?? 15_000,
      triggeredPollMs: options.triggeredPollMs ?? 1_000
    }
    this.plans = new PlanCache({ client, baseUrl: settings.baseUrl, token: settings.token })
    this.executionKey = `${process.env.GITHUB_RUN_ID ?? 'local'}-${randomBytes(4).toString('hex')}`
  }

  /** The resolved workspace: every part after resolveWorkspace works on it, none before. */
  get target(): Workspace {
    if (!this.workspace) throw new Error('the workspace is used before it was resolved')
    return this.workspace
  }

  get totalRuns(): number {
    // A given run is followed, not queued: there is nothing to queue again.
    if (this.settings.runId) return 1
    return this.settings.retry ? 1 + this.settings.retryAttempts : 1
  }

  url(runId: string): string {
    return this.workspace ? runUrl(this.settings.baseUrl, this.workspace, runId) : runId
  }

  outcome(success: boolean, message: string, outputs?: Record<string, unknown>): Outcome {
    const run = this.current
    return {
      success,
      message,
      status: run?.status ?? '',
      workspace: this.workspace,
      run,
      runUrl: run ? this.url(run.id) : undefined,
      runIds: [...this.runIds],
      configurationVersionId: this.configurationVersion?.id,
      attempts: this.attempts,
      outputs,
      changes: this.changes,
      durationMs: Date.now() - this.startedAt,
      adopted: run !== undefined && run.id === this.adoptedRunId,
      triggeredRuns: this.triggered.map(t => ({ ...t })),
      guard: this.guard?.verdict,
      review: this.review
    }
  }

  /** Who queued a run of the step's: HCP Terraform (adopted) or the step itself. */
  originOf(runId: string): RunOrigin {
    return runId === this.adoptedRunId ? 'adopted' : 'queued'
  }

  noteRun(id: string): void {
    if (!this.runIds.includes(id)) this.runIds.push(id)
  }
}
