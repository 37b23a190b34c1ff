/**
 * A run's task stages over HTTP (GET /runs/:id/task-stages[?include=task_results,policy_evaluations]):
 * the post-plan stage of the workspace's run task once it ran; with `include=policy_evaluations`,
 * also the stage the run's policy evaluation is attached to (once its policies ran); and the
 * stage a run's `include=task_stages` carries. Policy set outcomes: GET /policy-evaluations/:id/policy-set-outcomes.
 */
import { listDocument, taskStageResources } from '../documents.ts'
import { policyEvaluationResource, policySetOutcomeResource } from '../documents/policy-evaluations.ts'
import type { StandInRun } from '../engine/model.ts'
import { route, type Route } from '../router.ts'
import { notFound, visibleRun, type ApiCall } from './call.ts'

export function taskStageDocs(run: StandInRun): ReturnType<typeof taskStageResources> {
  return taskStageResources(run.id, 'post_plan', {
    name: 'security-scan',
    status: run.taskResult ?? 'passed',
    enforcement: run.taskEnforcement ?? 'advisory',
    message: run.taskResult === 'failed' ? '2 high-severity findings.' : 'No findings.'
  })
}

export const TaskStageRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/runs/:id/task-stages', ({ id }, call) => {
    const run = visibleRun(call, id)
    if (!run) return notFound()
    // A substring test, as the stand-in has always read this parameter.
    const include = call.query.get('include') ?? ''
    const stages = []
    const included = []
    if (run.taskResult) {
      const { stage, result } = taskStageDocs(run)
      stages.push(stage)
      if (include.includes('task_results')) included.push(result)
    }
    if (include.includes('policy_evaluations') && run.policyStatus) {
      const stageId = `ts-pol-${run.id.slice(4)}`
      const evaluation = policyEvaluationResource(run.id, stageId, run.policyStatus)
      stages.push({
        id: stageId,
        type: 'task-stages',
        attributes: {
          stage: 'post_plan',
          status: evaluation.attributes.status === 'failed' ? 'failed' : 'passed',
          'status-timestamps': {}
        },
        relationships: {
          run: { data: { id: run.id, type: 'runs' } },
          'task-results': { data: [] },
          'policy-evaluations': { data: [{ id: evaluation.id, type: 'policy-evaluations' }] }
        }
      })
      included.push(evaluation)
    }
    return [200, { ...listDocument(stages, 1, 20), ...(included.length ? { included } : {}) }]
  }),
  route('GET', '/api/v2/policy-evaluations/:id/policy-set-outcomes', ({ id }, call) => {
    const run = [...call.engine.runs.values()].find(r => `poleval-${r.id.slice(4)}` === id)
    if (!run?.policyStatus || !visibleRun(call, run.id)) return notFound()
    return [200, listDocument([policySetOutcomeResource(id, run.policyStatus)], 1, 20)]
  })
]
