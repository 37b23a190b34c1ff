/**
 * The changes of a run by address, for the job summary and the pull-request comment. Sources, in
 * order: the plan's structured log (planned_change, resource_drift, change_summary, outputs
 * messages: readable by anyone who can read the run); when the log is not structured, the plan's
 * JSON output (`GET /plans/:id/json-output`: 204 until ready, 307 to a short-lived URL on another
 * origin, workspace admins only); otherwise the counts alone, with one line saying why.
 * Only addresses, actions and output names are kept: never a value. The JSON download is outside
 * data: capped in bytes, under one deadline, cut off when the step stops.
 */
import { ApiError, errorMessage } from '../common/errors.js'
import { isRecord } from '../common/json.js'
import type { TfeClient } from '../tfe/client.js'
import { getPlanJsonOutput } from '../tfe/plans.js'
import { boundedRequest } from '../tfe/signed-urls.js'
import type { ChangeAction, ChangeTotals, Diagnostic, LogDigest, OutputChange, ResourceChange } from './render.js'
import type { Run } from '../tfe/runs.js'

export interface ChangeReport {
  source: 'log' | 'json-output' | 'counts'
  /** Why the report has the counts only. */
  why: string | undefined
  resources: ResourceChange[]
  drift: ResourceChange[]
  outputs: OutputChange[]
  totals: ChangeTotals | undefined
  firstError: Diagnostic | undefined
  /**
   * False when the step could not read the plan's log to its end (or the list was cut before it
   * reached the step): `resources` then misses changes that `totals` counts, and the table says so.
   */
  complete: boolean
}

interface JsonResourceChange {
  address?: unknown
  previous_address?: unknown
  change?: { actions?: unknown; importing?: unknown } | null
}

/** A JSON plan as it came: an object whose members are read by type where they are used. */
export type JsonPlan = Record<string, unknown>

/** A JSON plan's `actions` list as one action; undefined for a no-op that is not an import or move. */
export function actionOf(actions: string[] | undefined, importing = false, moved = false): ChangeAction | undefined {
  const a = actions ?? []
  if (a.includes('create') && a.includes('delete')) return 'replace'
  if (a.length === 1) {
    switch (a[0]) {
      case 'create':
      case 'update':
      case 'delete':
      case 'read':
        return a[0]
      case 'forget':
        return 'forget'
      case 'no-op':
        return importing ? 'import' : moved ? 'move' : undefined
    }
  }
  return undefined
}

/** A JSON plan is outside data: anything that is not the documented shape is skipped, never thrown on. */
function list(value: unknown): JsonResourceChange[] {
  return Array.isArray(value) ? value.filter((v): v is JsonResourceChange => typeof v === 'object' && v !== null) : []
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined
}

export function fromJsonPlan(plan: JsonPlan): Pick<ChangeReport, 'resources' | 'drift' | 'outputs'> {
  const resources: ResourceChange[] = []
  for (const rc of list(plan.resource_changes)) {
    const action = actionOf(
      strings(rc.change?.actions),
      Boolean(rc.change?.importing),
      Boolean(rc.previous_address && rc.previous_address !== rc.address)
    )
    if (typeof rc.address === 'string' && rc.address && action) resources.push({ address: rc.address, action })
  }
  const drift: ResourceChange[] = []
  for (const rc of list(plan.resource_drift)) {
    const action = actionOf(strings(rc.change?.actions))
    if (typeof rc.address === 'string' && rc.address && action) drift.push({ address: rc.address, action })
  }
  const outputs: OutputChange[] = []
  const changes = plan.output_changes
  if (isRecord(changes)) {
    for (const [name, oc] of Object.entries(changes)) {
      if (!isRecord(oc)) continue
      const action = actionOf(strings(oc.actions))
      if (action) outputs.push({ name, action, sensitive: oc.after_sensitive === true || oc.before_sensitive === true })
    }
  }
  return { resources, drift, outputs }
}

/** A JSON plan bigger than this is not read: the report falls back to the counts, and says why. */
export const MaxPlanJsonBytes = 128 * 1_048_576
/** The whole download of the plan's JSON, wherever its 307 points. */
export const PlanJsonTimeoutMs = 60_000

/** What the step read of the plan's log: its digest, and whether it was read to its end. */
export interface PlanLogRead {
  digest: LogDigest
  complete: boolean
}

/** Builds the report from what the step read of the plan's log, or asks for the plan's JSON. */
export async function changeReport(
  client: TfeClient,
  run: Run,
  planLog: PlanLogRead | undefined,
  signal?: AbortSignal
): Promise<ChangeReport> {
  const digest = planLog?.digest
  const counts = run.plan
  const totals: ChangeTotals | undefined =
    digest?.totals ??
    (counts ? { add: counts.additions, change: counts.changes, remove: counts.destructions, import: 0, operation: 'plan' } : undefined)
  const base = { totals, firstError: digest?.firstError, drift: [], outputs: [], resources: [], complete: true }
  if (digest?.structured) {
    return {
      ...base,
      source: 'log',
      why: undefined,
      complete: planLog?.complete ?? false,
      resources: [...digest.changes].map(([address, action]) => ({ address, action })),
      drift: [...digest.drift],
      outputs: [...digest.outputs]
    }
  }
  if (!counts?.id) return { ...base, source: 'counts', why: 'the run has no plan to describe' }
  try {
    const plan = await readJsonOutput(client, counts.id, signal)
    if (typeof plan === 'string') return { ...base, source: 'counts', why: plan }
    return { ...base, source: 'json-output', why: undefined, ...fromJsonPlan(plan) }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      return { ...base, source: 'counts', why: "the token may not read the plan's JSON output (it needs workspace admin access)" }
    }
    return { ...base, source: 'counts', why: `the plan's JSON output could not be read (${errorMessage(err)})` }
  }
}

/**
 * The plan's JSON output (`GET /plans/:id/json-output`, following its 307 without the token), or
 * why it is not there (not ready, refused). Throws on a failed read (a 404 is an ApiError).
 */
export async function readJsonOutput(client: TfeClient, planId: string, signal?: AbortSignal): Promise<JsonPlan | string> {
  const answer = await getPlanJsonOutput(client, planId, signal)
  if (answer.status === 204) return "the plan's JSON output was not ready"
  if (answer.status === 403) return "the token may not read the plan's JSON output (it needs workspace admin access)"
  if (answer.status === 307 && answer.location) return await fetchElsewhere(answer.location, signal)
  if (!isRecord(answer.body)) throw new Error('its answer is not a JSON plan')
  return answer.body
}

/** The 307's target is another origin with a short-lived signed URL: fetched without the token. */
async function fetchElsewhere(url: string, signal: AbortSignal | undefined): Promise<JsonPlan> {
  const answer = await boundedRequest(url, { maxBytes: MaxPlanJsonBytes, overflow: 'fail', timeoutMs: PlanJsonTimeoutMs, signal })
  if (answer.status !== 200) throw new Error(`its download answered ${answer.status}`)
  const plan: unknown = JSON.parse(answer.body.toString('utf8'))
  if (!isRecord(plan)) throw new Error('its download is not a JSON plan')
  return plan
}
