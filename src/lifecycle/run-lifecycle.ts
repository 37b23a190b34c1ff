/**
 * The run lifecycle: resolves the workspace, uploads the checkout, then for each attempt queues
 * (queue.ts), follows (follow.ts) and reports the end (ends.ts), or stops (stop.ts). Decisions are
 * decide.ts's; what the step knows of its runs is step.ts's.
 */
import { Inputs } from '../action/names.js'
import { AbortedError, ApiError, RunFailedError, errorMessage } from '../common/errors.js'
import type { Settings } from '../action/inputs.js'
import type { TfeClient } from '../tfe/client.js'
import { decideNoConfiguration, type Ended } from './decide.js'
import { postState } from '../action/post-state.js'
import { getWorkspaceById, getWorkspaceByName, type Workspace } from '../tfe/workspaces.js'
import { formatSeconds, sleep } from '../common/timing.js'
import { log } from '../common/job-log.js'
import { uploadConfiguration } from '../upload/upload.js'
import { readUpstreamVariables } from './upstream-outputs.js'
import { takeTurn } from './turn.js'

import { attemptTitle, describeOperation, failText, retryText, giveUpText, abortText } from './messages.js'
import { queueRun, adoptRun } from './queue.js'
import { adoptQueuedRun } from './adopt.js'
import { afterRunEnded } from './triggered.js'
import { follow } from './follow.js'
import { succeed, latestApplied, describeChanges, noConfiguration } from './ends.js'
import { describeReview } from './review-read.js'
import { stopCause, stopFollowing } from './stop.js'
import { Step, type PostStateSink, type Outcome, type LifecycleOptions } from './step.js'

/**
 * Never throws for a run that ends badly: the outcome says so, with the run's URL.
 * `stop` fires on the step's timeout and on a cancelled job; `cancel` only on the latter. Once a
 * run has ended well, only a cancel can still stop the step (the outputs read is not timed out).
 */
export async function execute(step: Step, stop: AbortSignal, cancel: AbortSignal = stop): Promise<Outcome> {
  try {
    await takeTurn(step, stop)
    step.workspace = await resolveWorkspace(step, stop)
    if (step.settings.variablesFromOutputs?.length) step.upstreamVariables = await readUpstreamVariables(step, stop)
    if (step.settings.directory) {
      step.configurationVersion = await uploadConfiguration(step.client, step.workspace, step.settings, stop, step.options.pollSchedule)
    }
  } catch (err) {
    if (err instanceof AbortedError) return step.outcome(false, `${abortText(step, err.reason)}.`)
    return step.outcome(false, errorMessage(err))
  }
  for (let attempt = 1; ; attempt++) {
    let ended: Ended | 'queued' | 'no-configuration'
    try {
      const attemptRun = async (): Promise<Ended | 'queued' | 'no-configuration'> => {
        // adopt_queued_run: the first attempt follows a run HCP Terraform queued, when there is one.
        const adopted = attempt === 1 && step.settings.adoptQueuedRun ? await adoptQueuedRun(step, stop) : undefined
        const queued = adopted
          ? { run: adopted }
          : step.settings.runId
            ? { run: await adoptRun(step, step.settings.runId, stop) }
            : await queueRun(step, attempt, stop)
        if (!('run' in queued)) return 'no-configuration' as const
        const run = queued.run
        step.attempts = attempt
        if (!step.settings.waitForRun) return 'queued' as const
        step.state.following(run.id, step.url(run.id), step.originOf(run.id) === 'adopted')
        return await follow(step, run, attempt, stop)
      }
      // Groups do not nest: with logs shown, each stage's log is a group of its own.
      if (step.settings.showLogs && step.settings.waitForRun) {
        log.info(`▸ ${attemptTitle(step, attempt)}`)
        ended = await attemptRun()
      } else {
        ended = await log.group(attemptTitle(step, attempt), attemptRun)
      }
    } catch (err) {
      return await stopFollowing(step, stopCause(err), cancel)
    }
    if (ended === 'queued' && step.current && step.originOf(step.current.id) === 'adopted') {
      return step.outcome(
        true,
        `Adopted run ${step.current.id} ('${step.current.status}') and did not wait for it (${Inputs.WaitForRun} is false); it goes on as HCP Terraform queued it: ${step.url(step.current.id)}`
      )
    }
    if (ended === 'queued') {
      return step.outcome(
        true,
        `Queued run ${step.current?.id} (${describeOperation(step)}) and did not wait for it (${Inputs.WaitForRun} is false): ${step.url(step.current?.id ?? '')}`
      )
    }
    if (ended === 'no-configuration') return noConfiguration(step, decideNoConfiguration(step.settings.operation))
    if (ended.action === 'give-up') return await stopFollowing(step, { reason: 'gave-up', head: giveUpText(step, ended) }, cancel)
    // follow() leaves the run it followed in `current`: a followed run ended here.
    const run = step.current
    if (!run) throw new Error('internal: a followed run ended, but the step holds no run')
    step.state.release()
    step.ahead.now()
    if (ended.action !== 'retry') step.changes = await describeChanges(step, run, stop)
    if (ended.action !== 'retry') step.review = await describeReview(step, run, stop)
    if (ended.action === 'fail' && ended.reason === 'discarded' && run.savePlan) step.newerRun = await latestApplied(step, cancel)
    if (ended.action === 'succeed') return await afterRunEnded(step, await succeed(step, ended, run, cancel), ended, run, stop)
    if (ended.action === 'fail') return step.outcome(false, `${failText(step, ended, run)}${retryText(step, ended)}`)
    log.warning(`${failText(step, ended, run)} Queueing run ${attempt + 1} of ${step.totalRuns} in ${formatSeconds(ended.delayMs)}.`)
    try {
      await sleep(ended.delayMs, stop)
    } catch (err) {
      if (err instanceof AbortedError) return step.outcome(false, `${abortText(step, err.reason)} before run ${attempt + 1} was queued.`)
      throw err
    }
  }
}

