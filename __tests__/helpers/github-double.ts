/**
 * A loopback double of the part of GitHub's REST API the pull-request comment uses: list, create
 * and update issue comments. It records every request and can refuse like a token without
 * 'pull-requests: write' (403 "Resource not accessible by integration").
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Comment {
  id: number
  body: string
}

export class GithubDouble {
  readonly comments = new Map<number, Comment[]>()
  readonly requests: { method: string; path: string; auth: string | undefined }[] = []
  refuse = false
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const method = req.method ?? 'GET'
    const path = new URL(req.url ?? '/', 'http://github').pathname
    this.requests.push({ method, path, auth: req.headers.authorization })
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (this.refuse) return send(403, { message: 'Resource not accessible by integration', status: '403' })
    let m: RegExpMatchArray | null
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/))) {
      const issue = Number(m[1])
      const list = this.comments.get(issue) ?? []
      if (method === 'GET')
        return send(
          200,
          list.map(c => ({ id: c.id, body: c.body, user: { login: 'github-actions[bot]' } }))
        )
      if (method === 'POST') {
        const body = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string }).body
        if (body.length > 65_536) return send(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' })
        const comment = { id: this.nextId++, body }
        this.comments.set(issue, [...list, comment])
        return send(201, comment)
      }
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/)) && method === 'PATCH') {
      const id = Number(m[1])
      const body = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string }).body
      if (body.length > 65_536) return send(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' })
      for (const list of this.comments.values()) {
        const comment = list.find(c => c.id === id)
        if (comment) {
          comment.body = body
          return send(200, comment)
        }
      }
    }
    send(404, { message: 'Not Found' })
  }
}
