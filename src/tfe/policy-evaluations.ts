/**
 * A run's policy evaluations (the task stages' `policy-evaluations`, HCP Terraform's newer policy
 * engine) and their policy set outcomes: each policy with its set, enforcement level and result.
 */
import type { ListDocument, TfeClient } from './client.js'
import { getListDocument, seg } from './documents.js'

/** The run's task stages with their task results and policy evaluations included. */
export async function listTaskStagesWithEvaluations(client: TfeClient, runId: string, signal?: AbortSignal): Promise<ListDocument> {
  return await getListDocument(client, `/api/v2/runs/${seg(runId)}/task-stages?include=task_results,policy_evaluations`, signal)
}

export async function listPolicySetOutcomes(client: TfeClient, evaluationId: string, signal?: AbortSignal): Promise<ListDocument> {
  return await getListDocument(client, `/api/v2/policy-evaluations/${seg(evaluationId)}/policy-set-outcomes`, signal)
}
