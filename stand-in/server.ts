/**
 * A local stand-in for the part of the HCP Terraform API v2 this action uses: real HTTP on
 * loopback, JSON:API documents, runs that move through their states on timers, and knobs for
 * tests (durations, failures, faults, rate limits, "human" operations, a request log).
 *
 * This file is the HTTP shell and the `StandIn` tests drive: listening, the log host, auth, rate
 * limits, faults, the request log, and dispatch through the route table (routes.ts). What each
 * path answers is in resources/, how runs move is in engine/.
 *
 * It runs under ts-jest and directly under Node 24 (type stripping), so it sticks to erasable
 * TypeScript and imports siblings with their .ts extension.
 */
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { errorDocument } from './documents.ts'
import type { StandInConfigurationVersion } from './engine/configuration-versions.ts'
import { RunEngine } from './engine/engine.ts'
import type { Archivist } from './engine/logs.ts'
import type { StandInRun, StandInWorkspace, Timings, WorkspaceSpec } from './engine/model.ts'
import type { RunActivity } from './engine/run-activity.ts'
import { queueVcsRun, removeWorkspace } from './engine/run-triggers.ts'
import type { StateVersions } from './engine/state-versions.ts'
import { Faults, sendFault, type FaultKind, type FaultRule } from './faults.ts'
import { RateLimits, loggedLimit, type LoggedLimit } from './rate-limits.ts'

/** HCP Terraform's limits: 30 requests a second per user, 30 run lists a minute. */
export const ServiceRateLimits = { perSecond: 30, runListsPerMinute: 30 } as const
import { admin } from './resources/admin.ts'
import { receiveUpload, serveRead } from './resources/archivist.ts'
import type { ApiCall } from './resources/call.ts'
import { page } from './resources/pages.ts'
import { find, type Answer } from './router.ts'
import { ApiRoutes } from './routes.ts'

// Everything tests, scripts and the CLI import from here, wherever it now lives.
export { newId, Terminal as TerminalStatuses } from './engine/model.ts'
export type { OutputSpec, PolicyOutcome, StandInRun, StandInWorkspace, Timings, WorkspaceSpec } from './engine/model.ts'
export type { FaultKind, FaultRule } from './faults.ts'

export interface StandInOptions {
  port?: number
  /** token → organizations it may see ('*' for all). */
  tokens?: Record<string, string[] | '*'>
  /**
   * Requests per second per token before 429: true for the service's 30, a number for another, 0 or
   * absent for no limit. With a limit, run lists have theirs too (runListLimitPerMinute).
   */
  rateLimitPerSecond?: number | boolean
  /** Run lists (GET /workspaces/:id/runs, /organizations/:org/runs) per minute per token; 30 by default, 0 for none. */
  runListLimitPerMinute?: number
  defaultTimings?: Partial<Timings>
  /** Randomness for probabilistic faults; tests pass a seeded one. */
  random?: () => number
  /** Serve HTTPS (API and archivist) with this certificate (see tls.ts). */
  tls?: { key: Buffer; cert: Buffer }
}

export interface LoggedRequest {
  at: number
  method: string
  path: string
  status: number
  token: string | undefined
  fault?: FaultKind
  /** The X-RateLimit-* the answer carried, and the bucket they are of (absent for an answer without them). */
  limit?: LoggedLimit
}

const JsonApi = 'application/vnd.api+json'

export class StandIn {
  readonly requests: LoggedRequest[] = []
  readonly runs: Map<string, StandInRun>
  readonly workspaces: Map<string, StandInWorkspace>
  readonly configurationVersions: Map<string, StandInConfigurationVersion>
  /** Archive uploads as they arrived: the version, and whether it was taken (503s from failUploads are not). */
  readonly uploads: { configurationVersionId: string; bytes: number; accepted: boolean }[] = []
  /** The next N uploads answer 503, as a storage hiccup would. */
  failUploads = 0
  /**
   * Requests that arrived on a connection that had been told to wait (a 429 with X-RateLimit-Reset)
   * before that wait was over (rate-limits.ts says why per connection).
   */
  earlyRequests = 0
  /** Requests that reached the log host carrying an Authorization header. */
  tokenLeaks = 0
  /** Reads of the log host (the archivist): performance.now() of each. */
  readonly archivistReads: number[] = []
  /** Every line written to a log, with performance.now() when it was written: the bench measures log lag from here. */
  readonly logLines: { at: number; logId: string; line: string }[]
  readonly archivist: Archivist
  /** Comments and run events. */
  readonly activity: RunActivity
  /** Every state of every workspace; a workspace's `stateVersion` is its current one. */
  readonly stateVersions: StateVersions
  rateLimited = 0
  private readonly engine: RunEngine
  private readonly faults: Faults
  private readonly limits: RateLimits
  private readonly port: number
  private readonly tokens: Record<string, string[] | '*'>
  private readonly scheme: 'http' | 'https'
  private readonly server: http.Server
  private readonly logServer: http.Server
  private readonly sockets = new Set<Socket>()
  private baseUrl = ''
  private logUrl = ''
  private stopped = false

