/**
 * Run triggers over HTTP (run-triggers.mdx): listed inbound or outbound per workspace, created on
 * the downstream workspace, read and deleted by id. Their rules and the runs they queue are the
 * engine's (engine/run-triggers.ts).
 */
import { errorDocument, listDocument, runTriggerResource, type Resource } from '../documents.ts'
import type { RunEngine } from '../engine/engine.ts'
import type { StandInRunTrigger } from '../engine/run-triggers.ts'
import { route, type Answer, type Route } from '../router.ts'
import { listParam, notFound, pageOf, visibleWorkspace, type ApiCall } from './call.ts'
import { workspaceDoc } from './workspaces.ts'

export function runTriggerDoc(engine: RunEngine, t: StandInRunTrigger): Resource {
  const name = (id: string): string => engine.workspaces.get(id)?.name ?? id
  return runTriggerResource({
    id: t.id,
    workspace: { id: t.workspaceId, name: name(t.workspaceId) },
    sourceable: { id: t.sourceableId, name: name(t.sourceableId) },
    createdAt: t.createdAt
  })
}

/** The trigger, when the token may see its downstream workspace (a hidden one answers as a missing one). */
function visibleTrigger(call: ApiCall, id: string): StandInRunTrigger | undefined {
  const t = call.engine.runTriggers.all.get(id)
  return t && visibleWorkspace(call, call.engine.workspaces.get(t.workspaceId)) ? t : undefined
}

function list(id: string, call: ApiCall): Answer {
  const { engine } = call
  const ws = visibleWorkspace(call, engine.workspaces.get(id))
  if (!ws) return notFound()
  const type = call.query.get('filter[run-trigger][type]')
  if (type !== 'inbound' && type !== 'outbound') {
    return [400, errorDocument(400, 'bad request', 'filter[run-trigger][type] is required and must be inbound or outbound')]
  }
  const include = listParam(call.query, 'include')
  const bad = include.find(i => i !== 'workspace' && i !== 'sourceable')
  if (bad) return [400, errorDocument(400, 'invalid include parameter', `Invalid include parameter: ${bad}`)]
  const triggers = type === 'inbound' ? engine.runTriggers.inbound(ws.id) : engine.runTriggers.outbound(ws.id)
  const { page, size } = pageOf(call.query)
  const doc = listDocument(
    triggers.map(t => runTriggerDoc(engine, t)),
    page,
    size
  )
  // go-tfe: "the platform will not return any include data" for outbound triggers.
  if (type === 'outbound' || !include.length) return [200, doc]
  const included = new Map<string, Resource>()
  for (const t of triggers.filter(x => doc.data.some(d => d.id === x.id))) {
    for (const [name, wsId] of [
      ['workspace', t.workspaceId],
      ['sourceable', t.sourceableId]
    ] as const) {
      const other = engine.workspaces.get(wsId)
      if (include.includes(name) && other) included.set(other.id, workspaceDoc(engine, other))
    }
  }
  return [200, { ...doc, included: [...included.values()] }]
}

function create(id: string, call: ApiCall): Answer {
  const { engine } = call
  const ws = visibleWorkspace(call, engine.workspaces.get(id))
  if (!ws) return notFound()
  let body: unknown
  try {
    body = JSON.parse(call.text || 'null')
  } catch {
    return [422, errorDocument(422, 'unprocessable entity', 'Malformed JSON body')]
  }
  const data = (body as { data?: { type?: unknown; relationships?: { sourceable?: { data?: { id?: unknown; type?: unknown } } } } } | null)
    ?.data
  const sourceable = data?.relationships?.sourceable?.data
  if (data?.type !== 'run-triggers' || typeof sourceable?.id !== 'string' || sourceable.type !== 'workspaces') {
    return [422, errorDocument(422, 'unprocessable entity', 'data.relationships.sourceable.data must name a workspace')]
  }
  const source = visibleWorkspace(call, engine.workspaces.get(sourceable.id))
  const made = engine.runTriggers.create(ws.id, source?.id ?? sourceable.id, engine.workspaces)
  if ('status' in made) return [made.status, errorDocument(made.status, made.title, made.detail)]
  return [201, { data: runTriggerDoc(engine, made) }]
}

export const RunTriggerRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/workspaces/:id/run-triggers', ({ id }, call) => list(id, call)),
  route('POST', '/api/v2/workspaces/:id/run-triggers', ({ id }, call) => create(id, call)),
  route('GET', '/api/v2/run-triggers/:id', ({ id }, call) => {
    const t = visibleTrigger(call, id)
    return t ? [200, { data: runTriggerDoc(call.engine, t) }] : notFound()
  }),
  route('DELETE', '/api/v2/run-triggers/:id', ({ id }, call) => {
    const t = visibleTrigger(call, id)
    if (!t) return notFound()
    call.engine.runTriggers.delete(t.id)
    return [204, undefined]
  })
]