export async function resolveWorkspace(step: Step, signal: AbortSignal): Promise<Workspace> {
  const { organization, workspace: name, workspaceId } = step.settings
  let ws: Workspace
  try {
    if (workspaceId) ws = await getWorkspaceById(step.client, workspaceId, signal)
    // inputs.ts requires both when no ID is given.
    else if (organization && name) ws = await getWorkspaceByName(step.client, organization, name, signal)
    else throw new Error('internal: neither a workspace ID nor an organization and name')
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      const which = workspaceId
        ? `Workspace '${workspaceId}' (input '${Inputs.WorkspaceId}')`
        : `Workspace '${name}' in organization '${organization}' (inputs '${Inputs.Workspace}' and '${Inputs.Organization}')`
      throw new RunFailedError(
        `${which} was not found on ${step.client.host}, or the token cannot see it (404). Check the spelling, the '${Inputs.Hostname}' input, and that the token's user or team has access to the workspace.`
      )
    }
    throw err
  }
  if (ws.executionMode === 'local') {
    throw new RunFailedError(
      `Workspace '${ws.organization}/${ws.name}' uses local execution mode, so HCP Terraform does not run plans or applies for it. Switch it to remote or agent execution.`
    )
  }
  const what = step.settings.operation === 'plan' ? 'plans' : 'applies'
  const mayQueue = step.settings.operation === 'plan' ? ws.canQueueRun : ws.canQueueApply
  if (mayQueue === false) {
    throw new RunFailedError(
      `The token may not queue ${what} on workspace '${ws.organization}/${ws.name}'. Give its user or team the 'queue ${what}' permission on the workspace, or use another token.`
    )
  }
  log.info(`Workspace: ${ws.organization}/${ws.name} (${ws.id}) on ${step.client.host}`)
  if (ws.locked) {
    log.notice(
      `Workspace ${ws.organization}/${ws.name} is locked${ws.lockedReason ? ` (${ws.lockedReason})` : ''}: the run will stay pending until it is unlocked.`
    )
  }
  return ws
}

/** Queues one run (and its retries) on one workspace and follows it: read → decide → act. */
export class RunLifecycle {
  private readonly step: Step

  constructor(settings: Settings, client: TfeClient, state: PostStateSink = postState, options: LifecycleOptions = {}) {
    this.step = new Step(settings, client, state, options)
  }

  /**
   * Never throws for a run that ends badly: the outcome says so, with the run's URL.
   * `stop` fires on the step's timeout and on a cancelled job; `cancel` only on the latter. Once a
   * run has ended well, only a cancel can still stop the step (the outputs read is not timed out).
   */
  async execute(stop: AbortSignal, cancel: AbortSignal = stop): Promise<Outcome> {
    return await execute(this.step, stop, cancel)
  }
}

export { runUrl, type LifecycleOptions, type Outcome, type PostStateSink } from './step.js'
