/**
 * Workspaces over HTTP: created (API-driven, no configuration yet), listed by organization, read
 * by organization and name or by id, locked and unlocked, and deleted (safe or force); and the
 * workspace document the other resources include. The workspace itself lives in the engine.
 */
import { bodyAttributes, errorDocument, listDocument, workspaceResource, type Resource } from '../documents.ts'
import type { RunEngine } from '../engine/engine.ts'
import { StandInUserId, type StandInWorkspace, type WorkspaceSpec } from '../engine/model.ts'
import { route, type Answer, type Route } from '../router.ts'
import { malformed, notFound, pageOf, visibleWorkspace, type ApiCall } from './call.ts'

export function workspaceDoc(engine: RunEngine, ws: StandInWorkspace): Resource {
  return workspaceResource({
    id: ws.id,
    name: ws.name,
    organization: ws.organization,
    autoApply: ws.spec.autoApply ?? false,
    autoApplyRunTrigger: ws.spec.autoApplyRunTrigger ?? false,
    vcsRepo: ws.spec.vcsRepo ? { identifier: ws.spec.vcsRepo.identifier, branch: ws.spec.vcsRepo.branch ?? 'main' } : null,
    locked: Boolean(ws.currentRunId || ws.manualLock),
    lockedReason: ws.manualLock?.reason ?? null,
    lockedBy: ws.manualLock ? { id: ws.manualLock.by, type: 'users' } : ws.currentRunId ? { id: ws.currentRunId, type: 'runs' } : null,
    currentRunId: ws.currentRunId ?? null,
    executionMode: ws.spec.executionMode ?? 'remote',
    resourceCount: ws.resources,
    planDurationAverageMs: ws.spec.reportedAverages?.planMs ?? ws.timings.planMs,
    applyDurationAverageMs: ws.spec.reportedAverages?.applyMs ?? ws.timings.applyMs,
    canQueueApply: ws.spec.canQueueApply ?? true,
    canReadStateOutputs: ws.spec.canReadStateOutputs ?? true,
    workingDirectory: ws.spec.workingDirectory ?? null,
    currentStateVersionId: ws.stateVersion?.id ?? null,
    currentConfigurationVersionId:
      [...engine.configurationVersions.values()].filter(v => v.workspaceId === ws.id && v.status === 'uploaded' && !v.speculative).pop()
        ?.id ?? null,
    latestRunId:
      engine
        .runsOf(ws.id)
        .filter(r => !r.planOnly)
        .pop()?.id ?? null,
    outputIds: Object.values(ws.outputIds),
    updatedAt: ws.updatedAt
  })
}

const unprocessable = (detail: string): Answer => [422, errorDocument(422, 'unprocessable entity', detail)]

/**
 * POST /organizations/:org/workspaces (workspaces.mdx "Create a Workspace"): a workspace of its
 * own with no configuration version, as an API-driven workspace starts; 201 with its document.
 * Of the body's attributes the stand-in keeps those it models: auto-apply, execution-mode and
 * working-directory.
 */
function createWorkspace(org: string, call: ApiCall): Answer {
  if (!call.canSee(org)) return notFound()
  let doc: { data?: { type?: unknown; attributes?: Record<string, unknown> } }
  try {
    doc = JSON.parse(call.text || '{}') as typeof doc
  } catch {
    return malformed()
  }
  if (doc.data?.type !== 'workspaces') return unprocessable('Type must be workspaces')
  const a = doc.data.attributes ?? {}
  const name = a.name
  // Names may only hold letters, digits, - and _ (workspaces.mdx), and are unique in the organization.
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,90}$/.test(name)) return unprocessable('Name is invalid')
  if (call.engine.workspaceByName(name, org)) return unprocessable('Name has already been taken')
  const mode = a['execution-mode']
  if (mode !== undefined && mode !== 'remote' && mode !== 'local' && mode !== 'agent') return unprocessable('Execution mode is invalid')
  const spec: WorkspaceSpec = { name, organization: org, hasConfiguration: false }
  if (typeof a['auto-apply'] === 'boolean') spec.autoApply = a['auto-apply']
  if (mode !== undefined) spec.executionMode = mode
  if (typeof a['working-directory'] === 'string' && a['working-directory']) spec.workingDirectory = a['working-directory']
  return [201, { data: workspaceDoc(call.engine, call.engine.addWorkspace(spec)) }]
}

/** The workspace is gone with its runs (their timers stopped) and configuration versions. */
function removeWorkspace(engine: RunEngine, ws: StandInWorkspace): void {
  for (const run of engine.runsOf(ws.id)) {
    run.timers.forEach(clearTimeout)
    run.timers = []
    engine.runs.delete(run.id)
  }
  for (const [id, cv] of engine.configurationVersions) if (cv.workspaceId === ws.id) engine.configurationVersions.delete(id)
  engine.workspaces.delete(ws.id)
}

export const WorkspaceRoutes: Route<ApiCall>[] = [
  route('POST', '/api/v2/organizations/:org/workspaces', ({ org }, call) => createWorkspace(decodeURIComponent(org), call)),
  // search[name] is a fuzzy match on the service; a substring match here.
  route('GET', '/api/v2/organizations/:org/workspaces', ({ org }, call) => {
    const organization = decodeURIComponent(org)
    if (!call.canSee(organization)) return notFound()
    const search = call.query.get('search[name]') ?? ''
    const all = [...call.engine.workspaces.values()].filter(w => w.organization === organization && w.name.includes(search))
    const { page, size } = pageOf(call.query)
    return [
      200,
      listDocument(
        all.map(w => workspaceDoc(call.engine, w)),
        page,
        size
      )
    ]
  }),
  route('GET', '/api/v2/organizations/:org/workspaces/:name', ({ org, name }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaceByName(decodeURIComponent(name), decodeURIComponent(org)))
    return ws ? [200, { data: workspaceDoc(call.engine, ws) }] : notFound()
  }),
  route('GET', '/api/v2/workspaces/:id', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    return ws ? [200, { data: workspaceDoc(call.engine, ws) }] : notFound()
  }),
  // Force-unlock answers as unlock does: the stand-in's tokens may do either.
  route('POST', '/api/v2/workspaces/:id/actions/:action(lock|unlock|force-unlock)', ({ id, action }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws) return notFound()
    if (action === 'lock') {
      if (ws.manualLock || ws.currentRunId)
        return [409, errorDocument(409, 'conflict', 'Unable to lock workspace. The workspace is already locked.')]
      const a = bodyAttributes(call.text)
      if (!a) return malformed()
      call.engine.lock(ws.id, StandInUserId, typeof a.reason === 'string' ? a.reason : '')
    } else {
      if (!ws.manualLock) return [409, errorDocument(409, 'conflict', 'Unable to unlock workspace. The workspace is not locked.')]
      call.engine.unlock(ws.id)
    }
    return [200, { data: workspaceDoc(call.engine, ws) }]
  }),
  // Force delete (workspaces.mdx "Force Delete a workspace"): 204, whatever the workspace manages.
  route('DELETE', '/api/v2/workspaces/:id', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws) return notFound()
    removeWorkspace(call.engine, ws)
    return [204, undefined]
  }),
  // Safe delete: 204, or 409 while the workspace's state still holds resources.
  route('POST', '/api/v2/workspaces/:id/actions/safe-delete', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws) return notFound()
    if (ws.resources > 0 || ws.stateAddresses.length > 0) {
      return [409, errorDocument(409, 'conflict', 'Workspace is not safe to delete because it is managing resources.')]
    }
    removeWorkspace(call.engine, ws)
    return [204, undefined]
  })
]
