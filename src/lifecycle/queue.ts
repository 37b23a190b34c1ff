/**
 * Queueing the attempt's run: at most one run per attempt (a create without a clear answer is
 * looked for by its marker before every re-send; a late duplicate is discarded), or the run given
 * with run_id.
 */
import pRetry from 'p-retry'
import { Inputs } from '../action/names.js'
import { ApiError, RunFailedError, errorMessage, isTransient } from '../common/errors.js'
import { createRun, findRunsByMarker, getRun, isNoConfiguration, type Run } from '../tfe/runs.js'
import { defaultMessage } from '../action/github-context.js'
import { log } from '../common/job-log.js'

import { describeOperation } from './messages.js'
import { stopStepRun } from './stop.js'
import type { Step } from './step.js'

const MaxCreateTries = 4

/** What queueing answered: the run, or a workspace that has never had a configuration version. */
export type Queued = { run: Run } | { noConfiguration: true }

/**
 * Creates the attempt's run. A create without a clear answer (a 5xx, a reset, the client's own
 * timeout) may still have queued the run, even a while later: pause, look for the attempt's
 * marker, and look again right before every re-send. Should a late commit still make a second
 * run, the oldest is followed and the others are discarded, all of them listed in run_ids.
 */
export async function queueRun(step: Step, attempt: number, signal: AbortSignal): Promise<Queued> {
  const ws = step.target
  const { settings } = step
  const marker = `[tfe-workspace-run ${step.executionKey}.${attempt}]`
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
    variables: [...settings.variables, ...step.upstreamVariables],
    savePlan: settings.savePlan,
    configurationVersionId: step.configurationVersion?.id
  }
  // A run the step does not wait for is meant to go on without it: nothing for the post step.
  if (settings.waitForRun) step.state.creating(ws.id, step.url('').replace(/\/runs\/$/, ''), marker)
  let resent = false
  const created = await pRetry(
    async (tryNumber: number): Promise<Run> => {
      if (tryNumber > 1) {
        const found = await findRunsByMarker(step.client, ws.id, marker, signal)
        if (found[0]) {
          log.info(`The run had been queued after all: ${found[0]}.`)
          return await getRun(step.client, found[0], signal)
        }
        resent = true
      }
      signal.throwIfAborted()
      step.unanswered = marker
      return await createRun(step.client, options, signal)
    },
    {
      retries: MaxCreateTries - 1,
      minTimeout: step.options.createRetryDelayMs,
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
    // A definite refusal queued nothing; anything else may have, a 2xx whose body cannot be read too.
    if (err instanceof ApiError && !err.transient && err.status >= 400) step.unanswered = undefined
    if (isNoConfiguration(err)) return undefined
    throw createError(step, err)
  })
  if (!created) {
    step.state.release()
    return { noConfiguration: true }
  }
  const run = created
  step.unanswered = undefined
  step.current = run
  step.noteRun(run.id)
  log.info(`Queued run ${run.id}, ${describeOperation(step)}: ${step.url(run.id)}`)
  return { run: resent ? await settleDuplicates(step, run, marker, signal) : run }
}

/** input run_id: the run to follow instead of queueing one; it must be the workspace's. */
export async function adoptRun(step: Step, runId: string, signal: AbortSignal): Promise<Run> {
  const ws = step.target
  let run: Run
  try {
    run = await getRun(step.client, runId, signal)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new RunFailedError(
        `Run '${runId}' (input '${Inputs.RunId}') was not found on ${step.client.host}, or the token cannot see it (404).`
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
      `Run '${runId}' (input '${Inputs.RunId}') is a speculative plan (plan only), which can never be applied: ${step.url(runId)}. Give the run of a saved plan (${Inputs.SavePlan}: true), or queue an apply instead of ${Inputs.RunId}.`
    )
  }
  step.current = run
  step.noteRun(run.id)
  log.info(`Following run ${run.id} (input '${Inputs.RunId}'), now '${run.status}': ${step.url(run.id)}`)
  return run
}

export function createError(step: Step, err: unknown): unknown {
  const ws = step.target
  if (!(err instanceof ApiError)) return err
  if (err.status === 404) {
    return new RunFailedError(
      `${step.client.host} refused to queue a run on workspace '${ws.organization}/${ws.name}' (404). Organization tokens cannot queue runs: use a user or team token allowed to queue ${step.settings.operation === 'plan' ? 'plans' : 'applies'} there.`
    )
  }
  if (err.status === 422) {
    return new RunFailedError(
      `${step.client.host} refused the run (422 ${[err.title, err.detail].filter(Boolean).join(': ')}). Check the inputs '${Inputs.Variables}', '${Inputs.TargetAddrs}', '${Inputs.ReplaceAddrs}' and '${Inputs.RefreshOnly}'.`
    )
  }
  return err
}

/** After a re-send: every run carrying the attempt's marker is listed; only the oldest goes on. */
export async function settleDuplicates(step: Step, created: Run, marker: string, signal: AbortSignal): Promise<Run> {
  const found = await findRunsByMarker(step.client, step.target.id, marker, signal)
  const ids = [...new Set([...found, created.id])]
  if (ids.length === 1) return created
  // The oldest first; the list holds at least the run just created.
  const [keep = created.id] = ids
  step.runIds.splice(step.runIds.indexOf(created.id), 1)
  for (const id of ids) step.noteRun(id)
  const kept = keep === created.id ? created : await getRun(step.client, keep, signal)
  for (const id of ids.slice(1)) {
    const why = `a second run for the same step, queued because the answer to the first create request was lost; run ${keep} is the one that goes on`
    const { text } = await stopStepRun(step, id, 'duplicate', why, AbortSignal.timeout(step.options.stopBudgetMs))
    log.warning(`Run ${id} is ${why}. ${text}`)
  }
  step.current = kept
  return kept
}
