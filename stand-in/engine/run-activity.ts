/**
 * The engine's run comments and run events: what people said on a run and what happened to it.
 * Not their HTTP side (resources/comments.ts).
 */

export interface Comment {
  id: string
  runId: string
  body: string
  createdAt: string
  eventId: string
}

export interface RunEvent {
  id: string
  runId: string
  action: string
  createdAt: string
  actorId?: string
  commentId?: string
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

  commentsOf(runId: string): Comment[] {
    return [...this.comments.values()].filter(c => c.runId === runId)
  }

  eventsOf(runId: string): RunEvent[] {
    return [...this.events.values()].filter(e => e.runId === runId)
  }

  commentById(id: string): Comment | undefined {
    return this.comments.get(id)
  }

  eventById(id: string): RunEvent | undefined {
    return this.events.get(id)
  }
}
