import { AllRunOperations } from './constants.js'
import type { Document, ListDocument, Resource, TfeClient } from './api-client.js'
import type { RunVariable } from './inputs.js'
import type { RunFacts } from './decide.js'

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
  canQueueRun: boolean | undefined
  canQueueApply: boolean | undefined
  canReadStateOutputs: boolean | undefined
  /** Average plan and apply durations in ms, when the workspace has a history. */
  planDurationAverageMs: number | undefined
  applyDurationAverageMs: number | undefined
}

export interface StageCounts {
  id: string
  status: string
  /** The archivist URL of the stage's log (a secret; empty until the stage starts). */
  logReadUrl: string
  additions: number
  changes: number
  destructions: number
}

export interface Run {
  id: string
  status: string
  message: string
  hasChanges: boolean
  /** A save-plan run: it ends at planned_and_saved until someone confirms it. */
  savePlan: boolean
  /** A speculative plan: it can never be applied. */
  planOnly: boolean
  workspaceId: string | undefined
  isConfirmable: boolean
  isDiscardable: boolean
  isCancelable: boolean
  /** status-timestamps: when the run entered each status it went through (`confirmed-at`, `policy-checked-at`, …). */
  timestamps: Record<string, string>
  positionInQueue: number | undefined
  plan: StageCounts | undefined
  apply: StageCounts | undefined
}

export interface CreateRunOptions {
  workspaceId: string
  message: string
  isDestroy: boolean
  planOnly: boolean
  autoApply: boolean
  allowEmptyApply: boolean
  refresh: boolean
  refreshOnly: boolean
  targetAddrs: string[]
  replaceAddrs: string[]
  variables: RunVariable[]
  savePlan: boolean
  configurationVersionId: string | undefined
}

type Attributes = Record<string, unknown>

function relationId(resource: Resource, name: string): { id: string; type: string } | undefined {
  const data = resource.relationships?.[name]?.data
  return data && !Array.isArray(data) ? data : undefined
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined
}

function toWorkspace(resource: Resource): Workspace {
  const a = resource.attributes as Attributes
  const permissions = (a.permissions ?? {}) as Attributes
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
    canQueueRun: bool(permissions['can-queue-run']),
    canQueueApply: bool(permissions['can-queue-apply']),
    canReadStateOutputs: bool(permissions['can-read-state-outputs']),
    planDurationAverageMs: positive(a['plan-duration-average']),
    applyDurationAverageMs: positive(a['apply-duration-average'])
  }
}

function toStage(resource: Resource | undefined): StageCounts | undefined {
  if (!resource) return undefined
  const a = resource.attributes as Attributes
  const n = (key: string): number => (typeof a[key] === 'number' ? a[key] : 0)
  return {
    id: resource.id,
    status: String(a.status ?? ''),
    logReadUrl: typeof a['log-read-url'] === 'string' ? a['log-read-url'] : '',
    additions: n('resource-additions'),
    changes: n('resource-changes'),
    destructions: n('resource-destructions')
  }
}

export function toRun(doc: Document): Run {
  const r = doc.data
  const a = r.attributes as Attributes
  const actions = (a.actions ?? {}) as Attributes
  const timestamps = (a['status-timestamps'] ?? {}) as Attributes
  const included = (type: string, rel: string): Resource | undefined => {
    const id = relationId(r, rel)?.id
    return id ? doc.included?.find(i => i.type === type && i.id === id) : undefined
  }
  return {
    id: r.id,
    status: String(a.status ?? ''),
    message: String(a.message ?? ''),
    hasChanges: a['has-changes'] === true,
    savePlan: a['save-plan'] === true,
    planOnly: a['plan-only'] === true,
    workspaceId: relationId(r, 'workspace')?.id,
    isConfirmable: actions['is-confirmable'] === true,
    isDiscardable: actions['is-discardable'] === true,
    isCancelable: actions['is-cancelable'] === true,
    timestamps: Object.fromEntries(Object.entries(timestamps).filter((e): e is [string, string] => typeof e[1] === 'string')),
    positionInQueue: typeof a['position-in-queue'] === 'number' ? a['position-in-queue'] : undefined,
    plan: toStage(included('plans', 'plan')),
    apply: toStage(included('applies', 'apply'))
  }
}

