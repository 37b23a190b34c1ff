/**
 * What every API handler gets: the engine, the request's query, body and token, and what that
 * token may see. Also the answers and helpers the handler modules share. No routes here.
 */
import { errorDocument, type Resource } from '../documents.ts'
import type { RunEngine } from '../engine/engine.ts'
import { StandInUserId, type StandInRun, type StandInWorkspace } from '../engine/model.ts'
import type { Answer } from '../router.ts'

export interface ApiCall {
  engine: RunEngine
  query: URLSearchParams
  /** The request body as text ('' when there was none). */
  text: string
  token: string | undefined
  /** Origin of the log host: log, state and upload URLs point there. */
  archivistUrl: string
  /** Whether the request's token may see this organization. */
  canSee: (organization: string) => boolean
}

export const notFound = (): Answer => [404, errorDocument(404, 'not found')]

export const malformed = (): Answer => [422, errorDocument(422, 'unprocessable entity', 'Malformed JSON body')]

/** The workspace, when there is one and the token may see it; a hidden one answers as a missing one. */
export function visibleWorkspace(call: ApiCall, ws: StandInWorkspace | undefined): StandInWorkspace | undefined {
  return ws && call.canSee(ws.organization) ? ws : undefined
}

export function visibleRun(call: ApiCall, id: string): StandInRun | undefined {
  const run = call.engine.runs.get(id)
  return run && visibleWorkspace(call, call.engine.workspaces.get(run.workspaceId)) ? run : undefined
}

/** The person behind the stand-in's tokens, for `include=created_by`. */
export function standInUser(): Resource {
  return { id: StandInUserId, type: 'users', attributes: { username: 'stand-in', 'is-service-account': false } }
}

/** `page[number]` and `page[size]` as the service reads them: size at most 100, default 20. */
export function pageOf(query: URLSearchParams): { page: number; size: number } {
  const size = Math.min(100, Number(query.get('page[size]') ?? 20) || 20)
  const page = Math.max(1, Number(query.get('page[number]') ?? 1) || 1)
  return { page, size }
}

/** The names of a comma-separated query parameter such as `include`. */
export function listParam(query: URLSearchParams, name: string): string[] {
  return (query.get(name) ?? '').split(',').filter(Boolean)
}
