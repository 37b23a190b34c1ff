/**
 * Policy check and run task outcomes when a run has them: each Sentinel policy check, then each
 * policy of each policy evaluation (its set, enforcement level and result), and each run task,
 * one line each; read once per stage, right after it (only for runs that went through such a
 * stage). Best effort: a read that fails is a debug line, never a failure or a warning.
 */
import type { Resource, TfeClient } from '../tfe/client.js'
import { listPolicyChecks } from '../tfe/policy-checks.js'
import { listTaskStages } from '../tfe/task-stages.js'
import { errorMessage } from '../common/errors.js'
import { log } from '../common/job-log.js'

import { record, type Attributes } from '../tfe/documents.js'
import { listTaskStagesWithEvaluations, listPolicySetOutcomes } from '../tfe/policy-evaluations.js'
import { MaxEvaluations, policyRows, type PolicyRow } from '../review/run-checks.js'

export function policyRowLine(p: PolicyRow): string {
  return `Policy ${p.set}/${p.policy} (${p.enforcement}): ${p.result}${p.overridable ? ' (a person may override it)' : ''}`
}

function num(a: Attributes, key: string): number {
  return typeof a[key] === 'number' ? a[key] : 0
}

export function policyLine(check: Resource): string {
  const a = check.attributes
  const r = record(a.result)
  const failed = [
    num(r, 'hard-failed') ? `${num(r, 'hard-failed')} hard-mandatory failed` : '',
    num(r, 'soft-failed') ? `${num(r, 'soft-failed')} soft-mandatory failed` : '',
    num(r, 'advisory-failed') ? `${num(r, 'advisory-failed')} advisory failed` : ''
  ].filter(Boolean)
  return `Policy check: ${String(a.status ?? 'unknown')} (${num(r, 'passed')} passed${failed.length ? `, ${failed.join(', ')}` : ''})`
}

export function taskLines(stages: Resource[], included: Resource[]): string[] {
  const lines: string[] = []
  for (const stage of stages) {
    const sa = stage.attributes
    const refs = stage.relationships?.['task-results']?.data
    for (const ref of Array.isArray(refs) ? refs : []) {
      const result = included.find(i => i.type === 'task-results' && i.id === ref.id)
      if (!result) continue
      const ra = result.attributes
      const enforcement = typeof ra['workspace-task-enforcement-level'] === 'string' ? `, ${ra['workspace-task-enforcement-level']}` : ''
      const message = typeof ra.message === 'string' && ra.message ? `: ${ra.message}` : ''
      const url = typeof ra.url === 'string' && ra.url ? ` ${ra.url}` : ''
      lines.push(
        `Run task ${String(ra['task-name'] ?? 'task')} (${String(sa.stage ?? 'stage')}${enforcement}): ${String(ra.status ?? 'unknown')}${message}${url}`
      )
    }
  }
  return lines
}

/** Logs the run's policy check results. */
export async function reportPolicyChecks(client: TfeClient, runId: string, signal: AbortSignal): Promise<void> {
  try {
    const list = await listPolicyChecks(client, runId, signal)
    for (const check of list.data) log.info(policyLine(check))
  } catch (err) {
    log.debug(`Policy checks of ${runId} not read: ${errorMessage(err)}`)
  }
  try {
    const stages = await listTaskStagesWithEvaluations(client, runId, signal)
    const evaluations = (stages.included ?? []).filter(i => i.type === 'policy-evaluations').slice(0, MaxEvaluations)
    for (const ev of evaluations) {
      const outcomes = await listPolicySetOutcomes(client, ev.id, signal)
      for (const o of outcomes.data) for (const p of policyRows(o)) log.info(policyRowLine(p))
    }
  } catch (err) {
    log.debug(`Policy evaluations of ${runId} not read: ${errorMessage(err)}`)
  }
}

/** Logs the run's run task results, the stages not reported yet. */
export async function reportTaskStages(client: TfeClient, runId: string, reported: Set<string>, signal: AbortSignal): Promise<void> {
  try {
    const list = await listTaskStages(client, runId, signal)
    const fresh = list.data.filter(s => {
      const a = s.attributes
      const done = !['pending', 'running', 'awaiting_override'].includes(String(a.status ?? ''))
      return done && !reported.has(s.id)
    })
    for (const s of fresh) reported.add(s.id)
    for (const line of taskLines(fresh, list.included ?? [])) log.info(line)
  } catch (err) {
    log.debug(`Run tasks of ${runId} not read: ${errorMessage(err)}`)
  }
}
