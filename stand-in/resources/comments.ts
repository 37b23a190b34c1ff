/**
 * Comments and run events over HTTP, as go-tfe's Comments and RunEvents read them (with
 * `include=actor,comment`). What they hold is the engine's (engine/run-activity.ts).
 */
import { bodyAttributes, commentResource, errorDocument, listDocument, runEventResource, type Resource } from '../documents.ts'
import type { Comment, RunEvent } from '../engine/run-activity.ts'
import { route, type Answer, type Route } from '../router.ts'
import { listParam, notFound, standInUser, visibleRun, type ApiCall } from './call.ts'

function commentDoc(c: Comment): Resource {
  return commentResource({ id: c.id, body: c.body, createdAt: c.createdAt, runEventId: c.eventId })
}

function describe(action: string): string {
  return action === 'commented' ? 'Comment added' : `Run ${action.replace(/_/g, ' ')}`
}

/** An unknown include answers 400 before anything else is looked at, the run's visibility included. */
function badInclude(call: ApiCall): Answer | undefined {
  const bad = listParam(call.query, 'include').find(i => i !== 'actor' && i !== 'comment')
  return bad ? [400, errorDocument(400, 'invalid include parameter', `Invalid include parameter: ${bad}`)] : undefined
}

/** The `included` part for these events: each actor and comment once. */
function includedOf(call: ApiCall, events: RunEvent[]): { included?: Resource[] } {
  const include = listParam(call.query, 'include')
  const included = new Map<string, Resource>()
  for (const e of events) {
    if (include.includes('actor') && e.actorId) included.set(`users/${e.actorId}`, standInUser())
    const comment = e.commentId ? call.engine.activity.commentById(e.commentId) : undefined
    if (include.includes('comment') && comment) included.set(`comments/${comment.id}`, commentDoc(comment))
  }
  return included.size ? { included: [...included.values()] } : {}
}

const eventDoc = (e: RunEvent): Resource => runEventResource({ ...e, description: describe(e.action) })

export const CommentRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/runs/:id/comments', ({ id }, call) => {
    if (!visibleRun(call, id)) return notFound()
    const all = call.engine.activity.commentsOf(id).map(commentDoc)
    return [200, listDocument(all, 1, Math.max(20, all.length))]
  }),
  route('POST', '/api/v2/runs/:id/comments', ({ id }, call) => {
    if (!visibleRun(call, id)) return notFound()
    const body = bodyAttributes(call.text)?.body
    if (typeof body !== 'string' || !body.trim()) return [422, errorDocument(422, 'unprocessable entity', "Body can't be blank")]
    return [201, { data: commentDoc(call.engine.activity.comment(id, body, standInUser().id)) }]
  }),
  route('GET', '/api/v2/comments/:id', ({ id }, call) => {
    const comment = call.engine.activity.commentById(id)
    return comment && visibleRun(call, comment.runId) ? [200, { data: commentDoc(comment) }] : notFound()
  }),
  route('GET', '/api/v2/runs/:id/run-events', ({ id }, call) => {
    const bad = badInclude(call)
    if (bad) return bad
    if (!visibleRun(call, id)) return notFound()
    const events = call.engine.activity.eventsOf(id)
    const docs = events.map(eventDoc)
    return [200, { ...listDocument(docs, 1, Math.max(20, docs.length)), ...includedOf(call, events) }]
  }),
  route('GET', '/api/v2/run-events/:id', ({ id }, call) => {
    const bad = badInclude(call)
    if (bad) return bad
    const event = call.engine.activity.eventById(id)
    if (!event || !visibleRun(call, event.runId)) return notFound()
    return [200, { data: eventDoc(event), ...includedOf(call, [event]) }]
  })
]
