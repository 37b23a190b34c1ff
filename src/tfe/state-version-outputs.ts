/**
 * A workspace's current state outputs with their sensitivity, every page (GET
 * /workspaces/:id/current-state-version-outputs). state-versions.ts reads only the non-sensitive
 * ones for workspace_outputs; this is for a step that must tell a sensitive output from a missing one.
 */
import type { TfeClient } from './client.js'
import { listDocumentOf, seg } from './documents.js'

export interface StateOutput {
  name: string
  sensitive: boolean
  /** Null for a sensitive output: the list never shows its value. */
  value: unknown
}

/** A state has tens of outputs; a list longer than this many pages is not an answer to trust. */
export const MaxOutputPages = 100

/** Undefined on 404 (no state yet, or the token may not read the workspace's outputs). */
export async function listCurrentOutputs(client: TfeClient, workspaceId: string, signal?: AbortSignal): Promise<StateOutput[] | undefined> {
  const outputs: StateOutput[] = []
  for (let page = 1; page <= MaxOutputPages; page++) {
    const path = `/api/v2/workspaces/${seg(workspaceId)}/current-state-version-outputs?page%5Bnumber%5D=${page}&page%5Bsize%5D=100`
    const { status, body: json } = await client.request('GET', path, { idempotent: true, signal, accept: [404] })
    if (status === 404) return undefined
    const body = listDocumentOf(json, { method: 'GET', path, status })
    for (const item of body.data) {
      const a = item.attributes
      if (typeof a.name !== 'string') continue
      outputs.push({ name: a.name, sensitive: a.sensitive !== false, value: a.sensitive === false ? a.value : null })
    }
    const next = body.meta?.pagination?.['next-page']
    if (!next || next <= page) return outputs
  }
  return outputs
}
