/**
 * What a run's policies and run tasks said, as rows for the summary, the comment and the guard:
 * each Sentinel policy check (status, counts by enforcement level), each policy of each policy
 * evaluation (its set, enforcement level and result), each run task (result, message, link).
 * Reading (bounded: at most MaxEvaluations outcome lists) and the pure conversions; never thrown
 * on a malformed document: what is not the documented shape is skipped.
 */
import type { Resource, TfeClient } from '../tfe/client.js'
import { record, type Attributes } from '../tfe/documents.js'
import { listPolicyChecks } from '../tfe/policy-checks.js'
import { listPolicySetOutcomes, listTaskStagesWithEvaluations } from '../tfe/policy-evaluations.js'

export interface PolicyCheckRow {
  status: string
  passed: number
  hardFailed: number
  softFailed: number
  advisoryFailed: number
}

export interface PolicyRow {
  set: string
  policy: string
  /** advisory, soft-mandatory, hard-mandatory, or the newer engine's mandatory. */
  enforcement: string
  /** passed, failed, errored… as the outcome says. */
  result: string
  /** A failed policy a person may override: a soft failure. */
  overridable: boolean
}

export interface TaskRow {
  name: string
  stage: string
  enforcement: string
  status: string
  message: string
  url: string
}

export interface RunChecks {
  policyChecks: PolicyCheckRow[]
  policies: PolicyRow[]
  tasks: TaskRow[]
  /** A policy check or evaluation has not finished: its results may still change. */
  unfinished: boolean
}

/** Outcome lists read per run at most: one request each. */
export const MaxEvaluations = 10
const MaxText = 500

function str(a: Attributes, key: string, fallback = ''): string {
  const v = a[key]
  return typeof v === 'string' ? v.slice(0, MaxText) : fallback
}

function num(a: Attributes, key: string): number {
  const v = a[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

const UnfinishedPolicy = new Set(['pending', 'queued', 'running', 'unreachable'])

export function policyCheckRow(check: Resource): PolicyCheckRow {
  const a = check.attributes
  const r = record(a.result)
  return {
    status: str(a, 'status', 'unknown'),
    passed: num(r, 'passed'),
    hardFailed: num(r, 'hard-failed'),
    softFailed: num(r, 'soft-failed'),
    advisoryFailed: num(r, 'advisory-failed')
  }
}

/** The policies of one policy set outcome (policy-evaluations.mdx: `outcomes[]` with snake_case keys). */
export function policyRows(outcome: Resource): PolicyRow[] {
  const a = outcome.attributes
  const set = str(a, 'policy-set-name', 'policy set')
  const overridable = a.overridable === true
  const list = Array.isArray(a.outcomes) ? a.outcomes : []
  return list
    .map(o => record(o))
    .map(o => {
      const enforcement = str(o, 'enforcement_level', 'unknown')
      const result = str(o, 'status', 'unknown')
      const soft = enforcement === 'soft-mandatory' || (enforcement === 'mandatory' && overridable)
      return { set, policy: str(o, 'policy_name', 'policy'), enforcement, result, overridable: soft && result === 'failed' }
    })
}

export function taskRows(stages: Resource[], included: Resource[]): TaskRow[] {
  const rows: TaskRow[] = []
  for (const stage of stages) {
    const refs = stage.relationships?.['task-results']?.data
    for (const ref of Array.isArray(refs) ? refs.map(record) : []) {
      const result = included.find(i => i.type === 'task-results' && i.id === ref.id)
      if (!result) continue
      const ra = result.attributes
      const url = str(ra, 'url')
      rows.push({
        name: str(ra, 'task-name', 'task'),
        stage: str(stage.attributes, 'stage', 'stage'),
        enforcement: str(ra, 'workspace-task-enforcement-level'),
        status: str(ra, 'status', 'unknown'),
        message: str(ra, 'message'),
        // Only a web link is a link; anything else is shown as text.
        url: /^https?:\/\//i.test(url) ? url : ''
      })
    }
  }
  return rows
}

/** The policies that failed softly (overridable), overridden since or not: what no_policy_soft_failure holds on. */
export function softFailures(checks: RunChecks): string[] {
  const names: string[] = []
  for (const c of checks.policyChecks) if (c.softFailed > 0) names.push(`${c.softFailed} in the policy check (${c.status})`)
  for (const p of checks.policies) if (p.overridable) names.push(`${p.set}/${p.policy}`)
  return names
}

/** Reads the run's policy checks, policy evaluations (with their outcomes) and run task results. */
export async function readRunChecks(client: TfeClient, runId: string, signal?: AbortSignal): Promise<RunChecks> {
  const checks = await listPolicyChecks(client, runId, signal)
  const stages = await listTaskStagesWithEvaluations(client, runId, signal)
  const included = stages.included ?? []
  const evaluations = included.filter(i => i.type === 'policy-evaluations').slice(0, MaxEvaluations)
  const policies: PolicyRow[] = []
  let unfinished = checks.data.some(c => UnfinishedPolicy.has(str(c.attributes, 'status')))
  for (const ev of evaluations) {
    if (UnfinishedPolicy.has(str(ev.attributes, 'status'))) unfinished = true
    const outcomes = await listPolicySetOutcomes(client, ev.id, signal)
    for (const o of outcomes.data) policies.push(...policyRows(o))
  }
  return {
    policyChecks: checks.data.map(policyCheckRow),
    policies,
    tasks: taskRows(stages.data, included),
    unfinished
  }
}
