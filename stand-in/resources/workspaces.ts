/**
 * Workspaces over HTTP: read by organization and name or by id, locked and unlocked; and the
 * workspace document the other resources include. The workspace itself lives in the engine.
 */
import { bodyAttributes, errorDocument, workspaceResource, type Resource } from '../documents.ts'
import type { RunEngine } from '../engine/engine.ts'
import { StandInUserId, type StandInWorkspace } from '../engine/model.ts'
import { route, type Route } from '../router.ts'
import { malformed, notFound, visibleWorkspace, type ApiCall } from './call.ts'

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

export const WorkspaceRoutes: Route<ApiCall>[] = [
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
  })
]
