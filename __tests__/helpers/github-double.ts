/**
 * A loopback double of the part of GitHub's API the pull-request comment uses: who the token is
 * (`GET /user`, GraphQL `viewer`), list, create and update issue comments. It records every
 * request, keeps each comment's author, and can refuse like a token without 'pull-requests:
 * write', answer like an exhausted rate limit, or never answer at all.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Author {
  login: string
  type: 'User' | 'Bot'
}

export interface Comment {
  id: number
  body: string
  user: Author
}

/** The GITHUB_TOKEN: an app installation token that `GET /user` refuses. */
export const ActionsBot: Author = { login: 'github-actions[bot]', type: 'Bot' }

export class GithubDouble {
  readonly comments = new Map<number, Comment[]>()
  readonly requests: { method: string; path: string; auth: string | undefined }[] = []
  /** Every request gets 403 "Resource not accessible by integration". */
  refuse = false
  /** Every request gets the primary rate limit's 403, resetting at this time (epoch seconds). */
  rateLimitedUntil: number | undefined
  /** Requests are read and never answered. */
  hang = false
  /** Who the token acts as; `person: true` for a personal token (`GET /user` answers). */
  identity: Author & { person?: boolean } = ActionsBot
  /** Whether the token may edit comments others wrote (a maintainer's PAT may; the job token may not). */
  mayEditOthers = false
  private nextId = 1000
  private server = http.createServer((req, res) => void this.handle(req, res))
  url = ''

  async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  /** A comment someone else wrote, as GitHub would list it. */
  addComment(issue: number, body: string, user: Author): Comment {
    const comment = { id: this.nextId++, body, user }
    this.comments.set(issue, [...(this.comments.get(issue) ?? []), comment])
    return comment
  }

  reset(): void {
    this.refuse = false
    this.rateLimitedUntil = undefined
    this.hang = false
    this.identity = ActionsBot
    this.mayEditOthers = false
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const method = req.method ?? 'GET'
    const path = new URL(req.url ?? '/', 'http://github').pathname
    this.requests.push({ method, path, auth: req.headers.authorization })
    if (this.hang) return
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }
    const notAccessible = (): void => send(403, { message: 'Resource not accessible by integration', status: '403' })
    if (this.refuse) return notAccessible()
    if (this.rateLimitedUntil !== undefined) {
      return send(
        403,
        { message: 'API rate limit exceeded for installation ID 4242.', status: '403' },
        { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(this.rateLimitedUntil) }
      )
    }
    const me: Author = { login: this.identity.login, type: this.identity.type }
    if (path === '/user' && method === 'GET') return this.identity.person ? send(200, { ...me, id: 1 }) : notAccessible()
    if (path === '/graphql' && method === 'POST') return send(200, { data: { viewer: { login: me.login } } })
    let m: RegExpMatchArray | null
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/))) {
      const issue = Number(m[1])
      const list = this.comments.get(issue) ?? []
      if (method === 'GET') return send(200, list)
      if (method === 'POST') {
        const body = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string }).body
        if (body.length > 65_536) return send(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' })
        return send(201, this.addComment(issue, body, me))
      }
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/)) && method === 'PATCH') {
      const id = Number(m[1])
      const body = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string }).body
      if (body.length > 65_536) return send(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' })
      for (const list of this.comments.values()) {
        const comment = list.find(c => c.id === id)
        if (comment) {
          if (comment.user.login !== me.login && !this.mayEditOthers) return notAccessible()
          comment.body = body
          return send(200, comment)
        }
      }
    }
    send(404, { message: 'Not Found' })
  }
}
