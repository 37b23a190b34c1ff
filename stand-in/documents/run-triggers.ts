/**
 * The run trigger document (run-triggers.mdx, and the fields go-tfe's RunTrigger decodes): the
 * downstream workspace is the trigger's `workspace`, the upstream one its `sourceable`.
 */
import type { Resource } from './common.ts'

export interface RunTriggerFacts {
  id: string
  workspace: { id: string; name: string }
  sourceable: { id: string; name: string }
  createdAt?: string
}

/** A run trigger resource (run-triggers.mdx "Sample Response"). */
export function runTriggerResource(f: RunTriggerFacts): Resource {
  return {
    id: f.id,
    type: 'run-triggers',
    attributes: {
      'workspace-name': f.workspace.name,
      'sourceable-name': f.sourceable.name,
      'created-at': f.createdAt ?? '2026-11-01T09:00:00.000Z'
    },
    relationships: {
      workspace: { data: { id: f.workspace.id, type: 'workspaces' } },
      sourceable: { data: { id: f.sourceable.id, type: 'workspaces' } }
    },
    links: { self: `/api/v2/run-triggers/${f.id}` }
  }
}
