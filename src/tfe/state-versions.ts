/** State versions: the workspace's current state version and its outputs, every page. */
import type { Document, ListDocument, TfeClient } from './client.js'
import { seg } from './documents.js'

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
  const { status, body } = await client.request<Document>('GET', `/api/v2/workspaces/${seg(workspaceId)}/current-state-version`, {
    idempotent: true,
    signal,
    accept: [404]
  })
  if (status === 404) return undefined
  const a = body.data.attributes
  return { id: body.data.id, resourcesProcessed: a['resources-processed'] !== false }
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
    const { status, body } = await client.request<ListDocument>(
      'GET',
      `/api/v2/workspaces/${seg(workspaceId)}/current-state-version-outputs?page%5Bnumber%5D=${page}&page%5Bsize%5D=100`,
      { idempotent: true, signal, accept: [404] }
    )
    if (status === 404) return undefined
    for (const item of body.data) {
      const a = item.attributes
      if (a.sensitive === true) continue
      outputs[String(a.name)] = a.value
    }
    const next = body.meta?.pagination?.['next-page']
    if (!next || next <= page) return outputs
  }
}
