/**
 * The run lifecycle: resolves the workspace, uploads the checkout, queues the run (and its
 * retries) and follows it — read, ask decide.ts, act — then reads its outputs. It decides nothing
 * itself that the decision table can; the post step's share is in action/post-state.ts.
 */
import { randomBytes } from 'node:crypto'
import pRetry from 'p-retry'
import { Inputs, OperationLabels } from '../action/names.js'
import { RunStatus, TerminalStatuses } from '../tfe/statuses.js'
import { reportPolicyChecks, reportTaskStages } from './checks.js'
import { AbortedError, ApiError, RunFailedError, errorMessage, isTransient, type AbortReason } from '../common/errors.js'
import type { Settings } from '../action/inputs.js'
import type { TfeClient } from '../tfe/client.js'
import { DefaultPollSchedule, PollSchedule, type PollScheduleOptions } from '../common/poll-schedule.js'
import {
  decide,
  decideChecks,
  decideNoConfiguration,
  decidePendingReport,
  decideReadFailure,
  NoChecksSeen,
  pendingClock,
  toFacts,
  type Decision,
  type Ended,
  type Memory,
  type StopReason
} from './decide.js'
import { OutputsUnreadableError, readOutputs } from './outputs.js'
import { postState } from '../action/post-state.js'
import { stopRun } from './stop-run.js'
import { createRun, findRunsByMarker, getRun, isNoConfiguration, newestRunWithStatus, runAction, type Run } from '../tfe/runs.js'
import { getWorkspaceById, getWorkspaceByName, type Workspace } from '../tfe/workspaces.js'
import { formatDuration, formatSeconds, sleep } from '../common/timing.js'
import { defaultMessage, workflowDescription } from '../action/github-context.js'
import { log } from '../common/job-log.js'
import { RunLogs } from '../run-logs/stream.js'
import { uploadConfiguration } from '../upload/upload.js'
import type { ConfigurationVersion } from '../tfe/configuration-versions.js'
import { changeReport, PlanJsonTimeoutMs, type ChangeReport } from '../run-logs/changes.js'
import { OptionalPart, optional, optionalSync } from '../common/optional.js'

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
  durationMs: number
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
}

/** The policy check and run task lines, and the change report's API reads, each have this long. */
const ReportBoundMs = 30_000

const MaxCreateTries = 4

/** Why the step stops following: it was told to (an abort), or it gives up, saying why in `head`. */
type StopCause = { reason: AbortReason } | { reason: 'gave-up'; head: string }

/** An exception that ends the following: the step's stop signal, or an error it cannot go on after. */
function stopCause(err: unknown): StopCause {
  return err instanceof AbortedError ? { reason: err.reason } : { reason: 'gave-up', head: errorMessage(err) }
}

export function runUrl(baseUrl: string, workspace: Workspace, runId: string): string {
  return `${baseUrl}/app/${encodeURIComponent(workspace.organization)}/workspaces/${encodeURIComponent(workspace.name)}/runs/${runId}`
}

/** What queueing answered: the run, or a workspace that has never had a configuration version. */
type Queued = { run: Run } | { noConfiguration: true }

