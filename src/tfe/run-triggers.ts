/**
 * Run triggers: a workspace's inbound or outbound run triggers (every page, bounded) and creating
 * one (run-triggers.mdx, go-tfe run_trigger.go). Not the runs a trigger queued: runs.ts lists those.
 */
import type { TfeClient } from './client.js'
import { documentOf, record, relationId, resourceOf, seg } from './documents.js'

/** inbound: triggers that queue runs on this workspace; outbound: triggers this workspace's applies fire. */
export type RunTriggerDirection = 'inbound' | 'outbound'

export interface RunTrigger {
  id: string
  /** The workspace the trigger queues runs on (downstream: the trigger's own workspace). */
  workspaceId: string
  workspaceName: string
  /** The workspace whose successful applies fire the trigger (upstream: the "sourceable"). */
  sourceableId: string
  sourceableName: string
  createdAt: string | undefined
}

export interface RunTriggerList {
  items: RunTrigger[]
  /** False when the list had more pages than the bound (or a page went backwards): items is then a prefix. */
  complete: boolean
  /** Entries left out because they did not have a run trigger's shape (no id, no workspace or sourceable). */
  skipped: number
}

/**
 * A workspace has at most 20 inbound sources (run-triggers.mdx), but nothing bounds how many
 * workspaces one source fans out to; 10 pages of 100 is far past any estate we know of, and a
 * hostile `next-page` that never ends stops here instead of looping.
 */
export const MaxRunTriggerPages = 10
const PageSize = 100

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/** The run trigger in a resource, or undefined when the resource is not one (a hostile or broken list entry). */
export function toRunTrigger(resource: unknown): RunTrigger | undefined {
  const r = record(resource)
  if (typeof r.id !== 'string' || !r.id) return undefined
  const res = resourceOf(r.id, r)
  const workspace = relationId(res, 'workspace')
  const sourceable = relationId(res, 'sourceable')
  if (!workspace?.id || typeof workspace.id !== 'string' || !sourceable?.id || typeof sourceable.id !== 'string') return undefined
  const a = res.attributes
  return {
    id: r.id,
    workspaceId: workspace.id,
    workspaceName: str(a['workspace-name']) || workspace.id,
    sourceableId: sourceable.id,
    sourceableName: str(a['sourceable-name']) || sourceable.id,
    createdAt: str(a['created-at']) || undefined
  }
}

/** GET /workspaces/:id/run-triggers?filter[run-trigger][type]=…: the filter is required by the API. */
export async function listRunTriggers(
  client: TfeClient,
  workspaceId: string,
  direction: RunTriggerDirection,
  signal?: AbortSignal,
  maxPages = MaxRunTriggerPages
): Promise<RunTriggerList> {
  const items: RunTrigger[] = []
  const seen = new Set<string>()
  let skipped = 0
  for (let page = 1; page <= maxPages; page++) {
    // Read as it comes, not through listDocumentOf: entries without a trigger's shape are counted in `skipped`.
    const list = record(
      await client.get(
        `/api/v2/workspaces/${seg(workspaceId)}/run-triggers?filter%5Brun-trigger%5D%5Btype%5D=${direction}` +
          `&page%5Bnumber%5D=${page}&page%5Bsize%5D=${PageSize}`,
        signal
      )
    )
    const data: unknown[] = Array.isArray(list.data) ? list.data : []
    for (const entry of data) {
      const trigger = toRunTrigger(entry)
      if (!trigger) skipped++
      else if (!seen.has(trigger.id)) {
        seen.add(trigger.id)
        items.push(trigger)
      }
    }
    const next = record(record(list.meta).pagination)['next-page']
    if (typeof next !== 'number' || next <= page) return { items, complete: true, skipped }
  }
  return { items, complete: false, skipped }
}

/** POST /workspaces/:id/run-triggers: `workspaceId` (downstream) gets a run after each successful apply of `sourceableId`. */
export async function createRunTrigger(
  client: TfeClient,
  workspaceId: string,
  sourceableId: string,
  signal?: AbortSignal
): Promise<RunTrigger> {
  const body = { data: { type: 'run-triggers', relationships: { sourceable: { data: { type: 'workspaces', id: sourceableId } } } } }
  // Not re-sent after a lost answer: a re-send of a create that did land is refused (422, the pair
  // exists), which would read as a failure. A caller that must know lists the inbound triggers.
  const path = `/api/v2/workspaces/${seg(workspaceId)}/run-triggers`
  const { status, body: doc } = await client.request('POST', path, { idempotent: false, body, signal })
  const trigger = toRunTrigger(documentOf(doc, { method: 'POST', path, status }).data)
  if (!trigger) throw new Error(`The run trigger created on workspace ${workspaceId} came back without its workspace or sourceable.`)
  return trigger
}
