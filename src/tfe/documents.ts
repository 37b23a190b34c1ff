/** What every resource module shares to read a JSON:API document: its attributes, its relationships, a path segment. */
import type { Resource } from './client.js'

export type Attributes = Record<string, unknown>

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

export { record } from '../common/json.js'
