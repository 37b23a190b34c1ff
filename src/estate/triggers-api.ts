/**
 * Reads run triggers for the estate through the API (tfe/run-triggers.ts, tfe/workspace-list.ts):
 * an organization's triggers for `import`, and the estate's own workspaces' inbound triggers for
 * the check's warning. What is made of them is run-triggers.ts's.
 */
import type { TfeClient } from '../tfe/client.js'
import { listRunTriggers } from '../tfe/run-triggers.js'
import { getWorkspaceById, getWorkspaceByName } from '../tfe/workspaces.js'
import { listWorkspaceNames } from '../tfe/workspace-list.js'
import { errorMessage } from '../common/errors.js'
import type { Estate } from './model.js'
import type { TriggerEdge } from './run-triggers.js'

/** Requests in flight at once: well inside the API's 30 per second. */
const Parallel = 4

async function eachLimited<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length)
  // One iterator shared by the workers: each entry is taken by exactly one of them.
  const entries = items.entries()
  const worker = async (): Promise<void> => {
    for (const [i, item] of entries) out[i] = await fn(item)
  }
  await Promise.all(Array.from({ length: Math.min(Parallel, items.length) }, worker))
  return out
}

export interface ImportedTriggers {
  workspaces: string[]
  edges: TriggerEdge[]
  /** What could not be read whole, for the user to know the file may lack something. */
  notes: string[]
}

/** Every workspace of the organization and every run trigger between them (each read as an inbound trigger of its downstream). */
export async function organizationTriggers(client: TfeClient, organization: string, signal?: AbortSignal): Promise<ImportedTriggers> {
  const notes: string[] = []
  const list = await listWorkspaceNames(client, organization, signal)
  if (!list.complete)
    notes.push(`organization ${organization} has more workspaces than were read (${list.items.length}); the file may lack some`)
  const nameOf = new Map(list.items.map(w => [w.id, w.name]))
  const edges: TriggerEdge[] = []
  const lists = await eachLimited(list.items, async w => ({ ws: w, triggers: await listRunTriggers(client, w.id, 'inbound', signal) }))
  for (const { ws, triggers } of lists) {
    if (!triggers.complete) notes.push(`workspace ${ws.name} has more run triggers than were read`)
    for (const t of triggers.items) {
      const upstream = nameOf.get(t.sourceableId)
      if (upstream) edges.push({ upstream, downstream: ws.name })
      else notes.push(`workspace ${ws.name} is triggered by ${t.sourceableName}, which is not in the organization's list`)
    }
  }
  return { workspaces: list.items.map(w => w.name), edges, notes }
}

/** The inbound run triggers between the estate's workspaces, by estate key; a workspace that cannot be read is a note, not a failure. */
export async function estateTriggers(
  estate: Estate,
  clientFor: (hostname: string | undefined) => TfeClient,
  signal?: AbortSignal
): Promise<{ edges: TriggerEdge[]; notes: string[] }> {
  const notes: string[] = []
  const resolved = await eachLimited(estate.workspaces, async w => {
    const client = clientFor(w.settings.hostname)
    try {
      const { organization } = w.settings
      let ws
      if (w.id) ws = await getWorkspaceById(client, w.id, signal)
      // parse.ts gives a named workspace its organization.
      else if (organization && w.name) ws = await getWorkspaceByName(client, organization, w.name, signal)
      else throw new Error(`workspace '${w.key}' has neither an ID nor an organization and name`)
      return { key: w.key, id: ws.id, triggers: (await listRunTriggers(client, ws.id, 'inbound', signal)).items }
    } catch (err) {
      notes.push(`the run triggers of ${w.key} could not be read: ${errorMessage(err)}`)
      return undefined
    }
  })
  const keyOf = new Map(resolved.filter(r => r !== undefined).map(r => [r.id, r.key]))
  const edges: TriggerEdge[] = []
  for (const r of resolved) {
    for (const t of r?.triggers ?? []) {
      const upstream = keyOf.get(t.sourceableId)
      if (r && upstream) edges.push({ upstream, downstream: r.key })
    }
  }
  return { edges, notes }
}
