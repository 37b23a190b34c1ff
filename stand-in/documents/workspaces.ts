/**
 * The workspace document (workspaces.mdx, partials/api-code-blocks/workspace.mdx, and every
 * permission go-tfe decodes): built from the facts that vary, the rest filled as the service does.
 */
import type { Resource } from './common.ts'

export interface WorkspaceFacts {
  id: string
  name: string
  organization: string
  autoApply?: boolean
  /** Whether runs queued by a run trigger apply without a confirmation (off unless set). */
  autoApplyRunTrigger?: boolean
  /** The connected repository of a VCS-driven workspace. */
  vcsRepo?: { identifier: string; branch: string } | null
  locked?: boolean
  lockedReason?: string | null
  lockedBy?: { id: string; type: string } | null
  currentRunId?: string | null
  executionMode?: 'remote' | 'agent' | 'local'
  workingDirectory?: string | null
  resourceCount?: number
  planDurationAverageMs?: number
  applyDurationAverageMs?: number
  canQueueRun?: boolean
  canQueueApply?: boolean
  canReadStateOutputs?: boolean
  currentStateVersionId?: string | null
  currentConfigurationVersionId?: string | null
  latestRunId?: string | null
  outputIds?: string[]
  updatedAt?: string
}

/** A workspace resource (workspaces.mdx, partials/api-code-blocks/workspace.mdx). */
export function workspaceResource(f: WorkspaceFacts): Resource {
  const sv = f.currentStateVersionId ?? null
  return {
    id: f.id,
    type: 'workspaces',
    attributes: {
      name: f.name,
      'auto-apply': f.autoApply ?? false,
      'auto-apply-run-trigger': f.autoApplyRunTrigger ?? false,
      locked: f.locked ?? false,
      'locked-reason': f.lockedReason ?? null,
      'execution-mode': f.executionMode ?? 'remote',
      'working-directory': f.workingDirectory ?? null,
      operations: (f.executionMode ?? 'remote') !== 'local',
      'resource-count': f.resourceCount ?? 0,
      'plan-duration-average': f.planDurationAverageMs ?? null,
      'apply-duration-average': f.applyDurationAverageMs ?? null,
      source: 'tfe-api',
      'created-at': '2026-11-01T09:00:00.000Z',
      'updated-at': f.updatedAt ?? '2026-11-01T09:00:00.000Z',
      environment: 'default',
      'queue-all-runs': false,
      'terraform-version': '1.9.5',
      'vcs-repo': f.vcsRepo ? { identifier: f.vcsRepo.identifier, branch: f.vcsRepo.branch, 'ingress-submodules': false } : null,
      'allow-destroy-plan': true,
      'speculative-enabled': true,
      actions: { 'is-destroyable': true },
      // Every permission go-tfe's WorkspacePermissions decodes (a missing one reads as false), and the documented can-read-state-outputs.
      permissions: {
        'can-update': true,
        'can-destroy': true,
        'can-force-delete': true,
        'can-queue-run': f.canQueueRun ?? true,
        'can-queue-apply': f.canQueueApply ?? true,
        'can-queue-destroy': f.canQueueApply ?? true,
        'can-read-settings': true,
        'can-read-variable': true,
        'can-update-variable': true,
        'can-read-state-outputs': f.canReadStateOutputs ?? true,
        'can-read-state-versions': f.canReadStateOutputs ?? true,
        'can-lock': true,
        'can-unlock': true,
        'can-force-unlock': true,
        'can-manage-run-tasks': true,
        'can-manage-hyok': false
      }
    },
    relationships: {
      organization: { data: { id: f.organization, type: 'organizations' } },
      'current-run': f.currentRunId
        ? { data: { id: f.currentRunId, type: 'runs' }, links: { related: `/api/v2/runs/${f.currentRunId}` } }
        : { data: null },
      'current-state-version': sv
        ? { data: { id: sv, type: 'state-versions' }, links: { related: `/api/v2/workspaces/${f.id}/current-state-version` } }
        : { data: null },
      'current-configuration-version': f.currentConfigurationVersionId
        ? {
            data: { id: f.currentConfigurationVersionId, type: 'configuration-versions' },
            links: { related: `/api/v2/configuration-versions/${f.currentConfigurationVersionId}` }
          }
        : { data: null },
      'latest-run': f.latestRunId
        ? { data: { id: f.latestRunId, type: 'runs' }, links: { related: `/api/v2/runs/${f.latestRunId}` } }
        : { data: null },
      'locked-by': { data: f.lockedBy ?? null },
      outputs: {
        data: (f.outputIds ?? []).map(id => ({ id, type: 'workspace-outputs' })),
        links: { related: `/api/v2/workspaces/${f.id}/current-state-version-outputs` }
      }
    },
    links: {
      self: `/api/v2/organizations/${f.organization}/workspaces/${f.name}`,
      'self-html': `/app/${f.organization}/workspaces/${f.name}`
    }
  }
}
