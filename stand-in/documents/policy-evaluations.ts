/**
 * Policy evaluations and their policy set outcomes (policy-evaluations.mdx, go-tfe
 * policy_evaluation.go / policy_set_outcome.go): the newer policy engine's results, attached to
 * a task stage. Three policies, one per enforcement level, whose results follow the run's policy check.
 */
import type { Resource } from './common.ts'

export interface StandInPolicy {
  name: string
  enforcement: 'advisory' | 'soft-mandatory' | 'hard-mandatory'
  status: 'passed' | 'failed'
}

/** What the stand-in's policy set finds, from the run's policy check status. */
export function policiesFor(policyStatus: string): StandInPolicy[] {
  return [
    { name: 'require-cost-tags', enforcement: 'advisory', status: 'failed' },
    {
      name: 'no-public-buckets',
      enforcement: 'soft-mandatory',
      status: policyStatus === 'soft_failed' || policyStatus === 'overridden' ? 'failed' : 'passed'
    },
    { name: 'approved-regions', enforcement: 'hard-mandatory', status: policyStatus === 'hard_failed' ? 'failed' : 'passed' }
  ]
}

function counts(policies: StandInPolicy[]): Record<string, number> {
  return {
    'advisory-failed': policies.filter(p => p.enforcement === 'advisory' && p.status === 'failed').length,
    'mandatory-failed': policies.filter(p => p.enforcement !== 'advisory' && p.status === 'failed').length,
    passed: policies.filter(p => p.status === 'passed').length,
    errored: 0
  }
}

export function policyEvaluationResource(runId: string, stageId: string, policyStatus: string): Resource {
  const policies = policiesFor(policyStatus)
  const id = `poleval-${runId.slice(4)}`
  const failedHard = policies.some(p => p.enforcement === 'hard-mandatory' && p.status === 'failed')
  const failedSoft = policies.some(p => p.enforcement === 'soft-mandatory' && p.status === 'failed')
  return {
    id,
    type: 'policy-evaluations',
    attributes: {
      status: policyStatus === 'overridden' ? 'overridden' : failedHard || failedSoft ? 'failed' : 'passed',
      'policy-kind': 'sentinel',
      'policy-tool-version': '0.26.0',
      'result-count': counts(policies),
      'status-timestamps': {}
    },
    relationships: {
      'policy-attachable': { data: { id: stageId, type: 'task-stages' } },
      'policy-set-outcomes': { links: { related: `/api/v2/policy-evaluations/${id}/policy-set-outcomes` } }
    },
    links: { self: `/api/v2/policy-evaluations/${id}` }
  }
}

export function policySetOutcomeResource(evaluationId: string, policyStatus: string): Resource {
  const policies = policiesFor(policyStatus)
  return {
    id: `psout-${evaluationId.slice(8)}`,
    type: 'policy-set-outcomes',
    attributes: {
      outcomes: policies.map(p => ({
        enforcement_level: p.enforcement,
        query: `data.terraform.policies.${p.name.replace(/-/g, '_')}`,
        status: p.status,
        policy_name: p.name,
        description: ''
      })),
      error: '',
      overridable: policies.some(p => p.enforcement === 'soft-mandatory' && p.status === 'failed'),
      'policy-set-name': 'prod-guardrails',
      'policy-set-description': null,
      'result-count': counts(policies),
      'policy-tool-version': '0.26.0'
    },
    relationships: { 'policy-evaluation': { data: { id: evaluationId, type: 'policy-evaluations' } } }
  }
}
