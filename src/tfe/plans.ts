/** Plans: the plan's JSON output (204 until ready, 307 to a signed URL on another origin, admins only). */
import type { Answer, TfeClient } from './client.js'
import { seg } from './documents.js'

/** The answer as it is: 204, 307 (with `location`, fetched elsewhere without the token), 403, or the JSON plan itself. */
export async function getPlanJsonOutput(client: TfeClient, planId: string, signal?: AbortSignal): Promise<Answer> {
  return await client.request('GET', `/api/v2/plans/${seg(planId)}/json-output`, {
    idempotent: true,
    signal,
    accept: [204, 307, 403]
  })
}
