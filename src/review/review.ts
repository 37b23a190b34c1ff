/**
 * What reviewers read about a run besides its status: the plan itself (for the diff), its cost
 * estimate, its policies and run tasks, and the names of the outputs it changes. Read once the
 * run ended (one bounded read each, the JSON plan shared with the guard); every part is optional:
 * one that cannot be read says why and the rest is shown all the same.
 */
import { errorMessage } from '../common/errors.js'
import type { TfeClient } from '../tfe/client.js'
import { getCostEstimate, type CostEstimate } from '../tfe/cost-estimates.js'
import type { Run } from '../tfe/runs.js'
import { changedOutputs } from './plan-json.js'
import type { PlanCache, PlanRead } from './plan-source.js'
import { readRunChecks, type RunChecks } from './run-checks.js'

export interface Review {
  plan: PlanRead
  /** The estimate, or why there is none to show (undefined: the run has none). */
  cost: CostEstimate | { why: string } | undefined
  checks: RunChecks | { why: string } | undefined
  /** Names of the outputs the plan changes; undefined when the plan could not be read. */
  outputsChanged: string[] | undefined
}

/** Whether the run went through a policy or run task stage (its status-timestamps say so). */
function hadChecks(run: Run): boolean {
  return Object.keys(run.timestamps).some(k => /^(policy-|(pre|post)-(plan|apply)-)/.test(k))
}

export async function readReview(client: TfeClient, plans: PlanCache, run: Run, signal?: AbortSignal): Promise<Review> {
  const plan = await plans.read(run.plan?.id, signal)
  let cost: Review['cost']
  if (run.costEstimateId) {
    try {
      cost = await getCostEstimate(client, run.costEstimateId, signal)
    } catch (err) {
      if (signal?.aborted) throw err
      cost = { why: `the cost estimate could not be read (${errorMessage(err)})` }
    }
  }
  let checks: Review['checks']
  if (hadChecks(run)) {
    try {
      checks = await readRunChecks(client, run.id, signal)
    } catch (err) {
      if (signal?.aborted) throw err
      checks = { why: `the policy and run task results could not be read (${errorMessage(err)})` }
    }
  }
  return { plan, cost, checks, outputsChanged: plan.plan ? changedOutputs(plan.plan) : undefined }
}