/** The part of a run the decision table looks at. */
export function toFacts(run: Run): RunFacts {
  return {
    status: run.status,
    isConfirmable: run.isConfirmable,
    isDiscardable: run.isDiscardable,
    isCancelable: run.isCancelable,
    hasChanges: run.hasChanges,
    confirmedAt: run.timestamps['confirmed-at'],
    planStatus: run.plan?.status,
    applyStatus: run.apply?.status
  }
}

const seg = encodeURIComponent

export async function getWorkspaceByName(client: TfeClient, organization: string, name: string, signal?: AbortSignal): Promise<Workspace> {
  return toWorkspace((await client.get<Document>(`/api/v2/organizations/${seg(organization)}/workspaces/${seg(name)}`, signal)).data)
}

export async function getWorkspaceById(client: TfeClient, id: string, signal?: AbortSignal): Promise<Workspace> {
  return toWorkspace((await client.get<Document>(`/api/v2/workspaces/${seg(id)}`, signal)).data)
}

/** Not idempotent: a lost answer may still have queued the run (see findRunsByMarker). */
export async function createRun(client: TfeClient, options: CreateRunOptions, signal?: AbortSignal): Promise<Run> {
  const attributes: Attributes = {
    message: options.message,
    'is-destroy': options.isDestroy,
    'auto-apply': options.autoApply,
    'plan-only': options.planOnly,
    refresh: options.refresh,
    'refresh-only': options.refreshOnly,
    'allow-empty-apply': options.allowEmptyApply
  }
  if (options.targetAddrs.length) attributes['target-addrs'] = options.targetAddrs
  if (options.replaceAddrs.length) attributes['replace-addrs'] = options.replaceAddrs
  if (options.variables.length) attributes.variables = options.variables
  if (options.savePlan) attributes['save-plan'] = true
  const relationships: Record<string, unknown> = { workspace: { data: { type: 'workspaces', id: options.workspaceId } } }
  if (options.configurationVersionId) {
    relationships['configuration-version'] = { data: { type: 'configuration-versions', id: options.configurationVersionId } }
  }
  const body = { data: { type: 'runs', attributes, relationships } }
  const { body: doc } = await client.request<Document>('POST', '/api/v2/runs', { idempotent: false, body, signal })
  return toRun(doc)
}

export async function getRun(client: TfeClient, runId: string, signal?: AbortSignal): Promise<Run> {
  return toRun(await client.get<Document>(`/api/v2/runs/${seg(runId)}?include=plan,apply`, signal))
}

export type RunAction = 'apply' | 'discard' | 'cancel'

/**
 * POST /runs/:id/actions/:action. Returns false on 409 (the run was not in a state that allows it),
 * which callers resolve by reading the run again. Safe to repeat: a repeat is answered 409.
 */
export async function runAction(
  client: TfeClient,
  runId: string,
  action: RunAction,
  comment: string,
  signal?: AbortSignal
): Promise<boolean> {
  const { status } = await client.request(`POST`, `/api/v2/runs/${seg(runId)}/actions/${action}`, {
    idempotent: true,
    body: { comment },
    signal,
    accept: [409]
  })
  return status !== 409
}

/**
 * Every run whose message holds `marker`, oldest first (the list is newest first), plan-only runs
 * included; looks through at most `pages` pages of 20, the newest runs.
 */
export async function findRunsByMarker(
  client: TfeClient,
  workspaceId: string,
  marker: string,
  signal?: AbortSignal,
  pages = 3
): Promise<string[]> {
  const hits: string[] = []
  for (let page = 1; page <= pages; page++) {
    const list = await client.get<ListDocument>(
      `/api/v2/workspaces/${seg(workspaceId)}/runs?page%5Bnumber%5D=${page}&page%5Bsize%5D=20&filter%5Boperation%5D=${AllRunOperations}`,
      signal
    )
    for (const r of list.data) {
      const a = r.attributes as Attributes
      if (String(a.message ?? '').includes(marker)) hits.push(r.id)
    }
    if (!list.meta?.pagination?.['next-page']) break
  }
  return hits.reverse()
}

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
  const a = body.data.attributes as Attributes
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
      const a = item.attributes as Attributes
      if (a.sensitive === true) continue
      outputs[String(a.name)] = a.value
    }
    const next = body.meta?.pagination?.['next-page']
    if (!next || next <= page) return outputs
  }
}
