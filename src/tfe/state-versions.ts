/** State versions: the workspace's current state version and its outputs, every page. */
import type { TfeClient } from './client.js'
import { documentOf, listDocumentOf, seg } from './documents.js'

export interface StateVersion {
  id: string
  /** False while HCP Terraform still extracts resources and outputs from a new state. */
  resourcesProcessed: boolean
}

/** The workspace's current state version; undefined on 404 (no state, or no permission to read state versions). */
export async function getCurrentStateVersion(
  client: TfeClient,
  workspaceId: string,
  signal?: AbortSignal
): Promise<StateVersion | undefined> {
  const path = `/api/v2/workspaces/${seg(workspaceId)}/current-state-version`
  const { status, body } = await client.request('GET', path, { idempotent: true, signal, accept: [404] })
  if (status === 404) return undefined
  const { data } = documentOf(body, { method: 'GET', path, status })
  return { id: data.id, resourcesProcessed: data.attributes['resources-processed'] !== false }
}

/**
 * Non-sensitive outputs of the current state version, every page; sensitive ones are left out
 * entirely. Undefined on 404 (no state yet, or the token may not read the workspace's outputs).
 * A 503 (outputs still being processed) is an ApiError the caller may wait out.
 */
export async function getWorkspaceOutputs(
  client: TfeClient,
  workspaceId: string,
  signal?: AbortSignal
): Promise<Record<string, unknown> | undefined> {
  const outputs: Record<string, unknown> = {}
  for (let page = 1; ; page++) {
    const path = `/api/v2/workspaces/${seg(workspaceId)}/current-state-version-outputs?page%5Bnumber%5D=${page}&page%5Bsize%5D=100`
    const { status, body: json } = await client.request('GET', path, { idempotent: true, signal, accept: [404] })
    if (status === 404) return undefined
    const body = listDocumentOf(json, { method: 'GET', path, status })
    for (const item of body.data) {
      const a = item.attributes
      // An entry without a name is not an output (listDocumentOf keeps any resource with an id).
      if (a.sensitive === true || typeof a.name !== 'string') continue
      outputs[a.name] = a.value
    }
    const next = body.meta?.pagination?.['next-page']
    if (!next || next <= page) return outputs
  }
}
