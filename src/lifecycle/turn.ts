/**
 * A matrix step's turn: before its first request, a step whose job GitHub started together with the
 * others of its matrix waits for its place in job order (tfe/rate-budgets.ts startTurnMs decides
 * how long), once per job.
 */
import * as core from '@actions/core'
import { startTurnMs } from '../tfe/rate-budgets.js'
import { formatSeconds, sleep } from '../common/timing.js'
import { log } from '../common/job-log.js'
import { Inputs } from '../action/names.js'
import type { Step } from './step.js'

/**
 * Set for the rest of the job once a step waited its turn: a later step of the same job comes after
 * the first one's run, already apart from the other jobs' steps. (A step with no wait sets nothing:
 * a later step of its job would wait nothing either.)
 */
export const TurnTakenVariable = 'TFE_WORKSPACE_RUN_TURN_TAKEN'

/** Waits the step's turn (rejects with the stop's reason when it fires first). */
export async function takeTurn(step: Step, stop: AbortSignal): Promise<void> {
  const place = step.settings.matrix
  const waitMs = process.env[TurnTakenVariable] ? 0 : startTurnMs(place)
  if (place && waitMs > 0) {
    log.info(
      `Job ${place.index + 1} of ${place.total} in its matrix: the first API request waits ${formatSeconds(waitMs)}, so that the matrix's steps do not all spend the token's shared rate limit in the same seconds (input '${Inputs.JobStrategy}').`
    )
    await sleep(waitMs, stop)
    // A file command, not a workflow command: only where the runner gave the job its env file.
    if (process.env.GITHUB_ENV) core.exportVariable(TurnTakenVariable, 'true')
  }
}
