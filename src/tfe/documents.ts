/**
 * What every resource module shares to read a JSON:API document: the document itself checked and
 * normalised (documentOf, listDocumentOf), its attributes, its relationships, a path segment.
 */
import type { Document, ListDocument, Resource, TfeClient } from './client.js'
import type { NewsSource } from './urgency.js'
import { ApiError } from '../common/errors.js'
import { isRecord, record } from '../common/json.js'

export type Attributes = Record<string, unknown>

type Relationships = NonNullable<Resource['relationships']>
type Related = { id: string; type: string }

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/** One relationship's `data` from outside JSON: a reference keeps its id only when that is a string. */
function relatedOf(value: unknown): Related | undefined {
  return isRecord(value) && typeof value.id === 'string' ? { id: value.id, type: str(value.type) } : undefined
}

/** Relationships read from outside JSON (a list entry), in the shape relationId reads; malformed references are left out. */
export function relationshipsOf(value: unknown): Relationships {
  const out: Relationships = {}
  for (const [name, rel] of Object.entries(record(value))) {
    const data = record(rel).data
    if (data === null) out[name] = { data: null }
    else if (Array.isArray(data)) out[name] = { data: data.map(relatedOf).filter((d): d is Related => d !== undefined) }
    else out[name] = { data: relatedOf(data) }
  }
  return out
}

/** A resource read from outside JSON by its id: type, attributes and relationships normalised, so reading it cannot throw. */
export function resourceOf(id: string, value: Record<string, unknown>): Resource {
  return { id, type: str(value.type), attributes: record(value.attributes), relationships: relationshipsOf(value.relationships) }
}

/** Where a body came from, for the error that names it. */
export interface BodyOrigin {
  method: string
  path: string
  status: number
}

/** A resource is an object with a string id; anything else in a list or `included` is left out. */
function resourcesOf(value: unknown): Resource[] {
  const out: Resource[] = []
  for (const entry of Array.isArray(value) ? value : []) {
    if (isRecord(entry) && typeof entry.id === 'string') out.push(resourceOf(entry.id, entry))
  }
  return out
}

function notADocument(origin: BodyOrigin, why: string): ApiError {
  // Not transient: the same request gets the same answer. The 2xx status says the API took the
  // request (a create may have happened), unlike an error status.
  return new ApiError(
    `${origin.method} ${origin.path} answered ${origin.status} with a body that is not an HCP Terraform API document: ${why}.`,
    { ...origin, transient: false }
  )
}

function what(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * A single-resource document (`data` an object with a string id), normalised so that reading it
 * cannot throw: attributes and relationships as resourceOf gives them, `included` only its resources.
 * Throws an ApiError naming the request on any other body.
 */
export function documentOf(json: unknown, origin: BodyOrigin): Document {
  if (!isRecord(json)) throw notADocument(origin, `it is ${what(json)}`)
  const data = json.data
  if (!isRecord(data) || typeof data.id !== 'string') {
    throw notADocument(origin, isRecord(data) ? 'its "data" has no string "id"' : `its "data" is ${what(data)}, not a resource`)
  }
  return { data: resourceOf(data.id, data), included: resourcesOf(json.included) }
}

/**
 * A list document (`data` a list), normalised: entries that are not resources are left out, as are
 * such members of `included`; `meta.pagination.next-page` kept only as a number (or null). Throws
 * an ApiError naming the request on any other body.
 */
export function listDocumentOf(json: unknown, origin: BodyOrigin): ListDocument {
  if (!isRecord(json)) throw notADocument(origin, `it is ${what(json)}`)
  if (!Array.isArray(json.data)) throw notADocument(origin, `its "data" is ${what(json.data)}, not a list`)
  const next = record(record(json.meta).pagination)['next-page']
  return {
    data: resourcesOf(json.data),
    included: resourcesOf(json.included),
    meta: { pagination: { 'next-page': typeof next === 'number' || next === null ? next : undefined } }
  }
}

/** GET one resource's document (see documentOf). */
export async function getDocument(
  client: TfeClient,
  path: string,
  signal?: AbortSignal,
  news: boolean | NewsSource = false
): Promise<Document> {
  const { status, body } = await client.request('GET', path, { idempotent: true, signal, news })
  return documentOf(body, { method: 'GET', path, status })
}

/** GET a list document (see listDocumentOf). */
export async function getListDocument(client: TfeClient, path: string, signal?: AbortSignal): Promise<ListDocument> {
  const { status, body } = await client.request('GET', path, { idempotent: true, signal })
  return listDocumentOf(body, { method: 'GET', path, status })
}

export function relationId(resource: Resource, name: string): { id: string; type: string } | undefined {
  const data = resource.relationships?.[name]?.data
  return data && !Array.isArray(data) ? data : undefined
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined
}

export function positive(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined
}

export const seg = encodeURIComponent

export { record }
