/**
 * JSON:API documents of the HCP Terraform API v2, written from its documentation (run.mdx,
 * plans.mdx, applies.mdx, workspaces.mdx, state-versions.mdx, state-version-outputs.mdx,
 * cost-estimates.mdx) and from the fields go-tfe decodes (comments, run events): the
 * stand-in answers with them, and the unit tests build their nock answers with them, so both
 * speak the same, documented shapes. Each builder takes the facts that vary and fills the rest as
 * the service does.
 *
 * Erasable TypeScript only: Node 24 runs this file directly (npm run stand-in).
 */

export type Resource = {
  id: string
  type: string
  attributes: Record<string, unknown>
  relationships?: Record<string, unknown>
  links?: Record<string, unknown>
}

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
}

/** A run resource (run.mdx "Sample Response"). */
export function runResource(f: RunFacts): Resource {
  const planId = f.planId ?? `plan-${f.id.slice(4)}`
  const applyId = f.applyId ?? `apply-${f.id.slice(4)}`
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
      source: 'tfe-api',
      'status-timestamps': timestamps,
      status: f.status,
      'trigger-reason': 'manual',
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
  const rel = data.relationships as Record<string, { data: { id: string } }>
  if (plan) included.push(stageResource({ ...plan, id: rel.plan?.data.id as string, kind: 'plans' }))
  if (apply) included.push(stageResource({ ...apply, id: rel.apply?.data.id as string, kind: 'applies' }))
  return included.length ? { data, included } : { data }
}

export interface WorkspaceFacts {
  id: string
  name: string
  organization: string
  autoApply?: boolean
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
      'vcs-repo': null,
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

/** A page of a list (index.mdx "Pagination"). */
export function listDocument(
  all: Resource[],
  page: number,
  size: number
): { data: Resource[]; meta: { pagination: Record<string, number | null> } } {
  const pages = Math.max(1, Math.ceil(all.length / size))
  return {
    data: all.slice((page - 1) * size, page * size),
    meta: {
      pagination: {
        'current-page': page,
        'next-page': page < pages ? page + 1 : null,
        'prev-page': page > 1 ? page - 1 : null,
        'page-size': size,
        'total-count': all.length,
        'total-pages': pages
      }
    }
  }
}

/** An error document as the service sends it (`status` is a string there; 429's doc shows a number). */
export function errorDocument(
  status: number,
  title: string,
  detail?: string
): { errors: { status: string; title: string; detail?: string }[] } {
  return { errors: [{ status: String(status), title, ...(detail ? { detail } : {}) }] }
}

/** A policy check (policy-checks.mdx): its status and the counts of its result. */
export function policyCheckResource(runId: string, status: string): Resource {
  const hard = status === 'hard_failed' ? 1 : 0
  const soft = status === 'soft_failed' || status === 'overridden' ? 1 : 0
  return {
    id: `polchk-${runId.slice(4)}`,
    type: 'policy-checks',
    attributes: {
      status,
      scope: 'organization',
      result: {
        result: hard + soft === 0,
        passed: 3 - hard - soft,
        'total-failed': hard + soft,
        'hard-failed': hard,
        'soft-failed': soft,
        'advisory-failed': 0,
        'duration-ms': 120
      },
      actions: { 'is-overridable': status === 'soft_failed' },
      permissions: { 'can-override': true }
    },
    relationships: { run: { data: { id: runId, type: 'runs' } } },
    links: { output: `/api/v2/policy-checks/polchk-${runId.slice(4)}/output` }
  }
}

/** A task stage with one task result (run-task-stages-and-results.mdx). */
export function taskStageResources(
  runId: string,
  stage: string,
  task: { name: string; status: string; enforcement: string; message: string }
): { stage: Resource; result: Resource } {
  const resultId = `taskrs-${runId.slice(4)}`
  return {
    stage: {
      id: `ts-${runId.slice(4)}`,
      type: 'task-stages',
      attributes: { stage, status: task.status === 'passed' ? 'passed' : 'failed', 'status-timestamps': {} },
      relationships: { run: { data: { id: runId, type: 'runs' } }, 'task-results': { data: [{ id: resultId, type: 'task-results' }] } }
    },
    result: {
      id: resultId,
      type: 'task-results',
      attributes: {
        'task-name': task.name,
        status: task.status,
        message: task.message,
        'workspace-task-enforcement-level': task.enforcement,
        url: `https://scanner.example.test/results/${runId}`
      }
    }
  }
}

/**
 * The attributes of a request body, in either shape clients send: plain JSON (`{"reason":…}`, as
 * the docs show) or JSON:API (`{"data":{"type":"","attributes":{"reason":…}}}`, as go-tfe sends).
 * Undefined when the body is not JSON.
 */
export function bodyAttributes(text: string): Record<string, unknown> | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(text || '{}')
  } catch {
    return undefined
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return {}
  const data = (doc as { data?: { attributes?: unknown } }).data
  const attributes = data && typeof data === 'object' ? data.attributes : undefined
  return (attributes && typeof attributes === 'object' ? attributes : doc) as Record<string, unknown>
}

/** A comment on a run (go-tfe comment.go): its body, and the run event that records it. */
export function commentResource(f: { id: string; body: string; createdAt?: string; runEventId?: string }): Resource {
  return {
    id: f.id,
    type: 'comments',
    attributes: { body: f.body, 'created-at': f.createdAt ?? '2026-11-23T07:00:00.000Z' },
    relationships: { 'run-event': { data: f.runEventId ? { id: f.runEventId, type: 'run-events' } : null } },
    links: { self: `/api/v2/comments/${f.id}` }
  }
}

/** A run event (go-tfe run_event.go): what happened to the run, who did it, and the comment made with it. */
export function runEventResource(f: {
  id: string
  action: string
  description: string
  createdAt?: string
  actorId?: string
  commentId?: string
}): Resource {
  return {
    id: f.id,
    type: 'run-events',
    attributes: { action: f.action, 'created-at': f.createdAt ?? '2026-11-23T07:00:00.000Z', description: f.description },
    relationships: {
      actor: { data: f.actorId ? { id: f.actorId, type: 'users' } : null },
      comment: { data: f.commentId ? { id: f.commentId, type: 'comments' } : null }
    },
    links: { self: `/api/v2/run-events/${f.id}` }
  }
}

/** A cost estimate (cost-estimates.mdx, go-tfe cost_estimate.go): monthly costs are decimal strings. */
export function costEstimateResource(f: {
  id: string
  status: string
  statusTimestamps?: Record<string, string>
  resourcesCount?: number
  priorMonthlyCost?: number
  proposedMonthlyCost?: number
}): Resource {
  const prior = f.priorMonthlyCost ?? 0
  const proposed = f.proposedMonthlyCost ?? 0
  const count = f.resourcesCount ?? 0
  return {
    id: f.id,
    type: 'cost-estimates',
    attributes: {
      status: f.status,
      'status-timestamps': f.statusTimestamps ?? {},
      'error-message': null,
      'resources-count': count,
      'matched-resources-count': count,
      'unmatched-resources-count': 0,
      'prior-monthly-cost': prior.toFixed(2),
      'proposed-monthly-cost': proposed.toFixed(2),
      'delta-monthly-cost': (proposed - prior).toFixed(2)
    },
    links: { self: `/api/v2/cost-estimates/${f.id}`, output: `/api/v2/cost-estimates/${f.id}/output` }
  }
}