  constructor(options: StandInOptions = {}) {
    this.port = options.port ?? 0
    this.tokens = options.tokens ?? { 'test-token': '*' }
    this.engine = new RunEngine(options.defaultTimings ?? {})
    this.faults = new Faults(options.random ?? Math.random)
    const perSecond = options.rateLimitPerSecond
    this.limits = new RateLimits(
      {
        perSecond: perSecond === true ? ServiceRateLimits.perSecond : perSecond || 0,
        runListsPerMinute: options.runListLimitPerMinute ?? ServiceRateLimits.runListsPerMinute
      },
      this
    )
    // The engine's data, under the names tests have always read.
    this.runs = this.engine.runs
    this.workspaces = this.engine.workspaces
    this.configurationVersions = this.engine.configurationVersions
    this.logLines = this.engine.logLines
    this.archivist = this.engine.archivist
    this.activity = this.engine.activity
    this.stateVersions = this.engine.stateVersions
    const tls = options.tls
    const serve = (handler: http.RequestListener): http.Server =>
      tls ? (https.createServer({ key: tls.key, cert: tls.cert }, handler) as unknown as http.Server) : http.createServer(handler)
    this.scheme = tls ? 'https' : 'http'
    this.server = serve((req, res) => void this.handle(req, res))
    this.server.on('connection', s => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    this.logServer = serve((req, res) => {
      if (req.method === 'PUT') void receiveUpload(this.engine, this, req, res)
      else serveRead(this.engine, this, req, res)
    })
  }

  get url(): string {
    return this.baseUrl
  }

  async start(): Promise<string> {
    const listen = (server: http.Server, port: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use; choose another with --port (or PORT).`) : err)
        )
        server.listen(port, '127.0.0.1', resolve)
      })
    await listen(this.server, this.port)
    await listen(this.logServer, 0)
    this.baseUrl = `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    this.logUrl = `${this.scheme}://127.0.0.1:${(this.logServer.address() as AddressInfo).port}`
    return this.baseUrl
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.engine.stop()
    for (const s of this.sockets) s.destroy()
    await Promise.all([
      new Promise<void>(resolve => this.server.close(() => resolve())),
      new Promise<void>(resolve => this.logServer.close(() => resolve()))
    ])
  }

  // ---- test knobs -------------------------------------------------------------------------

  addWorkspace(spec: WorkspaceSpec): StandInWorkspace {
    return this.engine.addWorkspace(spec)
  }

  workspaceByName(name: string, organization = 'demo-org'): StandInWorkspace | undefined {
    return this.engine.workspaceByName(name, organization)
  }

  runsOf(workspaceId: string): StandInRun[] {
    return this.engine.runsOf(workspaceId)
  }

  /** A run trigger: applies of `sourceableId` queue runs on `workspaceId` (throws on what the API refuses). */
  addRunTrigger(workspaceId: string, sourceableId: string): string {
    const made = this.engine.runTriggers.create(workspaceId, sourceableId, this.engine.workspaces)
    if ('status' in made) throw new Error(`stand-in: ${made.detail}`)
    return made.id
  }

  /** A push of `commit` to a VCS-connected workspace: the run HCP Terraform queues for it. */
  queueVcsRun(workspaceId: string, commit: string, speculative = false): StandInRun {
    const run = queueVcsRun(this.engine, this.engine.mustWorkspace(workspaceId), commit, speculative)
    if (!run) throw new Error(`stand-in: workspace ${workspaceId} has no VCS connection or no configuration`)
    return run
  }

  /** The workspace is deleted, with its runs and triggers. */
  removeWorkspace(workspaceId: string): boolean {
    return removeWorkspace(this.engine, this.engine.runTriggers, workspaceId)
  }

  injectFault(rule: FaultRule): void {
    this.faults.add(rule)
  }

  clearFaults(): void {
    this.faults.clear()
  }

  faultHits(): number {
    return this.faults.hits()
  }

  /** A person confirms the plan in the UI. */
  confirm(runId: string): boolean {
    return this.engine.confirm(runId)
  }

  discard(runId: string): boolean {
    return this.engine.discard(runId)
  }

  cancel(runId: string): boolean {
    return this.engine.cancel(runId)
  }

  /** An owner overrides a soft-mandatory policy failure. */
  overridePolicy(runId: string): boolean {
    return this.engine.overridePolicy(runId)
  }

  lock(workspaceId: string, by?: string, reason?: string): void {
    this.engine.lock(workspaceId, by, reason)
  }

  unlock(workspaceId: string): void {
    this.engine.unlock(workspaceId)
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = chunks.length ? Buffer.concat(chunks).toString('utf8') : ''
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const path = url.pathname
    const auth = req.headers.authorization
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined
    const entry: LoggedRequest = { at: Date.now(), method, path: `${path}${url.search}`, status: 0, token }
    this.requests.push(entry)

    // The admin routes and the pages are a person's, on loopback: no faults, no limit, no token.
    if (path.startsWith('/_stand-in/')) {
      const [status, body] = admin(this.engine, method, path, text)
      entry.status = status
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
      return
    }
    if (path.startsWith('/app/')) {
      const answer = page(this.engine, method, path)
      entry.status = answer.status
      res.writeHead(answer.status, answer.headers)
      res.end(answer.body)
      return
    }

    const fault = this.faults.pick(method, path)
    if (fault) {
      entry.fault = fault.kind
      if (fault.kind === 'slow') await new Promise(r => setTimeout(r, fault.delayMs ?? 2000).unref())
      else if (fault.kind === 'status-504-late-commit') {
        entry.status = 504
        res.writeHead(504, { 'Content-Type': 'text/html' })
        res.end('<html><body><h1>504 Gateway Time-out</h1></body></html>')
        setTimeout(() => {
          if (!this.stopped) this.dispatch(method, path, url.searchParams, token, text)
        }, fault.delayMs ?? 400)
        return
      } else if (fault.kind === 'reset') {
        req.socket.destroy()
        return
      } else if (fault.kind !== 'lost-response') {
        entry.status = sendFault(res, fault.kind, fault.detail)
        return
      }
    }

    const limited = this.limits.check(token ?? 'anonymous', `${req.socket.remoteAddress}:${req.socket.remotePort}`, method, path)
    let status: number
    let body: unknown
    let headers: Record<string, string> = {}
    if (limited) {
      status = 429
      body = { errors: [{ detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' }] }
      headers = limited
    } else {
      let extra: Record<string, string> | undefined
      ;[status, body, extra] = this.dispatch(method, path, url.searchParams, token, text)
      headers = { ...this.limits.headers(token ?? 'anonymous', method, path), ...extra }
    }
    entry.status = status
    entry.limit = loggedLimit(method, path, headers)
    if (fault?.kind === 'lost-response') {
      req.socket.destroy()
      return
    }
    const out = body === undefined ? '' : Buffer.isBuffer(body) ? body : JSON.stringify(body)
    res.writeHead(status, { 'Content-Type': JsonApi, ...headers })
    res.end(out)
  }

  /** The route's answer; 401 before any route but the open ones when the token is unknown. */
  private dispatch(method: string, path: string, query: URLSearchParams, token: string | undefined, text: string): Answer {
    const found = find(ApiRoutes, method, path)
    if (!found?.route.open && (!token || !(token in this.tokens))) return [401, errorDocument(401, 'unauthorized')]
    if (!found) return [404, errorDocument(404, 'not found')]
    const call: ApiCall = {
      engine: this.engine,
      query,
      text,
      token,
      archivistUrl: this.logUrl,
      canSee: org => this.canSee(token, org)
    }
    return found.answer(call)
  }

  private canSee(token: string | undefined, org: string): boolean {
    if (!token) return false
    const orgs = this.tokens[token]
    return orgs === '*' || (Array.isArray(orgs) && orgs.includes(org))
  }
}
