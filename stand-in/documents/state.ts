/**
 * State version and state version output documents (state-versions.mdx,
 * state-version-outputs.mdx, go-tfe state_version.go).
 */
import type { Resource } from './common.ts'

/** A state version resource (state-versions.mdx, go-tfe state_version.go); `resources-processed` is false while the service extracts outputs. */
export function stateVersionResource(f: {
  id: string
  serial: number
  resourcesProcessed: boolean
  createdAt?: string
  outputIds?: string[]
  /** The run whose apply made it; none for a state pushed or seeded outside a run. */
  runId?: string
  /** Signed archivist URLs of the raw state and of its `terraform show -json` form. */
  downloadUrl?: string
  jsonDownloadUrl?: string
  /** Bytes of the raw state. */
  size?: number
  terraformVersion?: string
  /** What go-tfe's StateVersionResources decodes: one entry per resource block, with its instance count. */
  resources?: { name: string; type: string; count: number; module: string; provider: string }[]
}): Resource {
  return {
    id: f.id,
    type: 'state-versions',
    attributes: {
      'created-at': f.createdAt ?? '2026-11-23T07:00:00.000Z',
      serial: f.serial,
      'resources-processed': f.resourcesProcessed,
      status: 'finalized',
      'state-version': 4,
      'terraform-version': f.terraformVersion ?? '1.9.5',
      size: f.size ?? 0,
      'hosted-state-download-url': f.downloadUrl ?? null,
      'hosted-json-state-download-url': f.jsonDownloadUrl ?? null,
      'hosted-state-upload-url': null,
      'hosted-json-state-upload-url': null,
      'vcs-commit-sha': null,
      'vcs-commit-url': null,
      // Filled in once processed, as on the service.
      ...(f.resourcesProcessed
        ? { resources: f.resources ?? [], 'billable-rum-count': (f.resources ?? []).reduce((n, r) => n + r.count, 0) }
        : {})
    },
    relationships: {
      run: { data: f.runId ? { id: f.runId, type: 'runs' } : null },
      'created-by': { data: { id: 'user-StandInPerson0001', type: 'users' } },
      outputs: { data: (f.outputIds ?? []).map(id => ({ id, type: 'state-version-outputs' })) }
    },
    links: { self: `/api/v2/state-versions/${f.id}` }
  }
}

/** A state version output; `value` is null when sensitive (state-version-outputs.mdx). */
export function outputResource(id: string, name: string, value: unknown, sensitive: boolean): Resource {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'object' ? 'object' : typeof value
  const detailed = Array.isArray(value) ? ['tuple', value.map(v => typeof v)] : type
  return {
    id,
    type: 'state-version-outputs',
    attributes: { name, sensitive, type, value: sensitive ? null : value, 'detailed-type': detailed },
    links: { self: `/api/v2/state-version-outputs/${id}` }
  }
}
