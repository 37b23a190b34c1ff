/**
 * A run's task stages over HTTP (GET /runs/:id/task-stages[?include=task_results]): the post-plan
 * stage of the workspace's run task once it ran; and the stage a run's `include=task_stages` carries.
 */
import { listDocument, taskStageResources } from '../documents.ts'
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
    if (!run.taskResult) return [200, listDocument([], 1, 20)]
    const { stage, result } = taskStageDocs(run)
    // A substring test, as the stand-in has always read this parameter.
    const withResults = call.query.get('include')?.includes('task_results')
    return [200, { ...listDocument([stage], 1, 20), ...(withResults ? { included: [result] } : {}) }]
  })
]
