/**
 * Runs over HTTP: created on a workspace (on a given or its latest configuration version), read
 * one at a time or listed by workspace with filters and `include`; and the run document other
 * resources include. Moving a run on is the engine's; its actions are run-actions.ts.
 */
import { errorDocument, listDocument, runResource, type Resource } from '../documents.ts'
import type { RunEngine } from '../engine/engine.ts'
import { Cancelable, Discardable, Terminal, type StandInRun } from '../engine/model.ts'
import { route, type Answer, type Route } from '../router.ts'
import { listParam, notFound, pageOf, standInUser, visibleRun, visibleWorkspace, type ApiCall } from './call.ts'
import { configurationVersionDoc, ingressDoc } from './configuration-versions.ts'
import { estimateDoc } from './cost-estimates.ts'
import { stageDoc } from './stages.ts'
import { taskStageDocs } from './task-stages.ts'
import { workspaceDoc } from './workspaces.ts'

export function runDoc(engine: RunEngine, run: StandInRun): Resource {
  const ws = engine.mustWorkspace(run.workspaceId)
  return runResource({
    id: run.id,
    status: run.status,
    message: run.message,
    workspaceId: run.workspaceId,
    planId: run.plan.id,
    applyId: run.apply.id,
    hasChanges: run.hasChanges,
    isConfirmable: run.confirmable,
    isDiscardable: Discardable.has(run.status),
    isCancelable: Cancelable.has(run.status),
    autoApply: run.autoApply,
    allowEmptyApply: run.allowEmptyApply,
    isDestroy: run.isDestroy,
    planOnly: run.planOnly,
    refreshOnly: run.refreshOnly,
    refresh: run.refresh,
    savePlan: run.savePlan,
    configurationVersionId: run.configurationVersionId,
    positionInQueue: run.status === 'pending' ? ws.queue.indexOf(run.id) + 1 : 0,
    createdAt: run.createdAt,
    statusTimestamps: run.statusTimestamps,
    targetAddrs: run.targetAddrs,
    replaceAddrs: run.replaceAddrs,
    variables: run.variables,
    costEstimateId: run.costEstimate?.id,
    commentIds: engine.activity.commentIdsOf(run.id),
    runEventIds: engine.activity.eventIdsOf(run.id),
    source: run.source,
    triggerReason: run.triggerReason
  })
}

const RunIncludes = [
  'plan',
  'apply',
  'workspace',
  'created_by',
  'cost_estimate',
  'configuration_version',
  'configuration_version.ingress_attributes',
  'task_stages'
]

/** What `include` asks for, for one run or a page of them: each related resource once; 400 for an unknown name. */
function runIncluded(call: ApiCall, runs: StandInRun[]): { included: unknown[]; error?: Answer } {
  const include = listParam(call.query, 'include')
  const bad = include.find(i => !RunIncludes.includes(i))
  if (bad) {
    const detail = `Invalid include parameter: ${bad}`
    return { included: [], error: [400, { errors: [{ status: '400', title: 'invalid include parameter', detail }] }] }
  }
  const { engine, archivistUrl } = call
  const included = new Map<string, unknown>()
  const add = (r: { id: string; type: string } | undefined): void => {
    if (r && !included.has(`${r.type}/${r.id}`)) included.set(`${r.type}/${r.id}`, r)
  }
  for (const run of runs) {
    if (include.includes('plan')) add(stageDoc(run.plan, archivistUrl))
    if (include.includes('apply')) add(stageDoc(run.apply, archivistUrl))
    if (include.includes('workspace')) add(workspaceDoc(engine, engine.mustWorkspace(run.workspaceId)))
    if (include.includes('created_by')) add(standInUser())
    const cv = run.configurationVersionId ? engine.configurationVersions.get(run.configurationVersionId) : undefined
    if (include.includes('configuration_version') && cv) add(configurationVersionDoc(cv, archivistUrl))
    if (include.includes('configuration_version.ingress_attributes') && cv) {
      add(configurationVersionDoc(cv, archivistUrl))
      add(ingressDoc(cv))
    }
    if (include.includes('task_stages') && run.taskResult) add(taskStageDocs(run).stage)
    if (include.includes('cost_estimate') && run.costEstimate) add(estimateDoc(run.costEstimate))
  }
  return { included: [...included.values()] }
}

const unprocessable = (detail: string): Answer => [422, { errors: [{ status: '422', title: 'unprocessable entity', detail }] }]

