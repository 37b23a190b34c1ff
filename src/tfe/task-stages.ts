/** Task stages: the run's run task stages with their results included. */
import type { ListDocument, TfeClient } from './client.js'
import { getListDocument, seg } from './documents.js'

export async function listTaskStages(client: TfeClient, runId: string, signal?: AbortSignal): Promise<ListDocument> {
  return await getListDocument(client, `/api/v2/runs/${seg(runId)}/task-stages?include=task_results`, signal)
}
