import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import pRetry, { AbortError as StopRetrying } from 'p-retry'
import { Inputs, OperationLabels, RunStatus, StageStatus, TerminalStatuses } from './constants.js'
import { AbortedError, ApiError, RunFailedError, errorMessage, isTransient } from './errors.js'
import type { Settings } from './inputs.js'
import type { TfeClient } from './api-client.js'
import { DefaultPollSchedule, PollSchedule, type PollScheduleOptions } from './poll-schedule.js'
import { stopRun } from './stop-run.js'
import {
  createRun,
  findRunByMessage,
  getRun,
  getWorkspaceById,
  getWorkspaceByName,
  getWorkspaceOutputs,
  runAction,
  type Run,
  type Workspace
} from './tfe.js'
import { formatDuration, formatSeconds, sleep } from './timing.js'
import { defaultMessage, workflowDescription } from './context.js'

/** Told when the step becomes responsible for a run, and when it no longer is (post-step cleanup). */
export interface LifecycleHooks {
  /** About to create a run marked `marker` on the workspace (only when the step will wait for it). */
  runQueueing(workspaceId: string, marker: string): void
  runStarted(runId: string): void
  runSettled(): void
}

export interface Outcome {
  success: boolean
  /** One line for the log, and for core.setFailed when success is false. */
  message: string
  /** The run's final API status, or what the step last saw. Empty when no run was queued. */
  status: string
  workspace: Workspace | undefined
  run: Run | undefined
  runUrl: string | undefined
  runIds: string[]
  outputs: Record<string, unknown> | undefined
  durationMs: number
}

export interface LifecycleOptions {
  pollSchedule?: PollScheduleOptions
  /** How long the run may stay unreadable before the step gives up on it. */
  readOutageLimitMs?: number
  /** Pause between attempts to queue a run after an ambiguous failure. */
  createRetryDelayMs?: number
  /** Bound on the requests that stop a run after a timeout or cancellation. */
  stopBudgetMs?: number
}

const PendingFirstReportMs = 10_000
const PendingReportEveryMs = 30_000
const WorkspaceCheckEveryMs = 60_000
const MaxCreateTries = 4
const MaxConfirmConflicts = 3

/** A run errored in its plan or apply: worth queueing another (retry input). */
class RetryableRunError extends Error {
  override name = 'RetryableRunError'
}

/** The workspace has never had a configuration version (422 from create run). */
class NoConfigurationError extends Error {
  override name = 'NoConfigurationError'
}

export function runUrl(baseUrl: string, workspace: Workspace, runId: string): string {
  return `${baseUrl}/app/${encodeURIComponent(workspace.organization)}/workspaces/${encodeURIComponent(workspace.name)}/runs/${runId}`
}

/** Queues one run (and its retries) on one workspace and follows it to its end. */
export class RunLifecycle {
  private readonly settings: Settings
  private readonly client: TfeClient
  private readonly hooks: LifecycleHooks
  private readonly options: Required<LifecycleOptions>
  /** Marks this step's runs, so a run queued by a lost request can be found instead of queued twice. */
  private readonly executionKey: string
  private readonly startedAt = Date.now()
  private workspace: Workspace | undefined
  private current: Run | undefined
  private readonly runIds: string[] = []
  private readonly confirmed = new Set<string>()

  constructor(settings: Settings, client: TfeClient, hooks: LifecycleHooks, options: LifecycleOptions = {}) {
    this.settings = settings
    this.client = client
    this.hooks = hooks
    this.options = {
      pollSchedule: options.pollSchedule ?? DefaultPollSchedule,
      readOutageLimitMs: options.readOutageLimitMs ?? 120_000,
      createRetryDelayMs: options.createRetryDelayMs ?? 2_000,
      stopBudgetMs: options.stopBudgetMs ?? 6_000
    }
    this.executionKey = `${process.env.GITHUB_RUN_ID ?? 'local'}-${randomBytes(4).toString('hex')}`
  }

