/**
 * Run, plan and apply documents (run.mdx, plans.mdx, applies.mdx): built from the facts that
 * vary, the rest filled as the service does.
 */
import type { Resource } from './common.ts'

export interface RunFacts {
  id: string
  status: string
  message?: string
  workspaceId?: string
  planId?: string
  applyId?: string
  hasChanges?: boolean
  isConfirmable?: boolean
  isDiscardable?: boolean
  isCancelable?: boolean
  autoApply?: boolean
  allowEmptyApply?: boolean
  isDestroy?: boolean
  planOnly?: boolean
  refreshOnly?: boolean
  savePlan?: boolean
  configurationVersionId?: string
  positionInQueue?: number
  createdAt?: string
  statusTimestamps?: Record<string, string>
  targetAddrs?: string[] | null
  replaceAddrs?: string[] | null
  variables?: { key: string; value: string }[]
  errorText?: string
  /** False when the run was created with `refresh: false`. */
  refresh?: boolean
  commentIds?: string[]
  runEventIds?: string[]
  /** The run's cost estimate, when the organization estimates costs. */
  costEstimateId?: string
  /** Who queued it: tfe-api (default), tfe-ui, tfe-configuration-version (VCS), tfe-run-trigger. */
  source?: string
  triggerReason?: string
}

/** A run's plan and apply ids, when the facts leave them out: the run's own id under their prefix. */
const planIdOf = (f: RunFacts): string => f.planId ?? `plan-${f.id.slice(4)}`
const applyIdOf = (f: RunFacts): string => f.applyId ?? `apply-${f.id.slice(4)}`

/** A run resource (run.mdx "Sample Response"). */
export function runResource(f: RunFacts): Resource {
  const planId = planIdOf(f)
  const applyId = applyIdOf(f)
  const timestamps = f.statusTimestamps ?? {}
  return {
    id: f.id,
    type: 'runs',
    attributes: {
      actions: {
        'is-cancelable': f.isCancelable ?? false,
        'is-confirmable': f.isConfirmable ?? false,
        'is-discardable': f.isDiscardable ?? false,
        'is-force-cancelable': false
      },
      'canceled-at': timestamps['canceled-at'] ?? null,
      'created-at': f.createdAt ?? '2026-11-23T07:00:00.000Z',
      'has-changes': f.hasChanges ?? false,
      'auto-apply': f.autoApply ?? false,
      'allow-empty-apply': f.allowEmptyApply ?? false,
      'allow-config-generation': false,
      'is-destroy': f.isDestroy ?? false,
      message: f.message ?? 'Queued manually via the Terraform Enterprise API',
      'plan-only': f.planOnly ?? false,
      'position-in-queue': f.positionInQueue ?? 0,
      source: f.source ?? 'tfe-api',
      'status-timestamps': timestamps,
      status: f.status,
      'trigger-reason': f.triggerReason ?? 'manual',
      'target-addrs': f.targetAddrs ?? null,
      'replace-addrs': f.replaceAddrs ?? null,
      refresh: f.refresh ?? true,
      'refresh-only': f.refreshOnly ?? false,
      'save-plan': f.savePlan ?? false,
      'terraform-version': '1.9.5',
      'error-text': f.status === 'errored' ? (f.errorText ?? 'The run errored.') : null,
      variables: f.variables ?? [],
      permissions: {
        'can-apply': true,
        'can-cancel': true,
        'can-comment': true,
        'can-discard': true,
        'can-force-execute': true,
        'can-force-cancel': true,
        'can-override-policy-check': true
      }
    },
    relationships: {
      workspace: { data: { id: f.workspaceId ?? 'ws-AAAAAAAAAAAAAAAA', type: 'workspaces' } },
      'configuration-version': f.configurationVersionId
        ? {
            data: { id: f.configurationVersionId, type: 'configuration-versions' },
            links: { related: `/api/v2/configuration-versions/${f.configurationVersionId}` }
          }
        : { data: null },
      plan: { data: { id: planId, type: 'plans' }, links: { related: `/api/v2/runs/${f.id}/plan` } },
      apply: { data: { id: applyId, type: 'applies' }, links: { related: `/api/v2/runs/${f.id}/apply` } },
      'created-by': { data: { id: 'user-StandInPerson0001', type: 'users' } },
      'confirmed-by': timestamps['confirmed-at'] ? { data: { id: 'user-StandInPerson0001', type: 'users' } } : { data: null },
      'cost-estimate': f.costEstimateId
        ? {
            data: { id: f.costEstimateId, type: 'cost-estimates' },
            links: { related: `/api/v2/cost-estimates/${f.costEstimateId}` }
          }
        : { data: null },
      'policy-checks': { data: [], links: { related: `/api/v2/runs/${f.id}/policy-checks` } },
      'task-stages': { data: [], links: { related: `/api/v2/runs/${f.id}/task-stages` } },
      'run-events': {
        data: (f.runEventIds ?? []).map(id => ({ id, type: 'run-events' })),
        links: { related: `/api/v2/runs/${f.id}/run-events` }
      },
      comments: { data: (f.commentIds ?? []).map(id => ({ id, type: 'comments' })), links: { related: `/api/v2/runs/${f.id}/comments` } }
    },
    links: { self: `/api/v2/runs/${f.id}` }
  }
}

export interface StageFacts {
  id: string
  kind: 'plans' | 'applies'
  status: string
  statusTimestamps?: Record<string, string>
  /** An apply's state version, once it made one. */
  stateVersionId?: string
  additions?: number
  changes?: number
  destructions?: number
  logReadUrl?: string
}

/** A plan or apply resource (plans.mdx, applies.mdx). */
export function stageResource(f: StageFacts): Resource {
  const additions = f.additions ?? 0
  const changes = f.changes ?? 0
  const destructions = f.destructions ?? 0
  return {
    id: f.id,
    type: f.kind,
    attributes: {
      'execution-details': { mode: 'remote' },
      status: f.status,
      'log-read-url': f.logReadUrl ?? '',
      'resource-additions': additions,
      'resource-changes': changes,
      'resource-destructions': destructions,
      'resource-imports': 0,
      'status-timestamps': f.statusTimestamps ?? {},
      ...(f.kind === 'plans' ? { 'has-changes': additions + changes + destructions > 0 } : {})
    },
    ...(f.kind === 'applies'
      ? { relationships: { 'state-versions': { data: f.stateVersionId ? [{ id: f.stateVersionId, type: 'state-versions' }] : [] } } }
      : {}),
    links: { self: `/api/v2/${f.kind}/${f.id}`, ...(f.kind === 'plans' ? { 'json-output': `/api/v2/plans/${f.id}/json-output` } : {}) }
  }
}

/** GET /runs/:id?include=plan,apply: the run with its plan and apply in `included`. */
export function runDocument(
  run: RunFacts,
  plan?: Omit<StageFacts, 'id' | 'kind'>,
  apply?: Omit<StageFacts, 'id' | 'kind'>
): { data: Resource; included?: Resource[] } {
  const data = runResource(run)
  const included: Resource[] = []
  if (plan) included.push(stageResource({ ...plan, id: planIdOf(run), kind: 'plans' }))
  if (apply) included.push(stageResource({ ...apply, id: applyIdOf(run), kind: 'applies' }))
  return included.length ? { data, included } : { data }
}
