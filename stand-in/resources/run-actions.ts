/**
 * A run's actions over HTTP (POST /runs/:id/actions/apply|discard|cancel, and the force-cancel and
 * force-execute the stand-in always refuses). The moves themselves are the engine's.
 */
import { bodyAttributes, errorDocument } from '../documents.ts'
import { StandInUserId } from '../engine/model.ts'
import { route, type Route } from '../router.ts'
import { notFound, visibleRun, type ApiCall } from './call.ts'

export const RunActionRoutes: Route<ApiCall>[] = [
  route('POST', '/api/v2/runs/:id/actions/:action', ({ id, action }, call) => {
    const run = visibleRun(call, id)
    if (!run) return notFound()
    // Force-cancel needs a cancel first and a cool-off; force-execute a run that is pending behind a discardable one.
    if (action === 'force-cancel')
      return [409, errorDocument(409, 'transition not allowed', 'The run was not canceled first, or the cool-off has not passed.')]
    if (action === 'force-execute')
      return [403, errorDocument(403, 'forbidden', 'The run is not pending, or the workspace is not locked by a discardable run.')]
    const { engine } = call
    const ok =
      action === 'apply'
        ? engine.confirm(run.id)
        : action === 'discard'
          ? engine.discard(run.id)
          : action === 'cancel'
            ? engine.cancel(run.id)
            : null
    if (ok === null) return notFound()
    if (!ok) return [409, { errors: [{ status: '409', title: 'transition not allowed' }] }]
    // The comment of an apply, discard or cancel is a comment of the run (plain JSON, or the older JSON:API shape).
    const comment = bodyAttributes(call.text)?.comment
    if (typeof comment === 'string' && comment.trim()) engine.activity.comment(run.id, comment, StandInUserId)
    return [202, undefined]
  })
]