/** Queues one run (and its retries) on one workspace and follows it: read → decide → act. */
export class RunLifecycle {
  private readonly settings: Settings
  private readonly client: TfeClient
  private readonly state: PostStateSink
  private readonly options: Required<LifecycleOptions>
  /** Marks this step's runs, so a run queued by a lost request can be found instead of queued twice. */
  private readonly executionKey: string
  private readonly startedAt = Date.now()
  private workspace: Workspace | undefined
  private current: Run | undefined
  private readonly runIds: string[] = []
  private attempts = 0
  /** The marker of a create request that went out and whose run is not known yet. */
  private unanswered: string | undefined
  /** The logs of the run being followed (the last attempt's, once it ended). */
  private logs: RunLogs | undefined
  private changes: ChangeReport | undefined
  private configurationVersion: ConfigurationVersion | undefined
  private newerRun: string | undefined
  /** Why the step could not read its run (a read outage), for the give-up message. */
  private outage: string | undefined

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
      logDrainMs: options.logDrainMs ?? 30_000
    }
    this.executionKey = `${process.env.GITHUB_RUN_ID ?? 'local'}-${randomBytes(4).toString('hex')}`
  }

  private get totalRuns(): number {
    // A given run is followed, not queued: there is nothing to queue again.
    if (this.settings.runId) return 1
    return this.settings.retry ? 1 + this.settings.retryAttempts : 1
  }

  private url(runId: string): string {
    return this.workspace ? runUrl(this.settings.baseUrl, this.workspace, runId) : runId
  }

  private outcome(success: boolean, message: string, outputs?: Record<string, unknown>): Outcome {
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
      durationMs: Date.now() - this.startedAt
    }
  }

  private noteRun(id: string): void {
    if (!this.runIds.includes(id)) this.runIds.push(id)
  }

  /**
   * Never throws for a run that ends badly: the outcome says so, with the run's URL.
   * `stop` fires on the step's timeout and on a cancelled job; `cancel` only on the latter. Once a
   * run has ended well, only a cancel can still stop the step (the outputs read is not timed out).
   */
  async execute(stop: AbortSignal, cancel: AbortSignal = stop): Promise<Outcome> {
    try {
      this.workspace = await this.resolveWorkspace(stop)
      if (this.settings.directory) {
        this.configurationVersion = await uploadConfiguration(this.client, this.workspace, this.settings, stop, this.options.pollSchedule)
      }
    } catch (err) {
      if (err instanceof AbortedError) return this.outcome(false, `${this.abortText(err.reason)}.`)
      return this.outcome(false, errorMessage(err))
    }
    for (let attempt = 1; ; attempt++) {
      let ended: Ended | 'queued'
      try {
        const attemptRun = async (): Promise<Ended | 'queued'> => {
          const queued = this.settings.runId ? { run: await this.adoptRun(this.settings.runId, stop) } : await this.queueRun(attempt, stop)
          if (!('run' in queued)) return decideNoConfiguration(this.settings.operation)
          const run = queued.run
          this.attempts = attempt
          if (!this.settings.waitForRun) return 'queued' as const
          this.state.following(run.id, this.url(run.id))
          return await this.follow(run, attempt, stop)
        }
        // Groups do not nest: with logs shown, each stage's log is a group of its own.
        if (this.settings.showLogs && this.settings.waitForRun) {
          log.info(`▸ ${this.attemptTitle(attempt)}`)
          ended = await attemptRun()
        } else {
          ended = await log.group(this.attemptTitle(attempt), attemptRun)
        }
      } catch (err) {
        return await this.stopFollowing(stopCause(err), cancel)
      }
      if (ended === 'queued') {
        return this.outcome(
          true,
          `Queued run ${this.current?.id} (${this.describeOperation()}) and did not wait for it (${Inputs.WaitForRun} is false): ${this.url(this.current?.id ?? '')}`
        )
      }
      if (ended.action === 'give-up') return await this.stopFollowing({ reason: 'gave-up', head: this.giveUpText(ended) }, cancel)
      const run = this.current
      if (!run) return this.noConfiguration(ended)
      this.state.release()
      if (ended.action !== 'retry') this.changes = await this.describeChanges(run, stop)
      if (ended.action === 'fail' && ended.reason === 'discarded' && run.savePlan) this.newerRun = await this.latestApplied(cancel)
      if (ended.action === 'succeed') return await this.succeed(ended, run, cancel)
      if (ended.action === 'fail') return this.outcome(false, `${this.failText(ended, run)}${this.retryText(ended)}`)
      log.warning(`${this.failText(ended, run)} Queueing run ${attempt + 1} of ${this.totalRuns} in ${formatSeconds(ended.delayMs)}.`)
      try {
        await sleep(ended.delayMs, stop)
      } catch (err) {
        if (err instanceof AbortedError) return this.outcome(false, `${this.abortText(err.reason)} before run ${attempt + 1} was queued.`)
        throw err
      }
    }
  }

  private async resolveWorkspace(signal: AbortSignal): Promise<Workspace> {
    const { organization, workspace: name, workspaceId } = this.settings
    let ws: Workspace
    try {
      ws = workspaceId
        ? await getWorkspaceById(this.client, workspaceId, signal)
        : await getWorkspaceByName(this.client, organization as string, name as string, signal)
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        const which = workspaceId
          ? `Workspace '${workspaceId}' (input '${Inputs.WorkspaceId}')`
          : `Workspace '${name}' in organization '${organization}' (inputs '${Inputs.Workspace}' and '${Inputs.Organization}')`
        throw new RunFailedError(
          `${which} was not found on ${this.client.host}, or the token cannot see it (404). Check the spelling, the '${Inputs.Hostname}' input, and that the token's user or team has access to the workspace.`
        )
      }
      throw err
    }
    if (ws.executionMode === 'local') {
      throw new RunFailedError(
        `Workspace '${ws.organization}/${ws.name}' uses local execution mode, so HCP Terraform does not run plans or applies for it. Switch it to remote or agent execution.`
      )
    }
    const what = this.settings.operation === 'plan' ? 'plans' : 'applies'
    const mayQueue = this.settings.operation === 'plan' ? ws.canQueueRun : ws.canQueueApply
    if (mayQueue === false) {
      throw new RunFailedError(
        `The token may not queue ${what} on workspace '${ws.organization}/${ws.name}'. Give its user or team the 'queue ${what}' permission on the workspace, or use another token.`
      )
    }
    log.info(`Workspace: ${ws.organization}/${ws.name} (${ws.id}) on ${this.client.host}`)
    if (ws.locked) {
      log.notice(
        `Workspace ${ws.organization}/${ws.name} is locked${ws.lockedReason ? ` (${ws.lockedReason})` : ''}: the run will stay pending until it is unlocked.`
      )
    }
    return ws
  }

  private attemptTitle(attempt: number): string {
    const ws = this.workspace as Workspace
    const what = `${OperationLabels[this.settings.operation]} on ${ws.organization}/${ws.name}`
    return this.totalRuns > 1 ? `${what}: run ${attempt} of at most ${this.totalRuns}` : what
  }

  private describeOperation(): string {
    const { operation, manualConfirm } = this.settings
    if (operation === 'plan') return 'plan only'
    const confirm = this.settings.waitForRun ? '' : manualConfirm ? ', to be confirmed by a person' : ', auto-apply'
    return `${operation}${confirm}`
  }

  // ---- queueing: at most one run per attempt ------------------------------------------------

  /**
   * Creates the attempt's run. A create without a clear answer (a 5xx, a reset, the client's own
   * timeout) may still have queued the run, even a while later: pause, look for the attempt's
   * marker, and look again right before every re-send. Should a late commit still make a second
   * run, the oldest is followed and the others are discarded, all of them listed in run_ids.
   */
  private async queueRun(attempt: number, signal: AbortSignal): Promise<Queued> {
    const ws = this.workspace as Workspace
    const { settings } = this
    const marker = `[tfe-workspace-run ${this.executionKey}.${attempt}]`
    const options = {
      workspaceId: ws.id,
      message: `${settings.message || (await defaultMessage(settings.operation))} ${marker}`,
      isDestroy: settings.operation === 'destroy',
      planOnly: settings.operation === 'plan',
      autoApply: settings.operation !== 'plan' && !settings.waitForRun && !settings.manualConfirm,
      allowEmptyApply: settings.allowEmptyApply,
      refresh: settings.refresh,
      refreshOnly: settings.refreshOnly,
      targetAddrs: settings.targetAddrs,
      replaceAddrs: settings.replaceAddrs,
      variables: settings.variables,
      savePlan: settings.savePlan,
      configurationVersionId: this.configurationVersion?.id
    }
    // A run the step does not wait for is meant to go on without it: nothing for the post step.
    if (settings.waitForRun) this.state.creating(ws.id, this.url('').replace(/\/runs\/$/, ''), marker)
    let resent = false
    const created = await pRetry(
      async (tryNumber: number): Promise<Run> => {
        if (tryNumber > 1) {
          const found = await findRunsByMarker(this.client, ws.id, marker, signal)
          if (found[0]) {
            log.info(`The run had been queued after all: ${found[0]}.`)
            return await getRun(this.client, found[0], signal)
          }
          resent = true
        }
        signal.throwIfAborted()
        this.unanswered = marker
        return await createRun(this.client, options, signal)
      },
      {
        retries: MaxCreateTries - 1,
        minTimeout: this.options.createRetryDelayMs,
        factor: 1.5,
        randomize: false,
        signal,
        shouldRetry: ({ error }) => isTransient(error),
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (isTransient(error) && retriesLeft > 0) {
            log.warning(
              `Queueing the run got no clear answer (${errorMessage(error)}); it may have been queued all the same, so the step looks for it on the workspace before sending again.`
            )
          }
        }
      }
    ).catch((err: unknown) => {
      // A definite refusal queued nothing; anything else may have.
      if (err instanceof ApiError && !err.transient) this.unanswered = undefined
      if (isNoConfiguration(err)) return undefined
      throw this.createError(err)
    })
    if (!created) {
      this.state.release()
      return { noConfiguration: true }
    }
    const run = created
    this.unanswered = undefined
    this.current = run
    this.noteRun(run.id)
    log.info(`Queued run ${run.id}, ${this.describeOperation()}: ${this.url(run.id)}`)
    return { run: resent ? await this.settleDuplicates(run, marker, signal) : run }
  }

  /** input run_id: the run to follow instead of queueing one; it must be the workspace's. */
  private async adoptRun(runId: string, signal: AbortSignal): Promise<Run> {
    const ws = this.workspace as Workspace
    let run: Run
    try {
      run = await getRun(this.client, runId, signal)
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        throw new RunFailedError(
          `Run '${runId}' (input '${Inputs.RunId}') was not found on ${this.client.host}, or the token cannot see it (404).`
        )
      }
      throw err
    }
    if (run.workspaceId && run.workspaceId !== ws.id) {
      throw new RunFailedError(
        `Run '${runId}' (input '${Inputs.RunId}') belongs to workspace ${run.workspaceId}, not to '${ws.organization}/${ws.name}' (${ws.id}). Give the workspace the run was planned on.`
      )
    }
    if (run.planOnly) {
      // A speculative plan never becomes an apply: following it would report a success that applied nothing.
      throw new RunFailedError(
        `Run '${runId}' (input '${Inputs.RunId}') is a speculative plan (plan only), which can never be applied: ${this.url(runId)}. Give the run of a saved plan (${Inputs.SavePlan}: true), or queue an apply instead of ${Inputs.RunId}.`
      )
    }
    this.current = run
    this.noteRun(run.id)
    log.info(`Following run ${run.id} (input '${Inputs.RunId}'), now '${run.status}': ${this.url(run.id)}`)
    return run
  }

  private createError(err: unknown): unknown {
    const ws = this.workspace as Workspace
    if (!(err instanceof ApiError)) return err
    if (err.status === 404) {
      return new RunFailedError(
        `${this.client.host} refused to queue a run on workspace '${ws.organization}/${ws.name}' (404). Organization tokens cannot queue runs: use a user or team token allowed to queue ${this.settings.operation === 'plan' ? 'plans' : 'applies'} there.`
      )
    }
    if (err.status === 422) {
      return new RunFailedError(
        `${this.client.host} refused the run (422 ${[err.title, err.detail].filter(Boolean).join(': ')}). Check the inputs '${Inputs.Variables}', '${Inputs.TargetAddrs}', '${Inputs.ReplaceAddrs}' and '${Inputs.RefreshOnly}'.`
      )
    }
    return err
  }

  /** After a re-send: every run carrying the attempt's marker is listed; only the oldest goes on. */
  private async settleDuplicates(created: Run, marker: string, signal: AbortSignal): Promise<Run> {
    const found = await findRunsByMarker(this.client, (this.workspace as Workspace).id, marker, signal)
    const ids = [...new Set([...found, created.id])]
    if (ids.length === 1) return created
    const keep = ids[0] as string
    this.runIds.splice(this.runIds.indexOf(created.id), 1)
    for (const id of ids) this.noteRun(id)
    const kept = keep === created.id ? created : await getRun(this.client, keep, signal)
    for (const id of ids.slice(1)) {
      const why = `a second run for the same step, queued because the answer to the first create request was lost; run ${keep} is the one that goes on`
      const { text } = await this.stopRun(id, 'duplicate', why, AbortSignal.timeout(this.options.stopBudgetMs))
      log.warning(`Run ${id} is ${why}. ${text}`)
    }
    this.current = kept
    return kept
  }

  // ---- following: read → decide → act ---------------------------------------------------------

  private async follow(first: Run, attempt: number, signal: AbortSignal): Promise<Ended> {
    const ws = this.workspace as Workspace
    const schedule = new PollSchedule(this.options.pollSchedule, {
      [RunStatus.Planning]: ws.planDurationAverageMs,
      [RunStatus.Applying]: ws.applyDurationAverageMs
    })
    const memory: Memory = {
      confirmSentAt: undefined,
      confirmRefusals: 0,
      retriesLeft: this.totalRuns - attempt,
      attempt
    }
    const ws2 = `${ws.organization}/${ws.name}`
    const suffix = this.totalRuns > 1 ? ` (run ${attempt} of at most ${this.totalRuns})` : ''
    const logs = new RunLogs({
      title: stage => `${stage === 'plan' ? 'Plan' : 'Apply'}: ${ws2}${suffix}`,
      intervalMs: this.options.logIntervalMs,
      quiet: !this.settings.showLogs,
      signal
    })
    this.logs = logs
    try {
      return await this.followWith(first, schedule, memory, signal, logs)
    } finally {
      logs.stop()
    }
  }

  private async followWith(first: Run, schedule: PollSchedule, memory: Memory, signal: AbortSignal, logs: RunLogs): Promise<Ended> {
    const told = new Set<string>()
    let checks = NoChecksSeen
    const stagesReported = new Set<string>()
    let pending = pendingClock(Date.now())
    let failingSince: number | undefined
    let lastStatus = ''
    let run = first
    for (;;) {
      this.current = run
      if (run.status !== lastStatus) {
        if (lastStatus) log.info(`Run ${run.id}: ${lastStatus} → ${run.status}`)
        lastStatus = run.status
        const read = decideChecks(toFacts(run), Object.keys(run.timestamps), checks)
        checks = read.seen
        const id = run.id
        if (read.readPolicy || read.readTasks) {
          await optional(
            OptionalPart.Checks,
            async s => {
              if (read.readPolicy) await reportPolicyChecks(this.client, id, s)
              if (read.readTasks) await reportTaskStages(this.client, id, stagesReported, s)
            },
            { boundMs: ReportBoundMs, signal }
          )
        }
      }
      const polled = run
      optionalSync(OptionalPart.Logs, () => logs.observe(polled))
      const decision = decide(toFacts(run), this.settings, memory)
      switch (decision.action) {
        case 'succeed':
        case 'fail':
        case 'retry':
        case 'give-up':
          {
            // The rest of the logs (the totals, the error, every change) before the step reports.
            const last = run
            const drainMs = this.options.logDrainMs
            await optional(OptionalPart.Logs, () => logs.finish(last, drainMs), { boundMs: drainMs + 1_000, signal })
            logs.stop()
          }
          return decision
        case 'confirm':
          await this.confirm(run, memory, signal)
          schedule.reset()
          break
        case 'wait-for-person':
        case 'wait':
          this.tell(decision, run, told)
          if (decision.action === 'wait' && decision.for === 'queue') {
            const report = decidePendingReport(Date.now(), pending)
            if (report.report) {
              pending = report.clock
              log.info(await this.describeQueue(run, report.checkWorkspace, Date.now() - pending.queuedAt, signal))
            }
          }
      }

      await sleep(schedule.next(run.status), signal)
      try {
        run = await getRun(this.client, run.id, signal)
        failingSince = undefined
      } catch (err) {
        if (!isTransient(err)) throw err
        failingSince ??= Date.now()
        const giveUp = decideReadFailure(Date.now() - failingSince, this.options.readOutageLimitMs)
        if (giveUp) {
          this.outage = `Could not read run ${run.id} for ${formatDuration(Date.now() - failingSince)} (${errorMessage(err)}).`
          return giveUp
        }
        log.warning(`Could not read run ${run.id} (${errorMessage(err)}); still trying.`)
      }
    }
  }

  /** The one request that changes infrastructure: never sent once the step was told to stop. */
  private async confirm(run: Run, memory: Memory, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    const comment = `Confirmed by GitHub Actions: ${await workflowDescription()}`
    signal.throwIfAborted()
    if (await runAction(this.client, run.id, 'apply', comment, signal)) {
      memory.confirmSentAt = run.status
      log.info(`Confirmed run ${run.id}${this.countsText(run.plan)}.`)
      return
    }
    // 409: it moved on (planned → cost_estimating, the race of provider issue #898), or someone
    // else confirmed or discarded it. Only the run can say which; the next read decides.
    memory.confirmRefusals++
    log.info(`Run ${run.id} refused confirmation in status '${run.status}' (409); reading it again.`)
  }

  /** Says once, for each kind of wait, who or what the step waits for. */
  private tell(decision: Extract<Decision, { action: 'wait' | 'wait-for-person' }>, run: Run, told: Set<string>): void {
    const key = `${decision.action}:${decision.for}:${run.status}`
    if (told.has(key)) return
    told.add(key)
    const url = this.url(run.id)
    if (decision.action === 'wait-for-person') {
      if (decision.for === 'confirmation') {
        log.notice(
          this.settings.manualConfirm
            ? `Run ${run.id} is waiting for a person to confirm it (${Inputs.ManualConfirm} is true): ${url}`
            : `Run ${run.id} is waiting at '${run.status}' for someone allowed to confirm it (this token may not): ${url}`
        )
      } else if (decision.for === 'policy-override') {
        log.notice(
          `Run ${run.id}: a soft-mandatory policy failed. Someone allowed to override policies must override it (or discard the run) at ${url}; waiting.`
        )
      } else {
        log.notice(`Run ${run.id} is waiting for a run task decision (${run.status}); someone must decide at ${url}; waiting.`)
      }
      return
    }
    if (decision.for === 'unknown-status') {
      log.info(
        `Run ${run.id} is in status '${run.status}', which this action does not know; waiting for HCP Terraform to move it on: ${url}`
      )
    }
  }

  private async describeQueue(run: Run, checkWorkspace: boolean, waitedMs: number, signal: AbortSignal): Promise<string> {
    const head = `Run ${run.id} is pending after ${formatDuration(waitedMs)}`
    if (checkWorkspace) {
      try {
        const ws = await getWorkspaceById(this.client, (this.workspace as Workspace).id, signal)
        if (ws.locked && ws.lockedBy && ws.lockedBy.type !== 'runs') {
          return `${head}: the workspace is locked by ${ws.lockedBy.id}${ws.lockedReason ? ` (${ws.lockedReason})` : ''}; runs wait until someone unlocks it.`
        }
        if (ws.currentRunId && ws.currentRunId !== run.id) {
          return `${head}: waiting for run ${ws.currentRunId} to finish${run.positionInQueue ? ` (position ${run.positionInQueue} in the queue)` : ''}: ${this.url(ws.currentRunId)}`
        }
      } catch (err) {
        if (!isTransient(err)) throw err
      }
    }
    if (run.positionInQueue) return `${head}: position ${run.positionInQueue} in the workspace's queue.`
    return `${head}: waiting for HCP Terraform to start it (the organization's concurrent run limit may be reached).`
  }

  // ---- ends -----------------------------------------------------------------------------------

  private async succeed(ended: Extract<Decision, { action: 'succeed' }>, run: Run, cancel: AbortSignal): Promise<Outcome> {
    const url = this.url(run.id)
    let message: string
    switch (ended.end) {
      case 'applied':
        message = `Run ${run.id} applied${this.countsText(run.apply)}: ${url}`
        break
      case 'no-changes':
        message = `Run ${run.id} finished with no changes to apply: ${url}`
        break
      case 'plan-saved':
        message = `Saved the plan of run ${run.id}${this.countsText(run.plan)}; apply exactly this plan with ${Inputs.RunId}: ${run.id}. ${url}`
        break
      case 'plan-soft-failed':
        log.warning(
          `Plan-only run ${run.id} finished, but a soft-mandatory policy failed: an apply of this plan would need a policy override. ${url}`
        )
        message = `Plan-only run ${run.id} finished with a soft-mandatory policy failure${this.countsText(run.plan)}: ${url}`
        break
      default:
        message = `Plan-only run ${run.id} finished${run.hasChanges ? this.countsText(run.plan) : ' with no changes'}: ${url}`
    }
    if (this.settings.operation !== 'apply' || !this.settings.readOutputs || ended.end === 'plan-saved') return this.outcome(true, message)
    try {
      const outputs = await readOutputs(this.client, this.workspace as Workspace, {
        applied: ended.end === 'applied',
        signal: cancel,
        boundMs: this.options.outputsBoundMs,
        pollSchedule: this.options.pollSchedule
      })
      return this.outcome(true, message, outputs)
    } catch (err) {
      if (err instanceof AbortedError) {
        return this.outcome(false, `${message}; the job was cancelled before its outputs were read.`)
      }
      const why = err instanceof OutputsUnreadableError ? err.message : `Could not read the state outputs: ${errorMessage(err)}`
      return this.outcome(false, `${message}; but ${why}`)
    }
  }

  /** The newest applied run of the workspace: what made a saved plan stale. */
  private async latestApplied(signal: AbortSignal): Promise<string | undefined> {
    try {
      return await newestRunWithStatus(this.client, (this.workspace as Workspace).id, RunStatus.Applied, signal)
    } catch {
      return undefined
    }
  }

  /** The run's changes by address; a report is never worth failing the step for (common/optional.ts). */
  private async describeChanges(run: Run, signal: AbortSignal): Promise<ChangeReport | undefined> {
    const logs = this.logs
    const planLog = logs ? { digest: logs.plan.digest, complete: logs.planComplete } : undefined
    return await optional(
      OptionalPart.ChangeReport,
      async s => {
        const report = await changeReport(this.client, run, planLog, s)
        const applyError = logs?.apply.digest.firstError
        return applyError ? { ...report, firstError: applyError } : report
      },
      { boundMs: PlanJsonTimeoutMs + ReportBoundMs, signal }
    )
  }

  /** The first error of the stage's log, as `: Error: … (main.tf line 12)`, when logs are read. */
  private firstError(stage: 'plan' | 'apply'): string {
    const d = this.logs?.[stage].digest.firstError
    if (!d) return ''
    return ` (Error: ${d.summary}${d.where ? `, ${d.where}` : ''})`
  }

  private failText(ended: Extract<Decision, { action: 'fail' | 'retry' }>, run: Run): string {
    const url = this.url(run.id)
    if (ended.action === 'retry') return `Run ${run.id} errored during ${ended.stage}${this.firstError(ended.stage)}: ${url}`
    switch (ended.reason) {
      case 'errored-plan':
        return `Run ${run.id} errored during plan${this.firstError('plan')}: ${url}`
      case 'errored-apply':
        return `Run ${run.id} errored during apply${this.firstError('apply')}: ${url}`
      case 'errored-elsewhere':
        return `Run ${run.id} errored outside its plan and apply (a hard-mandatory policy or a mandatory run task failed); that is not retried: ${url}`
      case 'discarded':
        if (run.savePlan && this.settings.runId) {
          return `Run ${run.id} was discarded: the workspace changed after this plan${this.newerRun ? ` (run ${this.newerRun} applied since: ${this.url(this.newerRun)})` : ''}; plan again. The saved plan: ${url}`
        }
        return `Run ${run.id} was discarded before it was applied (by a person, or by another process); not retried: ${url}`
      case 'canceled':
        return `Run ${run.id} was canceled by someone else; not retried: ${url}`
      case 'force-canceled':
        return `Run ${run.id} was force-canceled by someone else; not retried: ${url}`
      case 'soft-failed':
        return `Run ${run.id} ended with a soft-mandatory policy failure: ${url}`
      case 'no-configuration':
        return this.noConfigurationText()
    }
  }

  private retryText(ended: Extract<Decision, { action: 'fail' }>): string {
    if (ended.reason !== 'errored-plan' && ended.reason !== 'errored-apply') return ''
    if (!this.settings.retry) return ` Not retried (${Inputs.Retry} is false).`
    const tries = this.attempts
    return ` Gave up after ${tries} run${tries === 1 ? '' : 's'} (${Inputs.RetryAttempts}: ${this.settings.retryAttempts}).`
  }

  private countsText(stage: Run['plan']): string {
    if (!stage) return ''
    return ` (${stage.additions} to add, ${stage.changes} to change, ${stage.destructions} to destroy)`
  }

  /** The workspace never had a configuration version: decideNoConfiguration said what that means. */
  private noConfiguration(ended: Exclude<Ended, { action: 'give-up' }>): Outcome {
    const ws = this.workspace as Workspace
    if (ended.action === 'succeed') {
      const message = `Workspace ${ws.organization}/${ws.name} has never had a configuration version, so there is nothing to destroy.`
      log.notice(message)
      return this.outcome(true, message)
    }
    return this.outcome(false, this.noConfigurationText())
  }

  private noConfigurationText(): string {
    const ws = this.workspace as Workspace
    return `Workspace ${ws.organization}/${ws.name} has no configuration version yet, so there is nothing to ${this.settings.operation}. Connect it to a VCS repository or upload a configuration first.`
  }

  /** Why the step stops following a run that has not ended. */
  private giveUpText(ended: Extract<Decision, { action: 'give-up' }>): string {
    const run = this.current
    if (ended.why === 'read-outage') return this.outage ?? `Could not read run ${run?.id ?? ''}.`
    return `Run ${run?.id ?? ''} says it can be confirmed but refused confirmation ${run?.status ? `in status '${run.status}' ` : ''}every time (409 transition not allowed).`
  }

  private abortText(reason: AbortReason): string {
    return reason === 'timeout'
      ? `Timed out after ${formatDuration(this.settings.timeoutMs)} (input '${Inputs.TimeoutMinutes}')`
      : 'The job was cancelled'
  }

  // ---- stopping ------------------------------------------------------------------------------

  /**
   * The step stops following its run before the run ended: it was told to (timeout, cancel), or
   * it cannot go on (read outage, refused confirmations, an unexpected API error). `decideStop`
   * says what that means for the run; the run is read again afterwards, so `status` is its end.
   */
  private async stopFollowing(cause: StopCause, cancel: AbortSignal): Promise<Outcome> {
    const aborted = cause.reason !== 'gave-up'
    const reason: StopReason = cause.reason
    const head = cause.reason === 'gave-up' ? cause.head.replace(/\s+$/, '') : this.abortText(cause.reason)
    if (cause.reason !== 'gave-up') this.state.stopping(cause.reason)
    const budget = AbortSignal.timeout(reason === 'cancelled' ? this.options.cancelStopBudgetMs : this.options.stopBudgetMs)
    const why =
      reason === 'timeout'
        ? `the step's ${Inputs.TimeoutMinutes} (${formatDuration(this.settings.timeoutMs)}) passed`
        : reason === 'cancelled'
          ? 'the job was cancelled'
          : `the step gave up following it: ${head.replace(/[.:]?\s*$/, '')}`

    let runId = this.current && !TerminalStatuses.has(this.current.status) ? this.current.id : undefined
    if (!runId && this.unanswered) {
      // The create request was cut off or unanswered: the run may exist all the same.
      try {
        const found = await findRunsByMarker(this.client, (this.workspace as Workspace).id, this.unanswered, budget)
        for (const id of found) this.noteRun(id)
        runId = found[0]
        if (runId) this.current = await getRun(this.client, runId, budget)
      } catch (lookErr) {
        if (aborted) {
          return this.outcome(
            false,
            `${head}. The run being queued could not be looked for (${errorMessage(lookErr)}); the post step will look again.`
          )
        }
      }
      if (!runId && aborted) {
        return this.outcome(
          false,
          `${head} while the run was being queued; it was not found on the workspace yet, so the post step will look again.`
        )
      }
    }
    if (!runId || !this.settings.waitForRun) {
      this.state.release()
      const url = this.current ? ` Run: ${this.url(this.current.id)} (status '${this.current.status}').` : ''
      return this.outcome(false, aborted ? `${head}.${url}` : `${head}${head.includes(this.url(this.current?.id ?? '-')) ? '' : url}`)
    }
    const { text, failed, statusBefore, before } = await this.stopRun(runId, reason, why, budget)
    if (reason === 'timeout' && before) {
      // The deadline landed during the read that would have shown the end: a run that ended well
      // is a success all the same (the README's guarantee), its outputs read as after any end.
      const ended = decide(toFacts(before), this.settings, {
        confirmSentAt: undefined,
        confirmRefusals: 0,
        retriesLeft: 0,
        attempt: this.attempts
      })
      if (ended.action === 'succeed') {
        this.state.release()
        this.current = before
        this.changes = await this.describeChanges(before, cancel)
        return await this.succeed(ended, before, cancel)
      }
    }
    // After a timeout or cancel whose stop did not get through, the post step tries again.
    if (!(failed && aborted)) this.state.release()
    const separator = aborted ? ` while run ${runId} was` : ` Run ${runId} was`
    return this.outcome(false, `${head}${separator} '${statusBefore}'; ${text} ${this.url(runId)}`)
  }

  /** Stops one of the step's runs and keeps `current` up to date with what it read. */
  private async stopRun(
    runId: string,
    reason: StopReason,
    why: string,
    budget: AbortSignal
  ): Promise<{ text: string; failed: boolean; statusBefore: string; before: Run | undefined }> {
    const result = await stopRun(this.client, runId, this.settings, reason, why, budget, this.options.pollSchedule)
    if (this.current?.id === runId && result.after) this.current = result.after
    const statusBefore = result.before?.status ?? (this.current?.id === runId ? this.current.status : 'unknown')
    return { text: result.text, failed: result.failed, statusBefore, before: result.before }
  }
}
