/**
 * Where the step reads a run's JSON plan from, once per plan: the redacted JSON plan first (any
 * reader of the run may fetch it; sensitive values already out), else the JSON plan (workspace
 * admins only), else nothing, with one line saying why. Bounded like every outside download.
 */
import { ApiError, errorMessage } from '../common/errors.js'
import type { TfeClient } from '../tfe/client.js'
import { readRedactedPlan } from '../tfe/redacted-plan.js'
import { MaxPlanJsonBytes, PlanJsonTimeoutMs, readJsonOutput } from '../run-logs/changes.js'
import { parsePlan, type ParsedPlan } from './plan-json.js'

export type PlanSourceName = 'json-output-redacted' | 'json-output'

/** `notReady`: the plan's JSON answered 204 (not ready yet), which may change on a later read. */
export type PlanRead = { plan: ParsedPlan; source: PlanSourceName } | { plan: undefined; why: string; notReady?: boolean }

export interface PlanAccess {
  client: TfeClient
  baseUrl: string
  token: string
}

/** The label a reader sees for a source. */
export const SourceLabels: Record<PlanSourceName, string> = {
  'json-output-redacted': 'the redacted JSON plan',
  'json-output': 'the JSON plan'
}

const NotReady = 'the redacted JSON plan was not ready'

async function redacted(access: PlanAccess, planId: string, signal: AbortSignal | undefined): Promise<ParsedPlan | string> {
  try {
    const read = await readRedactedPlan(access.client, access.baseUrl, access.token, planId, {
      maxBytes: MaxPlanJsonBytes,
      timeoutMs: PlanJsonTimeoutMs,
      signal
    })
    if (read.plan) return parsePlan(read.plan)
    if (read.status === 204) return NotReady
    return `the redacted JSON plan answered ${read.status}`
  } catch (err) {
    if (signal?.aborted) throw err
    return `the redacted JSON plan could not be read (${errorMessage(err)})`
  }
}

async function unredacted(access: PlanAccess, planId: string, signal: AbortSignal | undefined): Promise<ParsedPlan | string> {
  try {
    const answer = await readJsonOutput(access.client, planId, signal)
    if (typeof answer === 'string') return answer
    return parsePlan(answer)
  } catch (err) {
    if (signal?.aborted) throw err
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      return "the token may not read the plan's JSON output (it needs workspace admin access)"
    }
    return `the JSON plan could not be read (${errorMessage(err)})`
  }
}

/** Reads a plan's JSON, or says why it could not; throws only when the step is stopping. */
export async function readPlan(access: PlanAccess, planId: string | undefined, signal?: AbortSignal): Promise<PlanRead> {
  if (!planId) return { plan: undefined, why: 'the run has no plan' }
  const first = await redacted(access, planId, signal)
  if (typeof first !== 'string') return { plan: first, source: 'json-output-redacted' }
  const second = await unredacted(access, planId, signal)
  if (typeof second !== 'string') return { plan: second, source: 'json-output' }
  return { plan: undefined, why: `${first}; ${second}`, notReady: first === NotReady }
}

/** One read per plan for the whole step: the guard and the summary share it. */
export class PlanCache {
  private readonly reads = new Map<string, Promise<PlanRead>>()
  private readonly access: PlanAccess
  constructor(access: PlanAccess) {
    this.access = access
  }

  read(planId: string | undefined, signal?: AbortSignal): Promise<PlanRead> {
    if (!planId) return Promise.resolve({ plan: undefined, why: 'the run has no plan' })
    let read = this.reads.get(planId)
    if (!read) {
      read = readPlan(this.access, planId, signal)
      // Only a plan is kept: a read cut off by a stop, or a plan not ready yet, is tried again.
      read.then(
        r => (r.plan ? undefined : this.reads.delete(planId)),
        () => this.reads.delete(planId)
      )
      this.reads.set(planId, read)
    }
    return read
  }
}