  private get totalRuns(): number {
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
      outputs,
      durationMs: Date.now() - this.startedAt
    }
  }

  /** Never throws for a run that ends badly: the outcome says so, with the run's URL. */
  async execute(signal: AbortSignal): Promise<Outcome> {
    try {
      this.workspace = await this.resolveWorkspace(signal)
      if (!this.settings.waitForRun) return await this.queueOnly(signal)
      return await this.queueAndFollow(signal)
    } catch (err) {
      if (err instanceof AbortedError) return await this.abort(err)
      if (err instanceof NoConfigurationError) return this.noConfiguration()
      return await this.failWhileFollowing(err)
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
          ? `Workspace '${workspaceId}' (input 'workspace_id')`
          : `Workspace '${name}' in organization '${organization}' (inputs 'workspace' and 'organization')`
        throw new RunFailedError(
          `${which} was not found on ${this.client.host}, or the token cannot see it (404). Check the spelling, the 'hostname' input, and that the token's user or team has access to the workspace.`
        )
      }
      throw err
    }
    if (ws.executionMode === 'local') {
      throw new RunFailedError(
        `Workspace '${ws.organization}/${ws.name}' uses local execution mode, so HCP Terraform does not run plans or applies for it. Switch it to remote or agent execution.`
      )
    }
    const mayQueue = this.settings.operation === 'plan' ? ws.canQueueRun : ws.canQueueApply
    if (mayQueue === false) {
      throw new RunFailedError(
        `The token may not queue ${this.settings.operation === 'plan' ? 'plans' : 'applies'} on workspace '${ws.organization}/${ws.name}'. Give its user or team the 'queue ${this.settings.operation === 'plan' ? 'plans' : 'applies'}' permission on the workspace, or use another token.`
      )
    }
    core.info(`Workspace: ${ws.organization}/${ws.name} (${ws.id}) on ${this.client.host}`)
    if (ws.locked) {
      core.notice(
        `Workspace ${ws.organization}/${ws.name} is locked${ws.lockedReason ? ` (${ws.lockedReason})` : ''}: the run will stay pending until it is unlocked.`
      )
    }
    return ws
  }

  private async queueOnly(signal: AbortSignal): Promise<Outcome> {
    const run = await this.queueRun(1, signal)
    return this.outcome(
      true,
      `Queued run ${run.id} (${this.describeOperation()}) and did not wait for it (wait_for_run is false): ${this.url(run.id)}`
    )
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

  private async queueAndFollow(signal: AbortSignal): Promise<Outcome> {
    const { retryBackoffMinMs, retryBackoffMaxMs } = this.settings
    let finalMessage = ''
    try {
      finalMessage = await pRetry(
        // One log group per run; notices and warnings inside still surface as annotations.
        async (attempt: number) =>
          core.group(this.attemptTitle(attempt), async () => {
            const run = await this.queueRun(attempt, signal)
            this.hooks.runStarted(run.id)
            const ended = await this.follow(run, signal)
            this.hooks.runSettled()
            return this.judge(ended)
          }),
        {
          retries: this.totalRuns - 1,
          factor: 2,
          minTimeout: retryBackoffMinMs,
          maxTimeout: retryBackoffMaxMs,
          signal,
          shouldRetry: ({ error }) => error instanceof RetryableRunError,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof RetryableRunError) || retriesLeft === 0) return
            const delay = Math.min(retryBackoffMinMs * 2 ** (attemptNumber - 1), retryBackoffMaxMs)
            core.warning(`${error.message} Queueing run ${attemptNumber + 1} of ${this.totalRuns} in ${formatSeconds(delay)}.`)
          }
        }
      )
    } catch (err) {
      if (err instanceof RetryableRunError) {
        const tries = this.runIds.length
        const why = this.settings.retry
          ? `Gave up after ${tries} run${tries === 1 ? '' : 's'} (retry_attempts: ${this.settings.retryAttempts}).`
          : 'Not retried (retry is false).'
        return this.outcome(false, `${err.message} ${why}`)
      }
      throw err
    }
    const outputs = this.settings.operation === 'apply' ? await this.readOutputs(signal) : undefined
    return this.outcome(true, finalMessage, outputs)
  }

  /** What an ended run means: success (a message), retry (RetryableRunError) or stop (wrapped RunFailedError). */
  private judge(run: Run): string {
    const url = this.url(run.id)
    switch (run.status) {
      case RunStatus.Applied:
        return `Run ${run.id} applied${this.countsText(run.apply)}: ${url}`
      case RunStatus.PlannedAndFinished:
        return this.settings.operation === 'plan'
          ? `Plan-only run ${run.id} finished${run.hasChanges ? this.countsText(run.plan) : ' with no changes'}: ${url}`
          : `Run ${run.id} finished with no changes to apply: ${url}`
      case RunStatus.PolicySoftFailed:
        core.warning(
          `Plan-only run ${run.id} finished, but a soft-mandatory policy failed: an apply of this plan would need a policy override. ${url}`
        )
        return `Plan-only run ${run.id} finished with a soft-mandatory policy failure${this.countsText(run.plan)}: ${url}`
      case RunStatus.Errored: {
        if (run.plan?.status === StageStatus.Errored) throw new RetryableRunError(`Run ${run.id} errored during plan: ${url}`)
        if (run.apply?.status === StageStatus.Errored) throw new RetryableRunError(`Run ${run.id} errored during apply: ${url}`)
        throw new StopRetrying(
          new RunFailedError(
            `Run ${run.id} errored outside its plan and apply (a hard-mandatory policy or a mandatory run task failed); that is not retried: ${url}`
          )
        )
      }
      case RunStatus.Discarded:
        throw new StopRetrying(
          new RunFailedError(`Run ${run.id} was discarded before it was applied (by a person, or by another process); not retried: ${url}`)
        )
      default:
        throw new StopRetrying(new RunFailedError(`Run ${run.id} was ${run.status.replace('_', '-')} by someone else; not retried: ${url}`))
    }
  }

  private countsText(stage: Run['plan']): string {
    if (!stage) return ''
    return ` (${stage.additions} to add, ${stage.changes} to change, ${stage.destructions} to destroy)`
  }

  /** Exactly one run per attempt, even when the answer to the create request is lost. */
  private async queueRun(attempt: number, signal: AbortSignal): Promise<Run> {
    const ws = this.workspace as Workspace
    const { settings } = this
    const marker = `[tfe-workspace-run ${this.executionKey}.${attempt}]`
    const autoApply = settings.operation !== 'plan' && !settings.waitForRun && !settings.manualConfirm
    const options = {
      workspaceId: ws.id,
      message: `${settings.message || (await defaultMessage(settings.operation))} ${marker}`,
      isDestroy: settings.operation === 'destroy',
      planOnly: settings.operation === 'plan',
      autoApply,
      allowEmptyApply: settings.allowEmptyApply,
      refresh: settings.refresh,
      refreshOnly: settings.refreshOnly,
      targetAddrs: settings.targetAddrs,
      replaceAddrs: settings.replaceAddrs,
      variables: settings.variables
    }
    if (settings.waitForRun) this.hooks.runQueueing(ws.id, marker)
    let run: Run | undefined
    for (let tries = 1; !run; tries++) {
      try {
        run = await createRun(this.client, options, signal)
      } catch (err) {
        if (err instanceof ApiError && err.status === 422 && /configuration version is missing/i.test(`${err.title} ${err.detail}`)) {
          throw new NoConfigurationError(err.message)
        }
        if (err instanceof ApiError && err.status === 404) {
          throw new RunFailedError(
            `${this.client.host} refused to queue a run on workspace '${ws.organization}/${ws.name}' (404). Organization tokens cannot queue runs: use a user or team token allowed to queue ${settings.operation === 'plan' ? 'plans' : 'applies'} there.`
          )
        }
        if (err instanceof ApiError && err.status === 422) {
          throw new RunFailedError(
            `${this.client.host} refused the run (422 ${[err.title, err.detail].filter(Boolean).join(': ')}). Check the inputs 'variables', 'target_addrs', 'replace_addrs' and 'refresh_only'.`
          )
        }
        if (!isTransient(err) || tries >= MaxCreateTries) throw err
        core.warning(
          `Queueing the run got no clear answer (${errorMessage(err)}); looking for it on the workspace before trying again, so it is never queued twice.`
        )
        const found = await findRunByMessage(this.client, ws.id, marker, signal)
        if (found) {
          core.info(`The run had been queued after all: ${found}.`)
          run = await getRun(this.client, found, signal)
        } else {
          await sleep(this.options.createRetryDelayMs * tries, signal)
        }
      }
    }
    this.current = run
    this.runIds.push(run.id)
    core.info(`Queued run ${run.id}, ${this.describeOperation()}: ${this.url(run.id)}`)
    return run
  }

  /** Polls until the run ends, confirming it when it is this step's job. */
  private async follow(first: Run, signal: AbortSignal): Promise<Run> {
    const ws = this.workspace as Workspace
    const schedule = new PollSchedule(this.options.pollSchedule, {
      [RunStatus.Planning]: ws.planDurationAverageMs,
      [RunStatus.Applying]: ws.applyDurationAverageMs
    })
    const announced = new Set<string>()
    const announce = (key: string, log: () => void): void => {
      if (!announced.has(key)) {
        announced.add(key)
        log()
      }
    }
    const queuedAt = Date.now()
    let nextPendingReport = queuedAt + PendingFirstReportMs
    let lastWorkspaceCheck = 0
    let failingSince: number | undefined
    let conflicts = 0
    let lastStatus = ''
    let run = first
    for (;;) {
      this.current = run
      if (run.status !== lastStatus) {
        if (lastStatus) core.info(`Run ${run.id}: ${lastStatus} → ${run.status}`)
        lastStatus = run.status
      }
      if (TerminalStatuses.has(run.status)) return run
      const url = this.url(run.id)

      if (this.settings.operation !== 'plan' && run.isConfirmable && !this.confirmed.has(run.id)) {
        if (this.settings.manualConfirm) {
          announce('confirm', () => core.notice(`Run ${run.id} is waiting for a person to confirm it (manual_confirm is true): ${url}`))
        } else if (!run.hasChanges && !this.settings.allowEmptyApply) {
          announce('no-changes', () => core.info(`The plan has no changes; not confirming it (allow_empty_apply is false).`))
        } else if (await runAction(this.client, run.id, 'apply', `Confirmed by GitHub Actions: ${await workflowDescription()}`, signal)) {
          this.confirmed.add(run.id)
          core.info(`Confirmed run ${run.id}${this.countsText(run.plan)}.`)
          schedule.reset()
        } else {
          // 409: someone else confirmed or discarded it first, or it moved on; the run says which.
          const fresh = await getRun(this.client, run.id, signal)
          if (!fresh.isConfirmable) {
            this.confirmed.add(run.id)
            core.info(`Run ${run.id} was no longer waiting for confirmation (${fresh.status}).`)
          } else if (++conflicts >= MaxConfirmConflicts) {
            throw new RunFailedError(
              `Run ${run.id} says it can be confirmed but refused confirmation ${conflicts} times (409 transition not allowed): ${url}`
            )
          }
          run = fresh
          continue
        }
      }
      if (run.status === RunStatus.PolicyOverride) {
        announce('policy', () =>
          core.notice(
            `Run ${run.id}: a soft-mandatory policy failed. Someone allowed to override policies must override it (or discard the run) at ${url}; waiting.`
          )
        )
      }
      if (run.status.endsWith('_awaiting_decision')) {
        announce(run.status, () => core.notice(`Run ${run.id} is waiting for a run task decision (${run.status}): ${url}`))
      }
      if (run.status === RunStatus.Pending && Date.now() >= nextPendingReport) {
        nextPendingReport = Date.now() + PendingReportEveryMs
        const checkWorkspace = Date.now() - lastWorkspaceCheck >= WorkspaceCheckEveryMs
        if (checkWorkspace) lastWorkspaceCheck = Date.now()
        core.info(await this.describeQueue(run, checkWorkspace, Date.now() - queuedAt, signal))
      }

      await sleep(schedule.next(run.status), signal)
      try {
        run = await getRun(this.client, run.id, signal)
        failingSince = undefined
      } catch (err) {
        if (!isTransient(err)) throw err
        failingSince ??= Date.now()
        if (Date.now() - failingSince >= this.options.readOutageLimitMs) {
          throw new RunFailedError(
            `Could not read run ${run.id} for ${formatDuration(Date.now() - failingSince)} (${errorMessage(err)}). It may still be in progress: check ${url}`
          )
        }
        core.warning(`Could not read run ${run.id} (${errorMessage(err)}); still trying.`)
      }
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

  private async readOutputs(signal: AbortSignal): Promise<Record<string, unknown>> {
    const ws = this.workspace as Workspace
    try {
      const outputs = await getWorkspaceOutputs(this.client, ws.id, signal)
      if (outputs) return outputs
      core.warning(
        `No state outputs could be read for ${ws.organization}/${ws.name} (404): the workspace has no state yet, or the token may not read its outputs.`
      )
    } catch (err) {
      if (err instanceof AbortedError) throw err
      core.warning(`Could not read the state outputs of ${ws.organization}/${ws.name}: ${errorMessage(err)}`)
    }
    return {}
  }

  private noConfiguration(): Outcome {
    const ws = this.workspace as Workspace
    if (this.settings.operation === 'destroy') {
      const message = `Workspace ${ws.organization}/${ws.name} has never had a configuration version, so there is nothing to destroy.`
      core.notice(message)
      return this.outcome(true, message)
    }
    return this.outcome(
      false,
      `Workspace ${ws.organization}/${ws.name} has no configuration version yet, so there is nothing to ${this.settings.operation}. Connect it to a VCS repository or upload a configuration first.`
    )
  }

  private async abort(err: AbortedError): Promise<Outcome> {
    const why =
      err.reason === 'timeout'
        ? `Timed out after ${formatDuration(this.settings.timeoutMs)} (input '${Inputs.TimeoutMinutes}')`
        : 'The job was cancelled'
    const stopped = await this.stopCurrentRun(why)
    if (!stopped) return this.outcome(false, `${why}.`)
    return this.outcome(false, `${why} while run ${stopped.runId} was '${stopped.status}'; ${stopped.fate}: ${this.url(stopped.runId)}`)
  }

  /**
   * The step gives up on a run that has not ended (a failure while following it): stop it as on a
   * timeout, so it does not hold the workspace waiting for a confirmation that will not come.
   */
  private async failWhileFollowing(err: unknown): Promise<Outcome> {
    const message = errorMessage(err)
    const stopped = await this.stopCurrentRun(message.replace(/[.:]?\s*$/, '').slice(0, 120))
    if (!stopped) {
      const url = this.current && this.url(this.current.id)
      const where = url && !message.includes(url) ? ` Run: ${url} (status '${this.current?.status}').` : ''
      return this.outcome(false, `${message}${where}`)
    }
    return this.outcome(false, `${message} Run ${stopped.runId} was '${stopped.status}'; ${stopped.fate}: ${this.url(stopped.runId)}`)
  }

  /** Stops the step's unfinished run when cancel_on_abort says so; undefined when there is none. */
  private async stopCurrentRun(why: string): Promise<{ runId: string; status: string; fate: string } | undefined> {
    const run = this.current
    if (!run || TerminalStatuses.has(run.status) || !this.settings.waitForRun) {
      this.hooks.runSettled()
      return undefined
    }
    let fate = `it was left as it is (${Inputs.CancelOnAbort} is false)`
    let status = run.status
    if (this.settings.cancelOnAbort) {
      try {
        const comment = `Stopped by GitHub Actions: ${why.toLowerCase()}. ${await workflowDescription()}`
        ;({ status, fate } = await stopRun(this.client, run.id, comment, AbortSignal.timeout(this.options.stopBudgetMs)))
        this.hooks.runSettled()
      } catch (stopErr) {
        fate = `stopping it failed (${errorMessage(stopErr)}); the post step will try again`
      }
    } else {
      this.hooks.runSettled()
    }
    return { runId: run.id, status, fate }
  }
}
