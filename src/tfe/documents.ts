/** What every resource module shares to read a JSON:API document: its attributes, its relationships, a path segment. */
import type { Resource } from './client.js'
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
