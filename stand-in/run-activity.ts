/**
 * The stand-in's run comments and run events: the comments people (and the comment of an apply,
 * discard or cancel) leave on a run, and the events of its life, answered as go-tfe's Comments and
 * RunEvents read them (GET/POST /runs/:id/comments, GET /comments/:id, GET /runs/:id/run-events,
 * GET /run-events/:id, `include=actor,comment`).
 *
 * Erasable TypeScript only: Node 24 runs this file directly (npm run stand-in).
 */
import { bodyAttributes, commentResource, errorDocument, listDocument, runEventResource, type Resource } from './documents.ts'

interface Comment {
  id: string
  runId: string
  body: string
  createdAt: string
  eventId: string
}

interface RunEvent {
  id: string
  runId: string
  action: string
  createdAt: string
  actorId?: string
  commentId?: string
}

/** What the run route needs to answer: ids, the person behind the tokens, and whether a run may be seen. */
export interface ActivityContext {
  newId: (prefix: string) => string
  user: () => Resource
  visibleRun: (runId: string) => boolean
}

export class RunActivity {
  private readonly comments = new Map<string, Comment>()
  private readonly events = new Map<string, RunEvent>()
  private readonly newId: (prefix: string) => string

  constructor(newId: (prefix: string) => string) {
    this.newId = newId
  }

  /** An event of the run's life; `actorId` when a person (or their token) made it happen. */
  record(runId: string, action: string, actorId?: string, commentId?: string): RunEvent {
    const event: RunEvent = { id: this.newId('re'), runId, action, createdAt: new Date().toISOString(), actorId, commentId }
    this.events.set(event.id, event)
    return event
  }

  /** A comment on the run, with the `commented` event that records it. */
  comment(runId: string, body: string, actorId: string): Comment {
    const id = this.newId('wsc')
    const event = this.record(runId, 'commented', actorId, id)
    const comment: Comment = { id, runId, body, createdAt: event.createdAt, eventId: event.id }
    this.comments.set(id, comment)
    return comment
  }

  commentIdsOf(runId: string): string[] {
    return [...this.comments.values()].filter(c => c.runId === runId).map(c => c.id)
  }

  eventIdsOf(runId: string): string[] {
    return [...this.events.values()].filter(e => e.runId === runId).map(e => e.id)
  }

  /** The answer to a comments or run-events request, or undefined when the path is none of theirs. */
  route(method: string, path: string, query: URLSearchParams, text: string, ctx: ActivityContext): [number, unknown] | undefined {
    const notFound: [number, unknown] = [404, errorDocument(404, 'not found')]
    let m: RegExpMatchArray | null
    if ((m = path.match(/^\/api\/v2\/runs\/([^/]+)\/comments$/))) {
      const runId = m[1] as string
      if (!ctx.visibleRun(runId)) return notFound
      if (method === 'GET') {
        const all = this.commentIdsOf(runId).map(id => this.commentDoc(this.comments.get(id) as Comment))
        return [200, listDocument(all, 1, Math.max(20, all.length))]
      }
      if (method !== 'POST') return undefined
      const body = bodyAttributes(text)?.body
      if (typeof body !== 'string' || !body.trim()) return [422, errorDocument(422, 'unprocessable entity', "Body can't be blank")]
      return [201, { data: this.commentDoc(this.comment(runId, body, ctx.user().id)) }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/comments\/([^/]+)$/))) {
      const comment = this.comments.get(m[1] as string)
      return comment && ctx.visibleRun(comment.runId) ? [200, { data: this.commentDoc(comment) }] : notFound
    }
    const list = method === 'GET' ? path.match(/^\/api\/v2\/runs\/([^/]+)\/run-events$/) : null
    const one = method === 'GET' ? path.match(/^\/api\/v2\/run-events\/([^/]+)$/) : null
    if (!list && !one) return undefined
    const include = (query.get('include') ?? '').split(',').filter(Boolean)
    const bad = include.find(i => i !== 'actor' && i !== 'comment')
    if (bad) return [400, errorDocument(400, 'invalid include parameter', `Invalid include parameter: ${bad}`)]
    const events = list
      ? ctx.visibleRun(list[1] as string)
        ? this.eventIdsOf(list[1] as string).map(id => this.events.get(id) as RunEvent)
        : undefined
      : [this.events.get(one?.[1] as string)].filter((e): e is RunEvent => e !== undefined && ctx.visibleRun(e.runId))
    if (!events || (one && !events.length)) return notFound
    const included = new Map<string, Resource>()
    for (const e of events) {
      if (include.includes('actor') && e.actorId) included.set(`users/${e.actorId}`, ctx.user())
      const comment = e.commentId ? this.comments.get(e.commentId) : undefined
      if (include.includes('comment') && comment) included.set(`comments/${comment.id}`, this.commentDoc(comment))
    }
    const extra = included.size ? { included: [...included.values()] } : {}
    const docs = events.map(e => runEventResource({ ...e, description: describe(e.action) }))
    return [200, list ? { ...listDocument(docs, 1, Math.max(20, docs.length)), ...extra } : { data: docs[0], ...extra }]
  }

  private commentDoc(c: Comment): Resource {
    return commentResource({ id: c.id, body: c.body, createdAt: c.createdAt, runEventId: c.eventId })
  }
}

function describe(action: string): string {
  return action === 'commented' ? 'Comment added' : `Run ${action.replace(/_/g, ' ')}`
}
