/**
 * Cost estimates over HTTP (GET /cost-estimates/:id, as go-tfe's CostEstimates reads it) and the
 * document a run's `include=cost_estimate` carries. The estimate's life is the engine's.
 */
import { costEstimateResource, type Resource } from '../documents.ts'
import type { StandInCostEstimate } from '../engine/cost-estimates.ts'
import { route, type Route } from '../router.ts'
import { notFound, visibleRun, type ApiCall } from './call.ts'

export function estimateDoc(ce: StandInCostEstimate): Resource {
  return costEstimateResource({ ...ce, statusTimestamps: ce.timestamps })
}

export const CostEstimateRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/cost-estimates/:id', ({ id }, call) => {
    const run = [...call.engine.runs.values()].find(r => r.costEstimate?.id === id)
    return run?.costEstimate && visibleRun(call, run.id) ? [200, { data: estimateDoc(run.costEstimate) }] : notFound()
  })
]
