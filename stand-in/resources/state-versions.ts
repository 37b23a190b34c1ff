/**
 * State versions and their outputs over HTTP: a workspace's current state version and outputs,
 * any state version by id (with `include=outputs,run,created_by`) and its outputs, one output by
 * id. The states themselves, and their download bodies, are the engine's (engine/state-versions.ts).
 */
import { errorDocument, listDocument, outputResource, stateVersionResource, type Resource } from '../documents.ts'
import type { StandInWorkspace } from '../engine/model.ts'
import { providerOf, instanceOf, TerraformVersion, type StandInStateVersion, type StateVersions } from '../engine/state-versions.ts'
import { route, type Answer, type Route } from '../router.ts'
import { listParam, notFound, pageOf, standInUser, visibleRun, visibleWorkspace, type ApiCall } from './call.ts'
import { runDoc } from './runs.ts'

export function stateVersionDoc(versions: StateVersions, sv: StandInStateVersion, archivistUrl: string): Resource {
  const processed = performance.now() >= sv.processedAt
  const counts = new Map<string, { name: string; type: string; count: number; module: string; provider: string }>()
  for (const i of sv.addresses.map(instanceOf)) {
    const key = `${i.module}|${i.type}|${i.name}`
    const entry = counts.get(key) ?? { name: i.name, type: i.type, count: 0, module: i.module || 'root', provider: providerOf(i.type) }
    entry.count++
    counts.set(key, entry)
  }
  return stateVersionResource({
    id: sv.id,
    serial: sv.serial,
    resourcesProcessed: processed,
    createdAt: sv.createdAt,
    outputIds: Object.values(sv.outputIds),
    runId: sv.runId,
    downloadUrl: `${archivistUrl}/v1/state/${sv.token}`,
    jsonDownloadUrl: `${archivistUrl}/v1/state-json/${sv.token}`,
    size: Buffer.byteLength(versions.rawState(sv)),
    terraformVersion: TerraformVersion,
    resources: [...counts.values()]
  })
}

/** Output documents, by name, from the ids handed out with them (every output has one). */
function outputDocs(outputs: Record<string, { value: unknown; sensitive?: boolean }>, ids: Record<string, string>): Resource[] {
  return Object.entries(outputs).map(([name, o]) => outputResource(ids[name] as string, name, o.value, o.sensitive === true))
}

const stillProcessing = (): Answer => [
  503,
  errorDocument(503, 'Service Unavailable', 'The state version outputs are still being processed.')
]

/** The workspace whose state the token may read, or undefined (answered as not found). */
function readableWorkspace(call: ApiCall, id: string): StandInWorkspace | undefined {
  const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
  return ws && ws.spec.canReadStateOutputs !== false ? ws : undefined
}

export const StateVersionRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/state-versions/:id', ({ id }, call) => {
    const versions = call.engine.stateVersions
    const sv = versions.get(id)
    if (!sv || !readableWorkspace(call, sv.workspaceId)) return notFound()
    const include = listParam(call.query, 'include')
    const bad = include.find(i => !['outputs', 'run', 'created_by'].includes(i))
    if (bad) return [400, errorDocument(400, 'invalid include parameter', `Invalid include parameter: ${bad}`)]
    const included: Resource[] = []
    if (include.includes('outputs') && performance.now() >= sv.processedAt) included.push(...outputDocs(sv.outputs, sv.outputIds))
    const runOf = include.includes('run') && sv.runId ? visibleRun(call, sv.runId) : undefined
    if (runOf) included.push(runDoc(call.engine, runOf))
    if (include.includes('created_by')) included.push(standInUser())
    return [200, { data: stateVersionDoc(versions, sv, call.archivistUrl), ...(included.length ? { included } : {}) }]
  }),
  route('GET', '/api/v2/state-versions/:id/outputs', ({ id }, call) => {
    const sv = call.engine.stateVersions.get(id)
    if (!sv || !readableWorkspace(call, sv.workspaceId)) return notFound()
    if (performance.now() < sv.processedAt) return stillProcessing()
    const { page, size } = pageOf(call.query)
    return [200, listDocument(outputDocs(sv.outputs, sv.outputIds), page, size)]
  }),
  route('GET', '/api/v2/workspaces/:id/current-state-version', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws || !ws.stateVersion || ws.spec.canReadStateOutputs === false) return notFound()
    const sv = call.engine.stateVersions.get(ws.stateVersion.id)
    if (!sv) throw new Error(`stand-in: no state version for ${ws.id}`)
    const data = stateVersionDoc(call.engine.stateVersions, sv, call.archivistUrl)
    // include=outputs, as HashiCorp's own action reads them (once resources-processed is true).
    if ((call.query.get('include') ?? '').split(',').includes('outputs') && data.attributes['resources-processed'] === true) {
      return [200, { data, included: outputDocs(ws.outputs, ws.outputIds) }]
    }
    return [200, { data }]
  }),
  route('GET', '/api/v2/workspaces/:id/current-state-version-outputs', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws || !ws.stateVersion || ws.spec.canReadStateOutputs === false) return notFound()
    if (performance.now() < ws.stateVersion.processedAt) return stillProcessing()
    const { page, size } = pageOf(call.query)
    return [200, listDocument(outputDocs(ws.outputs, ws.outputIds), page, size)]
  }),
  route('GET', '/api/v2/state-version-outputs/:id', ({ id }, call) => {
    for (const ws of call.engine.workspaces.values()) {
      const name = Object.keys(ws.outputIds).find(n => ws.outputIds[n] === id)
      if (name === undefined || !visibleWorkspace(call, ws) || ws.spec.canReadStateOutputs === false) continue
      const o = ws.outputs[name]
      // This endpoint is the one that shows a sensitive value, to those allowed to read it.
      if (o) {
        const doc = outputResource(id, name, o.value, false)
        return [200, { data: { ...doc, attributes: { ...doc.attributes, sensitive: o.sensitive === true } } }]
      }
    }
    return notFound()
  })
]
