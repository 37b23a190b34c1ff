/** State versions: the workspace's current state version and its outputs, every page. */
import type { Resource, TfeClient } from './client.js'
import { documentOf, listDocumentOf, seg } from './documents.js'

export interface StateVersion {
  id: string
  /** False while HCP Terraform still extracts resources and outputs from a new state. */
  resourcesProcessed: boolean
  /**
   * Its non-sensitive outputs, when the answer included every one its relationships name (read with
   * `include=outputs`, in the same answer that says they are processed); undefined otherwise, and
   * the outputs endpoint says.
   */
  outputs: Record<string, unknown> | undefined
}

/**
 * The workspace's current state version, with its outputs included (go-tfe's `SVoutputs`, as
 * HashiCorp's own actions read them): one request instead of two once the state is processed.
 * Undefined on 404 (no state, or no permission to read state versions).
 */
export async function getCurrentStateVersion(
  client: TfeClient,
  workspaceId: string,
  signal?: AbortSignal,
  news = false
): Promise<StateVersion | undefined> {
  const path = `/api/v2/workspaces/${seg(workspaceId)}/current-state-version?include=outputs`
  const { status, body } = await client.request('GET', path, { idempotent: true, signal, accept: [404], news })
  if (status === 404) return undefined
  const { data, included } = documentOf(body, { method: 'GET', path, status })
  const resourcesProcessed = data.attributes['resources-processed'] !== false
  return { id: data.id, resourcesProcessed, outputs: resourcesProcessed ? includedOutputs(data, included) : undefined }
}

/**
 * The outputs an answer included, only when it named some and included each one it named: a server
 * that leaves them out (or some), or names none (a state without outputs, or relationships not
 * filled in), is read through the outputs endpoint instead; `workspace_outputs` is never a guess.
 */
function includedOutputs(version: Resource, included: readonly Resource[] | undefined): Record<string, unknown> | undefined {
  const named = version.relationships?.outputs?.data
  if (!Array.isArray(named) || !named.length) return undefined
  const byId = new Map((included ?? []).filter(r => r.type === 'state-version-outputs').map(r => [r.id, r]))
  const outputs: Record<string, unknown> = {}
  for (const ref of named) {
    const a = byId.get(ref.id)?.attributes
    if (!a || typeof a.name !== 'string' || typeof a.sensitive !== 'boolean') return undefined
    if (!a.sensitive) outputs[a.name] = a.value
  }
  return outputs
}

/**
 * Non-sensitive outputs of the current state version, every page; sensitive ones are left out
 * entirely. Undefined on 404 (no state yet, or the token may not read the workspace's outputs).
 * A 503 (outputs still being processed) is an ApiError the caller may wait out.
 */
export async function getWorkspaceOutputs(
  client: TfeClient,
  workspaceId: string,
  signal?: AbortSignal,
  news = false
): Promise<Record<string, unknown> | undefined> {
  const outputs: Record<string, unknown> = {}
  for (let page = 1; ; page++) {
    const path = `/api/v2/workspaces/${seg(workspaceId)}/current-state-version-outputs?page%5Bnumber%5D=${page}&page%5Bsize%5D=100`
    const { status, body: json } = await client.request('GET', path, { idempotent: true, signal, accept: [404], news })
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
