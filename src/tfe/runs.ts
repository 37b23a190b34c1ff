/** Runs: the run document as the action reads it, and the run endpoints (create, read, actions, the list by marker). */
import { AllRunOperations, type AnyRunStatus } from './statuses.js'
import type { Document, Resource, TfeClient } from './client.js'
import type { NewsSource } from './urgency.js'
import { ApiError } from '../common/errors.js'
import { documentOf, getDocument, getListDocument, record, relationId, seg, type Attributes } from './documents.js'

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
  status: AnyRunStatus
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
  /** The run's cost estimate (relationship `cost-estimate`), when the workspace estimates costs. */
  costEstimateId?: string | undefined
}

/** A run variable as the API takes it: the value is an HCL literal. */
export interface RunVariable {
  key: string
  value: string
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

function toStage(resource: Resource | undefined): StageCounts | undefined {
  if (!resource) return undefined
  const a = resource.attributes
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
  const a = r.attributes
  const actions = record(a.actions)
  const timestamps = record(a['status-timestamps'])
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
    apply: toStage(included('applies', 'apply')),
    costEstimateId: relationId(r, 'cost-estimate')?.id
  }
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
  const path = '/api/v2/runs'
  const { status, body: doc } = await client.request('POST', path, { idempotent: false, body, signal })
  return toRun(documentOf(doc, { method: 'POST', path, status }))
}

/** `news`: the caller knows the run has moved on (its stage log ended), see RequestOptions. */
export async function getRun(client: TfeClient, runId: string, signal?: AbortSignal, news: boolean | NewsSource = false): Promise<Run> {
  return toRun(await getDocument(client, `/api/v2/runs/${seg(runId)}?include=plan,apply`, signal, news))
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
    const list = await getListDocument(
      client,
      `/api/v2/workspaces/${seg(workspaceId)}/runs?page%5Bnumber%5D=${page}&page%5Bsize%5D=20&filter%5Boperation%5D=${AllRunOperations}`,
      signal
    )
    for (const r of list.data) {
      const a = r.attributes
      if (String(a.message ?? '').includes(marker)) hits.push(r.id)
    }
    if (!list.meta?.pagination?.['next-page']) break
  }
  return hits.reverse()
}

/** The workspace's newest run in `status` (the list is newest first), if any. */
export async function newestRunWithStatus(
  client: TfeClient,
  workspaceId: string,
  status: string,
  signal?: AbortSignal
): Promise<string | undefined> {
  const list = await getListDocument(
    client,
    `/api/v2/workspaces/${seg(workspaceId)}/runs?page%5Bsize%5D=1&filter%5Bstatus%5D=${seg(status)}`,
    signal
  )
  return list.data[0]?.id
}

/** The 422 a create answers when the workspace has never had a configuration version. */
export function isNoConfiguration(err: unknown): boolean {
  return err instanceof ApiError && err.status === 422 && /configuration version is missing/i.test(`${err.title} ${err.detail}`)
}
