/**
 * Plans and applies over HTTP: a run's plan or apply, a stage by id, and the plan's JSON output
 * (a redirect to the log host); and the stage document runs include.
 */
import { stageResource, type Resource } from '../documents.ts'
import type { Stage } from '../engine/model.ts'
import { route, type Route } from '../router.ts'
import { notFound, visibleRun, type ApiCall } from './call.ts'

export function stageDoc(stage: Stage, archivistUrl: string): Resource {
  return stageResource({
    id: stage.id,
    kind: stage.kind,
    status: stage.status,
    additions: stage.additions,
    changes: stage.changes,
    destructions: stage.destructions,
    statusTimestamps: stage.timestamps,
    stateVersionId: stage.stateVersionId,
    logReadUrl: stage.logIssued ? `${archivistUrl}/v1/object/${stage.logId}` : ''
  })
}

export const StageRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/runs/:id/:stage(plan|apply)', ({ id, stage }, call) => {
    const run = visibleRun(call, id)
    if (!run) return notFound()
    return [200, { data: stageDoc(stage === 'plan' ? run.plan : run.apply, call.archivistUrl) }]
  }),
  route('GET', '/api/v2/plans/:id/json-output', ({ id }, call) => {
    const run = [...call.engine.runs.values()].find(r => r.plan.id === id)
    if (!run || !visibleRun(call, run.id) || call.engine.mustWorkspace(run.workspaceId).spec.planJsonDenied) return notFound()
    if (run.plan.status !== 'finished') return [204, undefined]
    return [307, undefined, { Location: `${call.archivistUrl}/v1/json/${run.plan.id}` }]
  }),
  route('GET', '/api/v2/:kind(plans|applies)/:id', ({ kind, id }, call) => {
    const run = [...call.engine.runs.values()].find(r => (kind === 'plans' ? r.plan.id : r.apply.id) === id)
    if (!run || !visibleRun(call, run.id)) return notFound()
    return [200, { data: stageDoc(kind === 'plans' ? run.plan : run.apply, call.archivistUrl) }]
  })
]
