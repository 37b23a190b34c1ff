/**
 * The engine's cost estimates: made with the run, queued and finished while it is cost_estimating,
 * canceled when it ends without one. Not their HTTP side (resources/cost-estimates.ts).
 */

/** What the stand-in's estimator charges for a resource a month. */
const MonthlyCostPerResource = 7.3

export interface StandInCostEstimate {
  id: string
  status: 'pending' | 'queued' | 'finished' | 'canceled'
  timestamps: Record<string, string>
  resourcesCount: number
  priorMonthlyCost: number
  proposedMonthlyCost: number
}

function setStatus(ce: StandInCostEstimate, status: StandInCostEstimate['status']): void {
  ce.status = status
  ce.timestamps[`${status}-at`] = new Date().toISOString()
}

export function newCostEstimate(id: string): StandInCostEstimate {
  const ce: StandInCostEstimate = { id, status: 'pending', timestamps: {}, resourcesCount: 0, priorMonthlyCost: 0, proposedMonthlyCost: 0 }
  setStatus(ce, 'pending')
  return ce
}

export function queueEstimate(ce: StandInCostEstimate): void {
  setStatus(ce, 'queued')
}

/** The estimate of a plan that takes the workspace from `before` resources to `after`. */
export function finishEstimate(ce: StandInCostEstimate, before: number, after: number): void {
  ce.resourcesCount = after
  ce.priorMonthlyCost = before * MonthlyCostPerResource
  ce.proposedMonthlyCost = after * MonthlyCostPerResource
  setStatus(ce, 'finished')
}

/** The run ended: an estimate that never finished is canceled. */
export function endEstimate(ce: StandInCostEstimate): void {
  if (ce.status !== 'finished' && ce.status !== 'canceled') setStatus(ce, 'canceled')
}
