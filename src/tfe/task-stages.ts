/** Task stages: the run's run task stages with their results included. */
import type { ListDocument, Resource, TfeClient } from './client.js'
import { seg } from './documents.js'

export async function listTaskStages(
  client: TfeClient,
  runId: string,
  signal?: AbortSignal
): Promise<ListDocument & { included?: Resource[] }> {
  return await client.get<ListDocument & { included?: Resource[] }>(`/api/v2/runs/${seg(runId)}/task-stages?include=task_results`, signal)
}
