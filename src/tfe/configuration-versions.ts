/** Configuration versions: create one (not idempotent: a lost answer leaves an unused version), read one. */
import type { Document, TfeClient } from './client.js'
import { documentOf, getDocument, seg } from './documents.js'

export interface ConfigurationVersion {
  id: string
  status: string
  uploadUrl: string
  errorMessage: string | undefined
}

function toConfigurationVersion(doc: Document): ConfigurationVersion {
  const a = doc.data.attributes
  return {
    id: doc.data.id,
    status: String(a.status ?? ''),
    uploadUrl: typeof a['upload-url'] === 'string' ? a['upload-url'] : '',
    errorMessage: typeof a['error-message'] === 'string' && a['error-message'] ? a['error-message'] : undefined
  }
}

export interface CreateConfigurationVersionOptions {
  speculative: boolean
  provisional: boolean
}

export async function createConfigurationVersion(
  client: TfeClient,
  workspaceId: string,
  options: CreateConfigurationVersionOptions,
  signal?: AbortSignal
): Promise<ConfigurationVersion> {
  const body = {
    data: {
      type: 'configuration-versions',
      attributes: {
        'auto-queue-runs': false,
        speculative: options.speculative,
        ...(options.provisional ? { provisional: true } : {})
      }
    }
  }
  const path = `/api/v2/workspaces/${seg(workspaceId)}/configuration-versions`
  const { status, body: doc } = await client.request('POST', path, { idempotent: false, body, signal })
  return toConfigurationVersion(documentOf(doc, { method: 'POST', path, status }))
}

export async function getConfigurationVersion(client: TfeClient, id: string, signal?: AbortSignal): Promise<ConfigurationVersion> {
  return toConfigurationVersion(await getDocument(client, `/api/v2/configuration-versions/${seg(id)}`, signal))
}
