/** The review of a run that ended (review/review.ts), as an optional part: its failure is one warning, never the step's end. */
import { OptionalPart, optional } from '../common/optional.js'
import { PlanJsonTimeoutMs } from '../run-logs/changes.js'
import { readReview, type Review } from '../review/review.js'
import type { Run } from '../tfe/runs.js'
import type { Step } from './step.js'
import { ReportBoundMs } from './step.js'

export async function describeReview(step: Step, run: Run, signal: AbortSignal): Promise<Review | undefined> {
  return await optional(OptionalPart.ChangeReport, s => readReview(step.client, step.plans, run, s), {
    boundMs: PlanJsonTimeoutMs + ReportBoundMs,
    signal
  })
}
