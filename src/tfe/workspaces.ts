/** Workspaces: the workspace document as the action reads it (permissions, lock, averages), read by name or ID. */
import type { Resource, TfeClient } from './client.js'
import { bool, getDocument, positive, record, relationId, seg } from './documents.js'

export interface Workspace {
  id: string
  name: string
  organization: string
  locked: boolean
  lockedReason: string | undefined
  /** `runs/…` when a run holds the lock, `users/…` or `teams/…` when a person does. */
  lockedBy: { id: string; type: string } | undefined
  currentRunId: string | undefined
  executionMode: string | undefined
  /** Where Terraform runs inside the configuration (`working-directory`), when set. */
  workingDirectory: string | undefined
  /** Whether a VCS repository is connected (`vcs-repo`); undefined when the document does not say. */
  vcsConnected: boolean | undefined
  canQueueRun: boolean | undefined
  canQueueApply: boolean | undefined
  canReadStateOutputs: boolean | undefined
  /** Average plan and apply durations in ms, when the workspace has a history. */
  planDurationAverageMs: number | undefined
  applyDurationAverageMs: number | undefined
}

function toWorkspace(resource: Resource): Workspace {
  const a = resource.attributes
  const permissions = record(a.permissions)
  return {
    id: resource.id,
    name: String(a.name ?? resource.id),
    organization: relationId(resource, 'organization')?.id ?? '',
    locked: a.locked === true,
    lockedReason: typeof a['locked-reason'] === 'string' && a['locked-reason'] ? a['locked-reason'] : undefined,
    lockedBy: relationId(resource, 'locked-by'),
    currentRunId: relationId(resource, 'current-run')?.id,
    executionMode: typeof a['execution-mode'] === 'string' ? a['execution-mode'] : undefined,
    workingDirectory: typeof a['working-directory'] === 'string' && a['working-directory'] ? a['working-directory'] : undefined,
    vcsConnected: a['vcs-repo'] === null ? false : typeof a['vcs-repo'] === 'object' ? true : undefined,
    canQueueRun: bool(permissions['can-queue-run']),
    canQueueApply: bool(permissions['can-queue-apply']),
    canReadStateOutputs: bool(permissions['can-read-state-outputs']),
    planDurationAverageMs: positive(a['plan-duration-average']),
    applyDurationAverageMs: positive(a['apply-duration-average'])
  }
}

export async function getWorkspaceByName(client: TfeClient, organization: string, name: string, signal?: AbortSignal): Promise<Workspace> {
  return toWorkspace((await getDocument(client, `/api/v2/organizations/${seg(organization)}/workspaces/${seg(name)}`, signal)).data)
}

export async function getWorkspaceById(client: TfeClient, id: string, signal?: AbortSignal): Promise<Workspace> {
  return toWorkspace((await getDocument(client, `/api/v2/workspaces/${seg(id)}`, signal)).data)
}
