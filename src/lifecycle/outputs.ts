/**
 * The workspace's outputs after a successful apply. HCP Terraform processes a new state version
 * asynchronously: `resources-processed` is false on it for a moment, and the outputs endpoint may
 * answer 503 meanwhile. Downstream jobs use `fromJSON(workspace_outputs).vpc_id`, so an empty
 * object where the apply produced outputs is worse than a failure: wait for the processing
 * (bounded), read every page, and say clearly why when they cannot be read.
 */
import { Inputs, Outputs } from '../action/names.js'
import { AbortedError, ApiError, errorMessage } from '../common/errors.js'
import type { TfeClient } from '../tfe/client.js'
import { PollSchedule, type PollScheduleOptions } from '../tfe/poll-schedule.js'
import { getCurrentStateVersion, getWorkspaceOutputs } from '../tfe/state-versions.js'
import { type Workspace } from '../tfe/workspaces.js'
import { formatDuration, sleep } from '../common/timing.js'
import { log } from '../common/job-log.js'

export class OutputsUnreadableError extends Error {
  override name = 'OutputsUnreadableError'
}

export interface ReadOutputsOptions {
  /** The run applied, so the workspace has a (new) state; false for a run that ended with no changes. */
  applied: boolean
  signal: AbortSignal
  /** How long to wait for the state to be processed and the outputs to be readable. */
  boundMs: number
  pollSchedule: PollScheduleOptions
}

const Processing = 'processing'

export async function readOutputs(client: TfeClient, ws: Workspace, options: ReadOutputsOptions): Promise<Record<string, unknown>> {
  const name = `${ws.organization}/${ws.name}`
  const permission = `Give the token's user or team the 'read state outputs' permission on workspace ${name}, or set '${Inputs.ReadOutputs}: false' if the workflow does not use the '${Outputs.WorkspaceOutputs}' output.`
  if (ws.canReadStateOutputs === false) {
    throw new OutputsUnreadableError(`The token may not read the state outputs of workspace ${name}. ${permission}`)
  }
  const started = Date.now()
  const schedule = new PollSchedule(options.pollSchedule)
  const left = (): number => options.boundMs - (Date.now() - started)

  if (options.applied) {
    // Needs the 'read state versions' permission; without it (404) the outputs endpoint's 503s tell instead.
    for (;;) {
      // The step's end waits on these reads alone: each goes as a read with news, never stretched as a poll.
      const version = await getCurrentStateVersion(client, ws.id, options.signal, true)
      if (version?.outputs) return version.outputs
      if (!version || version.resourcesProcessed) break
      if (left() <= 0) {
        log.warning(
          `The new state of ${name} was still being processed after ${formatDuration(options.boundMs)}; reading its outputs anyway.`
        )
        break
      }
      await sleep(Math.min(schedule.next(Processing), left()), options.signal)
    }
  }

  for (;;) {
    try {
      const outputs = await getWorkspaceOutputs(client, ws.id, options.signal, true)
      if (outputs) return outputs
      if (!options.applied) return {}
      throw new OutputsUnreadableError(
        `Workspace ${name} has a new state, but its outputs answered 404: the token may not read them. ${permission}`
      )
    } catch (err) {
      if (err instanceof OutputsUnreadableError || err instanceof AbortedError) throw err
      const processing = err instanceof ApiError && err.status === 503
      if (processing && left() > 0) {
        await sleep(Math.min(schedule.next(Processing), left()), options.signal)
        continue
      }
      throw new OutputsUnreadableError(
        `Could not read the state outputs of workspace ${name}${processing ? ` within ${formatDuration(options.boundMs)}` : ''}: ${errorMessage(err)} ${permission}`
      )
    }
  }
}
