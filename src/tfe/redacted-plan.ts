/**
 * The plan's redacted JSON (`GET /plans/:id/json-output-redacted`), which the Terraform CLI's
 * `cloud` backend renders the human plan from: readable by anyone who may read the run (the
 * unredacted `json-output` needs workspace admin), sensitive values already taken out, provider
 * schemas included. Its answer is a plain JSON document, not JSON:API, so it is read with the
 * bounded request (capped in bytes, one deadline, cut off on stop) rather than the API client, but
 * paced by it: the first request draws on the user's budget, and a 429 is waited out, not taken for
 * an answer. A 307 is followed once, to another origin, without the token.
 */
import { boundedRequest } from './signed-urls.js'
import { seg } from './documents.js'
import { isRecord } from '../common/json.js'
import type { TfeClient } from './client.js'

export interface PlanJsonRead {
  /** 200: `plan` is the parsed document; other statuses are handed back as they are. */
  status: number
  plan: Record<string, unknown> | undefined
}

export interface PlanJsonBounds {
  maxBytes: number
  timeoutMs: number
  signal?: AbortSignal | undefined
}

function parsePlan(body: Buffer): Record<string, unknown> {
  const plan: unknown = JSON.parse(body.toString('utf8'))
  if (!isRecord(plan)) throw new Error('the answer is not a JSON plan')
  return plan
}

export async function readRedactedPlan(
  client: TfeClient,
  baseUrl: string,
  token: string,
  planId: string,
  bounds: PlanJsonBounds
): Promise<PlanJsonRead> {
  const deadline = Date.now() + bounds.timeoutMs
  const common = { maxBytes: bounds.maxBytes, overflow: 'fail' as const, signal: bounds.signal }
  const path = `/api/v2/plans/${seg(planId)}/json-output-redacted`
  const first = await client.paced('GET', path, bounds.signal, () =>
    boundedRequest(`${baseUrl}${path}`, {
      ...common,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      // What is left of the one deadline: the waits for the budget count against it too.
      timeoutMs: Math.max(1, deadline - Date.now())
    })
  )
  if (first.status === 200) return { status: 200, plan: parsePlan(first.body) }
  const location = first.headers.location
  if ((first.status === 307 || first.status === 302) && typeof location === 'string' && location) {
    // Resolved against the API host: a relative Location stays there; an absolute one is the signed URL.
    const target = new URL(location, baseUrl)
    const sameOrigin = target.origin === new URL(baseUrl).origin
    const next = await boundedRequest(target.toString(), {
      ...common,
      // The token goes only to the host it was given for.
      headers: sameOrigin ? { Authorization: `Bearer ${token}`, Accept: 'application/json' } : { Accept: 'application/json' },
      timeoutMs: Math.max(1, deadline - Date.now())
    })
    if (next.status === 200) return { status: 200, plan: parsePlan(next.body) }
    return { status: next.status, plan: undefined }
  }
  return { status: first.status, plan: undefined }
}
