/**
 * The changes of a run by address, for the job summary and the pull-request comment. Sources, in
 * order: the plan's structured log (planned_change, resource_drift, change_summary, outputs
 * messages: readable by anyone who can read the run); when the log is not structured, the plan's
 * JSON output (`GET /plans/:id/json-output`: 204 until ready, 307 to a short-lived URL on another
 * origin, workspace admins only); otherwise the counts alone, with one line saying why.
 * Only addresses, actions and output names are kept: never a value.
 */
import { ApiError, errorMessage } from './errors.js'
import { signedUrlClient, type TfeClient } from './api-client.js'
import type { ChangeAction, ChangeTotals, Diagnostic, LogDigest, OutputChange, ResourceChange } from './log-render.js'
import type { Run } from './tfe.js'

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

interface JsonPlan {
  resource_changes?: { address?: string; previous_address?: string; change?: { actions?: string[]; importing?: unknown } }[]
  resource_drift?: { address?: string; change?: { actions?: string[] } }[]
  output_changes?: Record<string, { actions?: string[]; after_sensitive?: unknown; before_sensitive?: unknown }>
}

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

export function fromJsonPlan(plan: JsonPlan): Pick<ChangeReport, 'resources' | 'drift' | 'outputs'> {
  const resources: ResourceChange[] = []
  for (const rc of plan.resource_changes ?? []) {
    const action = actionOf(
      rc.change?.actions,
      Boolean(rc.change?.importing),
      Boolean(rc.previous_address && rc.previous_address !== rc.address)
    )
    if (rc.address && action) resources.push({ address: rc.address, action })
  }
  const drift: ResourceChange[] = []
  for (const rc of plan.resource_drift ?? []) {
    const action = actionOf(rc.change?.actions)
    if (rc.address && action) drift.push({ address: rc.address, action })
  }
  const outputs: OutputChange[] = []
  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) {
    const action = actionOf(oc.actions)
    if (action) outputs.push({ name, action, sensitive: oc.after_sensitive === true || oc.before_sensitive === true })
  }
  return { resources, drift, outputs }
}

/** Builds the report from what the step read of the plan's log, or asks for the plan's JSON. */
export async function changeReport(
  client: TfeClient,
  run: Run,
  digest: LogDigest | undefined,
  signal?: AbortSignal
): Promise<ChangeReport> {
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
      resources: [...digest.changes].map(([address, action]) => ({ address, action })),
      drift: [...digest.drift],
      outputs: [...digest.outputs]
    }
  }
  if (!counts?.id) return { ...base, source: 'counts', why: 'the run has no plan to describe' }
  try {
    const answer = await client.request<unknown>('GET', `/api/v2/plans/${encodeURIComponent(counts.id)}/json-output`, {
      idempotent: true,
      signal,
      accept: [204, 307, 403]
    })
    if (answer.status === 204) return { ...base, source: 'counts', why: "the plan's JSON output was not ready" }
    if (answer.status === 403)
      return { ...base, source: 'counts', why: "the token may not read the plan's JSON output (it needs workspace admin access)" }
    const plan = answer.status === 307 && answer.location ? await fetchElsewhere(answer.location) : (answer.body as JsonPlan)
    return { ...base, source: 'json-output', why: undefined, ...fromJsonPlan(plan) }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      return { ...base, source: 'counts', why: "the token may not read the plan's JSON output (it needs workspace admin access)" }
    }
    return { ...base, source: 'counts', why: `the plan's JSON output could not be read (${errorMessage(err)})` }
  }
}

/** The 307's target is another origin with a short-lived signed URL: fetched without the token. */
async function fetchElsewhere(url: string): Promise<JsonPlan> {
  const http = signedUrlClient(30_000)
  try {
    const response = await http.get(url)
    const status = response.message.statusCode ?? 0
    const body = await response.readBody()
    if (status !== 200) throw new Error(`its download answered ${status}`)
    return JSON.parse(body) as JsonPlan
  } finally {
    http.dispose()
  }
}
