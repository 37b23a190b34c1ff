/**
 * An organization's workspaces, every page within a bound (GET /organizations/:org/workspaces):
 * their IDs and names only, for walking an estate. Reading one workspace is workspaces.ts.
 */
import type { TfeClient } from './client.js'
import { record, seg } from './documents.js'

export interface WorkspaceName {
  id: string
  name: string
}

/** 50 pages of 100: an organization larger than that is not read whole (complete is false). */
export const MaxWorkspacePages = 50

export async function listWorkspaceNames(
  client: TfeClient,
  organization: string,
  signal?: AbortSignal,
  maxPages = MaxWorkspacePages
): Promise<{ items: WorkspaceName[]; complete: boolean }> {
  const items: WorkspaceName[] = []
  const seen = new Set<string>()
  for (let page = 1; page <= maxPages; page++) {
    const list = record(
      await client.get(`/api/v2/organizations/${seg(organization)}/workspaces?page%5Bnumber%5D=${page}&page%5Bsize%5D=100`, signal)
    )
    const data: unknown = list.data
    for (const entry of Array.isArray(data) ? data : []) {
      const r = record(entry)
      const name = record(r.attributes).name
      if (typeof r.id !== 'string' || typeof name !== 'string' || seen.has(r.id)) continue
      seen.add(r.id)
      items.push({ id: r.id, name })
    }
    const next = record(record(list.meta).pagination)['next-page']
    if (typeof next !== 'number' || next <= page) return { items, complete: true }
  }
  return { items, complete: false }
}
