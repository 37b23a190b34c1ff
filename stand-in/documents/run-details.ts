/**
 * The documents around a run: policy checks, task stages and results, comments, run events and
 * cost estimates (their .mdx pages and the go-tfe types that decode them).
 */
import type { Resource } from './common.ts'

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
