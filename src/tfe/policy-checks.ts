/** Policy checks: the run's policy check results. */
import type { ListDocument, TfeClient } from './client.js'
import { getListDocument, seg } from './documents.js'

export async function listPolicyChecks(client: TfeClient, runId: string, signal?: AbortSignal): Promise<ListDocument> {
  return await getListDocument(client, `/api/v2/runs/${seg(runId)}/policy-checks`, signal)
}