interface CreateRunBody {
  data?: {
    type?: string
    attributes?: Record<string, unknown>
    relationships?: { workspace?: { data?: { id?: string } }; 'configuration-version'?: { data?: { id?: string } } }
  }
}

function createRun(call: ApiCall): Answer {
  const { engine } = call
  let doc: CreateRunBody
  try {
    doc = JSON.parse(call.text) as CreateRunBody
  } catch {
    return unprocessable('Malformed JSON body')
  }
  const wsId = doc.data?.relationships?.workspace?.data?.id
  const ws = wsId ? engine.workspaces.get(wsId) : undefined
  if (!ws || !call.canSee(ws.organization)) return [404, { errors: [{ status: '404', title: 'not found' }] }]
  if (doc.data?.type !== 'runs') return unprocessable('Type must be runs')
  const a = doc.data.attributes ?? {}
  if (a['is-destroy'] === true && a['refresh-only'] === true) return unprocessable('Refresh-only and destroy are mutually exclusive')
  const cvId = doc.data.relationships?.['configuration-version']?.data?.id
  if (cvId) {
    const cv = engine.configurationVersions.get(cvId)
    if (!cv || cv.workspaceId !== ws.id) return [404, errorDocument(404, 'not found')]
    if (cv.status !== 'uploaded') {
      return [422, errorDocument(422, 'unprocessable entity', `Configuration version is ${cv.status}, not uploaded`)]
    }
    if (cv.speculative && a['plan-only'] !== true) {
      return [422, errorDocument(422, 'unprocessable entity', 'A speculative configuration version can only be used by a plan-only run')]
    }
    return [201, { data: runDoc(engine, engine.createRun(ws, a, cv.id)) }]
  }
  // Without one, a run uses the workspace's latest configuration version, as on the service.
  const latest = [...engine.configurationVersions.values()]
    .filter(v => v.workspaceId === ws.id && v.status === 'uploaded' && !v.speculative && (!v.provisional || v.promoted))
    .pop()
  if (latest) return [201, { data: runDoc(engine, engine.createRun(ws, a, latest.id)) }]
  if (ws.spec.hasConfiguration === false) return unprocessable('Configuration version is missing')
  return [201, { data: runDoc(engine, engine.createRun(ws, a)) }]
}

const operationOf = (r: StandInRun): string =>
  r.planOnly ? 'plan_only' : r.isDestroy ? 'destroy' : r.refreshOnly ? 'refresh_only' : 'plan_and_apply'

export const RunRoutes: Route<ApiCall>[] = [
  route('POST', '/api/v2/runs', (_, call) => createRun(call)),
  route('GET', '/api/v2/runs/:id', ({ id }, call) => {
    const run = visibleRun(call, id)
    if (!run) return notFound()
    const { included, error } = runIncluded(call, [run])
    if (error) return error
    return [200, { data: runDoc(call.engine, run), ...(included.length ? { included } : {}) }]
  }),
  route('GET', '/api/v2/workspaces/:id/runs', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws) return notFound()
    const ops = listParam(call.query, 'filter[operation]')
    const statuses = listParam(call.query, 'filter[status]')
    const sources = listParam(call.query, 'filter[source]')
    const groups = listParam(call.query, 'filter[status_group]')
    const commit = call.query.get('search[commit]')
    const inGroup = (r: StandInRun): boolean =>
      groups.some(g => (g === 'final' ? Terminal.has(r.status) : g === 'non_final' ? !Terminal.has(r.status) : Discardable.has(r.status)))
    const all = call.engine
      .runsOf(ws.id)
      .filter(r => (ops.length ? ops.includes(operationOf(r)) : !r.planOnly))
      .filter(r => !statuses.length || statuses.includes(r.status))
      .filter(r => !sources.length || sources.includes(r.source))
      .filter(r => !groups.length || inGroup(r))
      // search[commit] matches the commit of the run's VCS ingress attributes.
      .filter(r => !commit || r.commitSha === commit)
      .reverse()
    const { page, size } = pageOf(call.query)
    const doc = listDocument(
      all.map(r => runDoc(call.engine, r)),
      page,
      size
    )
    const shown = new Set(doc.data.map(r => r.id))
    const { included, error } = runIncluded(
      call,
      all.filter(r => shown.has(r.id))
    )
    if (error) return error
    return [200, included.length ? { ...doc, included } : doc]
  })
]
