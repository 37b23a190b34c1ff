/**
 * A local stand-in for the part of the HCP Terraform API v2 this action uses: real HTTP on
 * loopback, JSON:API documents, runs that move through their states on timers, and knobs for
 * tests (durations, failures, faults, rate limits, "human" operations, a request log).
 *
 * It runs under ts-jest and directly under Node 24 (type stripping), so it sticks to erasable
 * TypeScript and imports siblings with their .ts extension.
 */
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import {
  configurationVersionResource,
  declaredOutputs,
  newConfigurationVersion,
  readArchive,
  resourceAddresses,
  type StandInConfigurationVersion
} from './configuration-versions.ts'
import { notFoundPage, readableLog, renderRunPage, renderWorkspacePage, type RunPage } from './pages.ts'
import { RunActivity } from './run-activity.ts'
import {
  endEstimate,
  estimateResource,
  finishEstimate,
  newCostEstimate,
  queueEstimate,
  type StandInCostEstimate
} from './cost-estimates.ts'
import { StateVersions } from './state-versions.ts'
import { Archivist, applyScript, changesFor, counts, planScript, type LogFormat, type StageScript } from './logs.ts'
import {
  bodyAttributes,
  errorDocument,
  listDocument,
  outputResource,
  policyCheckResource,
  runResource,
  taskStageResources,
  stageResource,
  workspaceResource
} from './documents.ts'

export type PolicyOutcome = 'pass' | 'soft-fail' | 'hard-fail'

export interface Timings {
  /** pending → plan_queued → planning */
  queueMs: number
  planMs: number
  costEstimateMs: number
  policyMs: number
  /** confirmed → apply_queued → applying */
  applyQueueMs: number
  applyMs: number
  cancelMs: number
  /** After an apply, how long the new state version stays `resources-processed: false` (outputs answer 503). */
  processingMs: number
}

export interface OutputSpec {
  value: unknown
  sensitive?: boolean
}

export interface WorkspaceSpec {
  name: string
  organization?: string
  id?: string
  /** False: the workspace never had a configuration version (create run answers 422). */
  hasConfiguration?: boolean
  autoApply?: boolean
  executionMode?: 'remote' | 'agent' | 'local'
  /** What each plan finds to do; all zero means "no changes". Destroy plans remove `resources`. */
  changes?: { add: number; change: number; destroy: number }
  resources?: number
  costEstimation?: boolean
  policy?: PolicyOutcome
  /** The first N plans error. */
  failPlans?: number
  /** The first N applies error. */
  failApplies?: number
  outputs?: Record<string, OutputSpec>
  timings?: Partial<Timings>
  /** What the workspace reports as plan/apply-duration-average (default: the timings themselves). */
  reportedAverages?: { planMs?: number; applyMs?: number }
  canQueueApply?: boolean
  /** False: the token may not read state outputs (permission false, outputs endpoints 404). */
  canReadStateOutputs?: boolean
  /** Plan and apply logs: structured run output (JSON lines, the default) or plain terminal text. */
  logFormat?: LogFormat
  /** False: logs never get their closing ETX byte. */
  logEtx?: boolean
  /** True: the archivist answers 403 to this workspace's log reads. */
  logForbidden?: boolean
  /** True: the token is no workspace admin, so the plan's JSON output answers 404. */
  planJsonDenied?: boolean
  /** A post-plan run task and its result (`mandatory-failed` errors the run). */
  runTask?: 'passed' | 'advisory-failed' | 'mandatory-failed'
  /** The workspace's working directory: Terraform runs there, inside the configuration. */
  workingDirectory?: string
}

export type FaultKind =
  | 'status-500'
  | 'status-502-json'
  | 'status-502-html'
  | 'status-503'
  | 'reset'
  /** The request is performed, then the connection is dropped before any answer. */
  | 'lost-response'
  /** A gateway answers 504 at once; the request reaches the backend `delayMs` later and is performed. */
  | 'status-504-late-commit'
  | 'slow'

export interface FaultRule {
  method?: string
  path: RegExp
  /** Several kinds are used in turn. */
  kind: FaultKind | FaultKind[]
  /** How many matching requests to hit; Infinity for all. */
  times?: number
  /** Chance that a matching request is hit (default 1). */
  probability?: number
  /** Hit every n-th matching request instead (deterministic: n = 4 fails a quarter). */
  every?: number
  /** For 'slow' and 'status-504-late-commit'. */
  delayMs?: number
  /** For the JSON error statuses: the error's detail (tests put hostile text here). */
  detail?: string
}

export interface StandInOptions {
  port?: number
  /** token → organizations it may see ('*' for all). */
  tokens?: Record<string, string[] | '*'>
  /** Requests per second per token before 429 (0 = no limit). */
  rateLimitPerSecond?: number
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
}

interface Stage {
  id: string
  kind: 'plans' | 'applies'
  status: string
  additions: number
  changes: number
  destructions: number
  logId: string
  /**
   * Whether the stage hands out its log-read-url: a plan from the start, an apply once the run is
   * confirmed (go-tfe's Logs fails on an empty URL, and the Terraform CLI asks as soon as the run
   * leaves pending or confirmed). The log reads empty until the stage starts.
   */
  logIssued: boolean
  /** The lines the stage writes when it ends, set when its log opens. */
  pendingEnd?: string[]
  /** queued-at, started-at, finished-at, errored-at, canceled-at as they happen. */
  timestamps: Record<string, string>
  /** The state version an apply made. */
  stateVersionId?: string
}

/** Sets a plan's or apply's status and stamps the time, as the service's status-timestamps do. */
function stageStatus(stage: Stage, status: string): void {
  stage.status = status
  const key = status === 'running' ? 'started-at' : `${status}-at`
  stage.timestamps[key] = new Date().toISOString()
}

export interface StandInRun {
  id: string
  workspaceId: string
  /** A save-plan run: planned_and_saved until confirmed; discarded when another apply changes the state. */
  savePlan: boolean
  /** The uploaded configuration version the run plans, when it was given one. */
  configurationVersionId?: string
  status: string
  message: string
  isDestroy: boolean
  planOnly: boolean
  autoApply: boolean
  allowEmptyApply: boolean
  refreshOnly: boolean
  refresh: boolean
  targetAddrs: string[] | null
  replaceAddrs: string[] | null
  variables: { key: string; value: string }[]
  hasChanges: boolean
  confirmable: boolean
  plan: Stage
  apply: Stage
  createdAt: string
  statusTimestamps: Record<string, string>
  /** performance.now() when the run reached a final status: the bench measures lag from here. */
  terminalAt?: number
  ranCostEstimate: boolean
  /** The run's cost estimate, made with the run when the workspace estimates costs. */
  costEstimate?: StandInCostEstimate
  ranPolicy: boolean
  /** The state serial a saved plan was made against. */
  planSerial?: number
  /** The policy check's status once it ran: passed, soft_failed, hard_failed, overridden. */
  policyStatus?: string
  /** The post-plan run task's result once it ran. */
  taskResult?: 'passed' | 'failed'
  taskEnforcement?: 'advisory' | 'mandatory'
  /** The person whose move (confirm, discard, cancel) the next status comes from: its run event's actor. */
  movedBy?: string
  timers: NodeJS.Timeout[]
}

interface StandInWorkspace {
  id: string
  name: string
  organization: string
  spec: WorkspaceSpec
  timings: Timings
  currentRunId: string | undefined
  manualLock: { by: string; reason: string } | undefined
  /** When the workspace itself last changed (created, locked, unlocked, new state). */
  updatedAt: string
  queue: string[]
  resources: number
  plansSeen: number
  appliesSeen: number
  hasState: boolean
  outputs: Record<string, OutputSpec>
  outputIds: Record<string, string>
  stateVersion: { id: string; serial: number; processedAt: number } | undefined
  /** Resource addresses in the state, for runs on uploaded configuration. */
  stateAddresses: string[]
}

const Terminal = new Set(['applied', 'planned_and_finished', 'policy_soft_failed', 'discarded', 'errored', 'canceled', 'force_canceled'])
const Discardable = new Set(['pending', 'planned', 'planned_and_saved', 'cost_estimated', 'policy_checked', 'policy_override'])
const Cancelable = new Set(['pending', 'plan_queued', 'planning', 'apply_queued', 'applying'])

const DefaultTimings: Timings = {
  queueMs: 50,
  planMs: 300,
  costEstimateMs: 100,
  policyMs: 100,
  applyQueueMs: 50,
  applyMs: 300,
  cancelMs: 100,
  processingMs: 100
}

export function newId(prefix: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'
  const bytes = randomBytes(16)
  let id = ''
  for (const b of bytes) id += alphabet[b % alphabet.length]
  return `${prefix}-${id}`
}

const JsonApi = 'application/vnd.api+json'

const StandInUserId = 'user-StandInPerson0001'

/** The person behind the stand-in's tokens, for `include=created_by`. */
function standInUser(): { id: string; type: string; attributes: Record<string, unknown> } {
  return { id: StandInUserId, type: 'users', attributes: { username: 'stand-in', 'is-service-account': false } }
}

/** What a failing plan or apply writes as its diagnostic. */
const PlanError = {
  summary: 'Reference to undeclared resource',
  detail: 'A managed resource "aws_vpc" "main" has not been declared in the root module.'
}
const ApplyError = {
  summary: 'creating EC2 Instance: InsufficientInstanceCapacity',
  detail: 'We currently do not have sufficient capacity in the Availability Zone you requested.'
}

export class StandIn {
  readonly requests: LoggedRequest[] = []
  readonly runs = new Map<string, StandInRun>()
  readonly workspaces = new Map<string, StandInWorkspace>()
  readonly configurationVersions = new Map<string, StandInConfigurationVersion>()
  /** Archive uploads as they arrived: the version, and whether it was taken (503s from failUploads are not). */
  readonly uploads: { configurationVersionId: string; bytes: number; accepted: boolean }[] = []
  /** The next N uploads answer 503, as a storage hiccup would. */
  failUploads = 0
  /**
   * Requests that arrived on a connection that had been told to wait (a 429 with X-RateLimit-Reset)
   * before that wait was over. Keyed by connection, since a step sends its requests one at a time
   * on one keep-alive connection; other steps sharing the token have not been told anything.
   */
  earlyRequests = 0
  /** Requests that reached the log host carrying an Authorization header. */
  tokenLeaks = 0
  /** Reads of the log host (the archivist): performance.now() of each. */
  readonly archivistReads: number[] = []
  /** Every line written to a log, with performance.now() when it was written: the bench measures log lag from here. */
  readonly logLines: { at: number; logId: string; line: string }[] = []
  readonly archivist = new Archivist()
  /** Comments and run events. */
  readonly activity = new RunActivity(newId)
  /** Every state of every workspace; a workspace's `stateVersion` is its current one. */
  readonly stateVersions = new StateVersions()
  rateLimited = 0
  private readonly options: Required<Omit<StandInOptions, 'port' | 'tls'>> & { port: number; tls: StandInOptions['tls'] }
  private readonly scheme: 'http' | 'https'
  private readonly server: http.Server
  private readonly logServer: http.Server
  private readonly sockets = new Set<Socket>()
  private faults: (FaultRule & { hits: number; seen: number })[] = []
  private readonly windows = new Map<string, number[]>()
  private readonly blockedUntil = new Map<string, number>()
  private baseUrl = ''
  private logUrl = ''
  private stopped = false

  constructor(options: StandInOptions = {}) {
    this.options = {
      port: options.port ?? 0,
      tokens: options.tokens ?? { 'test-token': '*' },
      rateLimitPerSecond: options.rateLimitPerSecond ?? 0,
      defaultTimings: options.defaultTimings ?? {},
      random: options.random ?? Math.random,
      tls: options.tls
    }
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
      if (req.method === 'PUT') void this.receiveUpload(req, res)
      else this.serveLog(req, res)
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
    await listen(this.server, this.options.port)
    await listen(this.logServer, 0)
    this.baseUrl = `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    this.logUrl = `${this.scheme}://127.0.0.1:${(this.logServer.address() as AddressInfo).port}`
    return this.baseUrl
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const run of this.runs.values()) run.timers.forEach(clearTimeout)
    for (const s of this.sockets) s.destroy()
    await Promise.all([
      new Promise<void>(resolve => this.server.close(() => resolve())),
      new Promise<void>(resolve => this.logServer.close(() => resolve()))
    ])
  }

  // ---- test knobs -------------------------------------------------------------------------

  addWorkspace(spec: WorkspaceSpec): StandInWorkspace {
    const ws: StandInWorkspace = {
      id: spec.id ?? newId('ws'),
      name: spec.name,
      organization: spec.organization ?? 'demo-org',
      spec,
      timings: { ...DefaultTimings, ...this.options.defaultTimings, ...spec.timings },
      currentRunId: undefined,
      manualLock: undefined,
      updatedAt: new Date().toISOString(),
      queue: [],
      resources: spec.resources ?? 0,
      plansSeen: 0,
      appliesSeen: 0,
      hasState: (spec.resources ?? 0) > 0,
      outputs: {},
      outputIds: {},
      stateVersion: undefined,
      stateAddresses: []
    }
    this.workspaces.set(ws.id, ws)
    if (ws.hasState) this.newState(ws, undefined, 0)
    return ws
  }

  workspaceByName(name: string, organization = 'demo-org'): StandInWorkspace | undefined {
    return [...this.workspaces.values()].find(w => w.name === name && w.organization === organization)
  }

  runsOf(workspaceId: string): StandInRun[] {
    return [...this.runs.values()].filter(r => r.workspaceId === workspaceId)
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ ...rule, hits: 0, seen: 0 })
  }

  clearFaults(): void {
    this.faults = []
  }

  faultHits(): number {
    return this.faults.reduce((n, f) => n + f.hits, 0)
  }

  /** A person confirms the plan in the UI. */
  confirm(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!run.confirmable) return false
    run.movedBy = StandInUserId
    if (run.status === 'planned_and_saved') {
      // A confirmed saved plan becomes the workspace's current run for its apply.
      const ws = this.mustWorkspace(run.workspaceId)
      ws.currentRunId ??= run.id
    }
    this.startApply(run)
    return true
  }

  discard(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!Discardable.has(run.status)) return false
    run.movedBy = StandInUserId
    const ws = this.mustWorkspace(run.workspaceId)
    ws.queue = ws.queue.filter(id => id !== runId)
    this.finish(run, 'discarded')
    return true
  }

  cancel(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!Cancelable.has(run.status)) return false
    run.movedBy = StandInUserId
    if (run.status === 'pending') {
      const ws = this.mustWorkspace(run.workspaceId)
      ws.queue = ws.queue.filter(id => id !== runId)
      this.finish(run, 'canceled')
      return true
    }
    this.clearTimers(run)
    this.after(run, this.mustWorkspace(run.workspaceId).timings.cancelMs, () => {
      if (run.plan.status === 'running') stageStatus(run.plan, 'canceled')
      if (run.apply.status === 'running') stageStatus(run.apply, 'canceled')
      this.finish(run, 'canceled')
    })
    return true
  }

  /** An owner overrides a soft-mandatory policy failure. */
  overridePolicy(runId: string): boolean {
    const run = this.mustRun(runId)
    if (run.status !== 'policy_override') return false
    run.policyStatus = 'overridden'
    this.afterPolicy(run, 'policy_checked')
    return true
  }

  lock(workspaceId: string, by = StandInUserId, reason = 'locked by hand'): void {
    const ws = this.mustWorkspace(workspaceId)
    ws.manualLock = { by, reason }
    ws.updatedAt = new Date().toISOString()
  }

  unlock(workspaceId: string): void {
    const ws = this.mustWorkspace(workspaceId)
    ws.manualLock = undefined
    ws.updatedAt = new Date().toISOString()
    this.startNext(ws)
  }

  // ---- run lifecycle ----------------------------------------------------------------------

  private mustRun(id: string): StandInRun {
    const run = this.runs.get(id)
    if (!run) throw new Error(`stand-in: no run ${id}`)
    return run
  }

  private mustWorkspace(id: string): StandInWorkspace {
    const ws = this.workspaces.get(id)
    if (!ws) throw new Error(`stand-in: no workspace ${id}`)
    return ws
  }

  private after(run: StandInRun, ms: number, fn: () => void): void {
    if (this.stopped) return
    const t = setTimeout(() => {
      run.timers = run.timers.filter(x => x !== t)
      fn()
    }, ms)
    run.timers.push(t)
  }

  private clearTimers(run: StandInRun): void {
    run.timers.forEach(clearTimeout)
    run.timers = []
  }

  private setStatus(run: StandInRun, status: string): void {
    run.status = status
    run.statusTimestamps[`${status.replace(/_/g, '-')}-at`] = new Date().toISOString()
    run.confirmable = false
    this.activity.record(run.id, status, run.movedBy)
    run.movedBy = undefined
  }

  private createRun(ws: StandInWorkspace, a: Record<string, unknown>, cvId?: string): StandInRun {
    const planOnly = a['plan-only'] === true
    const stage = (kind: 'plans' | 'applies'): Stage => ({
      id: newId(kind === 'plans' ? 'plan' : 'apply'),
      kind,
      status: 'pending',
      additions: 0,
      changes: 0,
      destructions: 0,
      logId: randomBytes(12).toString('hex'),
      logIssued: kind === 'plans',
      timestamps: { 'queued-at': new Date().toISOString() }
    })
    const run: StandInRun = {
      id: newId('run'),
      workspaceId: ws.id,
      savePlan: a['save-plan'] === true,
      configurationVersionId: cvId,
      status: 'pending',
      message: typeof a.message === 'string' ? a.message : 'Queued manually via the Terraform Enterprise API',
      isDestroy: a['is-destroy'] === true,
      planOnly,
      autoApply: typeof a['auto-apply'] === 'boolean' ? a['auto-apply'] : (ws.spec.autoApply ?? false),
      allowEmptyApply: a['allow-empty-apply'] === true,
      refreshOnly: a['refresh-only'] === true,
      refresh: a.refresh !== false,
      targetAddrs: Array.isArray(a['target-addrs']) ? (a['target-addrs'] as string[]) : null,
      replaceAddrs: Array.isArray(a['replace-addrs']) ? (a['replace-addrs'] as string[]) : null,
      variables: Array.isArray(a.variables) ? (a.variables as { key: string; value: string }[]) : [],
      hasChanges: false,
      confirmable: false,
      plan: stage('plans'),
      apply: stage('applies'),
      createdAt: new Date().toISOString(),
      statusTimestamps: { 'plan-queueable-at': new Date().toISOString() },
      ranCostEstimate: false,
      ranPolicy: false,
      timers: []
    }
    if (ws.spec.costEstimation) run.costEstimate = newCostEstimate(newId('ce'))
    this.runs.set(run.id, run)
    this.activity.record(run.id, 'pending', StandInUserId)
    // The create answer says `pending`, as the service's does; the run moves on right after.
    if (planOnly || run.savePlan) {
      // Speculative runs and saved plans neither wait for the workspace's queue nor lock it.
      this.after(run, 0, () => this.startPlan(run, ws))
    } else {
      ws.queue.push(run.id)
      this.after(run, 0, () => this.startNext(ws))
    }
    return run
  }

  private startNext(ws: StandInWorkspace): void {
    if (ws.currentRunId || ws.manualLock) return
    const next = ws.queue.shift()
    if (!next) return
    ws.currentRunId = next
    this.startPlan(this.mustRun(next), ws)
  }

  private startPlan(run: StandInRun, ws: StandInWorkspace): void {
    this.setStatus(run, 'plan_queued')
    this.after(run, ws.timings.queueMs, () => {
      this.setStatus(run, 'planning')
      stageStatus(run.plan, 'running')
      this.writeLog(run, run.plan, ws.timings.planMs, planScript(this.logFormat(ws), this.changesOf(run, ws), this.outputChanges(ws, run)))
      this.after(run, ws.timings.planMs, () => this.planDone(run, ws))
    })
  }

  // ---- logs -------------------------------------------------------------------------------

  private logFormat(ws: StandInWorkspace): LogFormat {
    return ws.spec.logFormat ?? 'structured'
  }

  private changesOf(run: StandInRun, ws: StandInWorkspace): ReturnType<typeof changesFor> {
    if (run.refreshOnly) return []
    const cv = run.configurationVersionId ? this.configurationVersions.get(run.configurationVersionId) : undefined
    if (cv) {
      // The plan of uploaded code: its resource blocks against the state.
      const wanted = run.isDestroy ? [] : resourceAddresses(cv.files, ws.spec.workingDirectory ?? '')
      return [
        ...wanted.filter(a => !ws.stateAddresses.includes(a)).map(address => ({ address, action: 'create' as const })),
        ...ws.stateAddresses.filter(a => !wanted.includes(a)).map(address => ({ address, action: 'delete' as const }))
      ]
    }
    return changesFor(ws.spec.changes ?? { add: 1, change: 0, destroy: 0 }, run.isDestroy, ws.resources)
  }

  /** The outputs a run's configuration declares: none for a destroy, which removes them. */
  private outputChanges(ws: StandInWorkspace, run: StandInRun): { name: string; sensitive: boolean; value: unknown }[] {
    if (run.isDestroy) return []
    return Object.entries({ ...(ws.spec.outputs ?? {}), ...this.declaredOutputsOf(run, ws) }).map(([name, o]) => ({
      name,
      sensitive: o.sensitive === true,
      value: o.value
    }))
  }

  /** The `output` blocks of the run's uploaded configuration, in the workspace's working directory. */
  private declaredOutputsOf(run: StandInRun, ws: StandInWorkspace): Record<string, OutputSpec> {
    const cv = run.configurationVersionId ? this.configurationVersions.get(run.configurationVersionId) : undefined
    return cv ? declaredOutputs(cv.files, ws.spec.workingDirectory ?? '') : {}
  }

  /** The plan as `terraform show -json` writes it, with what the stand-in knows: addresses and actions. */
  private jsonPlan(run: StandInRun): unknown {
    const ws = this.mustWorkspace(run.workspaceId)
    const actions = (a: string): string[] => (a === 'replace' ? ['delete', 'create'] : [a])
    return {
      format_version: '1.2',
      terraform_version: '1.9.5',
      resource_changes: this.changesOf(run, ws).map(c => ({ address: c.address, mode: 'managed', change: { actions: actions(c.action) } })),
      output_changes: Object.fromEntries(
        this.outputChanges(ws, run).map(o => [o.name, { actions: ['create'], after_sensitive: o.sensitive, before_sensitive: false }])
      )
    }
  }

  /** Opens a stage's log with its first lines, writes the middle half-way; the stage's end writes the rest. */
  private writeLog(run: StandInRun, stage: Stage, durationMs: number, script: StageScript): void {
    this.archivist.open(stage.logId)
    this.appendLog(stage, script.start)
    stage.pendingEnd = script.end
    this.after(run, Math.floor(durationMs / 2), () => this.appendLog(stage, script.middle))
  }

  private appendLog(stage: Stage, lines: string[]): void {
    const at = performance.now()
    for (const line of lines) this.logLines.push({ at, logId: stage.logId, line })
    this.archivist.append(stage.logId, lines)
  }

  /** The stage ended: its last lines (or the error instead), then ETX unless the spec says not. */
  private endLog(run: StandInRun, stage: Stage, error?: string[]): void {
    if (!this.archivist.has(stage.logId)) return
    this.appendLog(stage, error ?? stage.pendingEnd ?? [])
    stage.pendingEnd = undefined
    this.archivist.close(stage.logId, this.mustWorkspace(run.workspaceId).spec.logEtx !== false)
  }

  /** PUT of a configuration archive to a version's one-time upload URL. */
  private async receiveUpload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.headers.authorization) this.tokenLeaks++
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const token = (req.url ?? '').match(/^\/v1\/upload\/([a-f0-9]+)$/)?.[1]
    const cv = [...this.configurationVersions.values()].find(v => v.uploadToken === token && v.status === 'pending')
    if (!cv) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
      return
    }
    if (this.failUploads > 0) {
      this.failUploads--
      this.uploads.push({ configurationVersionId: cv.id, bytes: body.length, accepted: false })
      res.writeHead(503, { 'Content-Type': 'text/plain' })
      res.end('storage unavailable')
      return
    }
    this.uploads.push({ configurationVersionId: cv.id, bytes: body.length, accepted: true })
    // The service stores the bytes and reads them: an archive it cannot read errors the version.
    try {
      const { entries, files } = await readArchive(body)
      cv.entries = entries
      cv.files = files
      cv.archive = body
      cv.status = 'uploaded'
    } catch (err) {
      cv.errorMessage = `The configuration archive could not be read: ${(err as Error).message}.`
      cv.status = 'errored'
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end()
  }

  private serveLog(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.archivistReads.push(performance.now())
    if (req.headers.authorization) this.tokenLeaks++
    const url = new URL(req.url ?? '/', 'http://archivist')
    const state = this.stateVersions.download(url.pathname)
    if (state) {
      res.writeHead(200, { 'Content-Type': state.contentType, 'Content-Length': String(Buffer.byteLength(state.body)) })
      res.end(state.body)
      return
    }
    const planId = url.pathname.match(/^\/v1\/json\/(plan-\w+)$/)?.[1]
    if (planId) {
      const run = [...this.runs.values()].find(r => r.plan.id === planId)
      if (!run) {
        res.writeHead(404, { 'Content-Type': 'text/plain' })
        res.end('not found')
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(this.jsonPlan(run)))
      return
    }
    const id = url.pathname.match(/^\/v1\/object\/([a-f0-9]+)$/)?.[1]
    const run = id ? [...this.runs.values()].find(r => r.plan.logId === id || r.apply.logId === id) : undefined
    if (!id || !run) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
      return
    }
    if (this.mustWorkspace(run.workspaceId).spec.logForbidden) {
      res.writeHead(403, { 'Content-Type': 'text/plain' })
      res.end('forbidden')
      return
    }
    const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0)
    const limit = Math.min(1 << 20, Math.max(1, Number(url.searchParams.get('limit') ?? 65536) || 65536))
    const chunk = this.archivist.read(id, offset, limit) ?? Buffer.alloc(0)
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(chunk.length) })
    res.end(chunk)
  }

  private planDone(run: StandInRun, ws: StandInWorkspace): void {
    ws.plansSeen++
    if (ws.plansSeen <= (ws.spec.failPlans ?? 0)) {
      this.endLog(run, run.plan, planScript(this.logFormat(ws), [], [], PlanError).end)
      stageStatus(run.plan, 'errored')
      this.finish(run, 'errored')
      return
    }
    this.endLog(run, run.plan)
    const n = counts(this.changesOf(run, ws))
    run.plan.additions = n.add
    run.plan.changes = n.change
    run.plan.destructions = n.remove
    stageStatus(run.plan, 'finished')
    run.hasChanges = run.plan.additions + run.plan.changes + run.plan.destructions > 0
    if (run.savePlan && run.hasChanges) {
      run.planSerial = ws.stateVersion?.serial ?? 0
      this.setStatus(run, 'planned_and_saved')
      run.confirmable = true
      return
    }
    if (!run.hasChanges && !run.allowEmptyApply) {
      this.setStatus(run, 'planned')
      this.after(run, 20, () => this.finish(run, 'planned_and_finished'))
      return
    }
    this.setStatus(run, 'planned')
    if (ws.spec.runTask) {
      const task = ws.spec.runTask
      this.after(run, 10, () => {
        this.setStatus(run, 'post_plan_running')
        this.after(run, ws.timings.policyMs, () => {
          run.taskResult = task === 'passed' ? 'passed' : 'failed'
          run.taskEnforcement = task === 'mandatory-failed' ? 'mandatory' : 'advisory'
          if (task === 'mandatory-failed') {
            this.finish(run, 'errored')
            return
          }
          this.setStatus(run, 'post_plan_completed')
          this.afterTasks(run, ws)
        })
      })
      return
    }
    this.afterTasks(run, ws)
  }

  private afterTasks(run: StandInRun, ws: StandInWorkspace): void {
    if (ws.spec.costEstimation) {
      this.after(run, 10, () => {
        this.setStatus(run, 'cost_estimating')
        run.ranCostEstimate = true
        const ce = run.costEstimate
        if (ce) queueEstimate(ce)
        this.after(run, ws.timings.costEstimateMs, () => {
          if (ce) finishEstimate(ce, ws.resources, Math.max(0, ws.resources + run.plan.additions - run.plan.destructions))
          this.setStatus(run, 'cost_estimated')
          this.afterCostEstimate(run, ws)
        })
      })
      return
    }
    this.afterCostEstimate(run, ws)
  }

  private afterCostEstimate(run: StandInRun, ws: StandInWorkspace): void {
    if (!ws.spec.policy) {
      this.readyToApply(run)
      return
    }
    this.after(run, 10, () => {
      this.setStatus(run, 'policy_checking')
      run.ranPolicy = true
      this.after(run, ws.timings.policyMs, () => {
        if (ws.spec.policy === 'hard-fail') {
          run.policyStatus = 'hard_failed'
          this.finish(run, 'errored')
        } else if (ws.spec.policy === 'soft-fail') {
          run.policyStatus = 'soft_failed'
          if (run.planOnly) this.finish(run, 'policy_soft_failed')
          else this.setStatus(run, 'policy_override')
        } else {
          run.policyStatus = 'passed'
          this.afterPolicy(run, 'policy_checked')
        }
      })
    })
  }

  private afterPolicy(run: StandInRun, status: string): void {
    this.setStatus(run, status)
    this.readyToApply(run)
  }

  private readyToApply(run: StandInRun): void {
    if (run.planOnly) {
      this.finish(run, 'planned_and_finished')
      return
    }
    if (run.autoApply) {
      this.after(run, 10, () => this.startApply(run))
      return
    }
    run.confirmable = true
  }

  private startApply(run: StandInRun): void {
    const ws = this.mustWorkspace(run.workspaceId)
    run.apply.logIssued = true
    this.setStatus(run, 'confirmed')
    this.after(run, 10, () => {
      this.setStatus(run, 'apply_queued')
      this.after(run, ws.timings.applyQueueMs, () => {
        this.setStatus(run, 'applying')
        stageStatus(run.apply, 'running')
        this.writeLog(
          run,
          run.apply,
          ws.timings.applyMs,
          applyScript(this.logFormat(ws), this.changesOf(run, ws), this.outputChanges(ws, run))
        )
        this.after(run, ws.timings.applyMs, () => this.applyDone(run, ws))
      })
    })
  }

  private applyDone(run: StandInRun, ws: StandInWorkspace): void {
    ws.appliesSeen++
    if (ws.appliesSeen <= (ws.spec.failApplies ?? 0)) {
      this.endLog(run, run.apply, applyScript(this.logFormat(ws), [], [], ApplyError).end)
      stageStatus(run.apply, 'errored')
      this.finish(run, 'errored')
      return
    }
    this.endLog(run, run.apply)
    stageStatus(run.apply, 'finished')
    run.apply.additions = run.plan.additions
    run.apply.changes = run.plan.changes
    run.apply.destructions = run.plan.destructions
    ws.resources = Math.max(0, ws.resources + run.apply.additions - run.apply.destructions)
    if (run.configurationVersionId) {
      const cv = this.configurationVersions.get(run.configurationVersionId)
      if (cv) cv.promoted = true
      const applied = this.changesOf(run, ws)
      ws.stateAddresses = [
        ...ws.stateAddresses.filter(a => !applied.some(c => c.address === a && c.action === 'delete')),
        ...applied.filter(c => c.action === 'create').map(c => c.address)
      ].sort()
    }
    ws.hasState = true
    ws.outputs = run.isDestroy ? {} : { ...(ws.spec.outputs ?? {}), ...this.declaredOutputsOf(run, ws) }
    for (const name of Object.keys(ws.outputs)) ws.outputIds[name] ??= newId('wsout')
    run.apply.stateVersionId = this.newState(ws, run.id, performance.now() + ws.timings.processingMs).id
    this.finish(run, 'applied')
    // The state changed: every plan saved against the old one is stale.
    for (const other of this.runsOf(ws.id)) if (other.status === 'planned_and_saved') this.finish(other, 'discarded')
  }

  /** The workspace's next state, from what it now holds: its resources (by address when known) and outputs. */
  private newState(ws: StandInWorkspace, runId: string | undefined, processedAt: number): { id: string } {
    const addresses = ws.stateAddresses.length
      ? ws.stateAddresses
      : Array.from({ length: ws.resources }, (_, i) => `aws_instance.web[${i}]`)
    const sv = this.stateVersions.add({
      id: newId('sv'),
      workspaceId: ws.id,
      serial: (ws.stateVersion?.serial ?? 0) + 1,
      runId,
      processedAt,
      outputs: { ...ws.outputs },
      outputIds: Object.fromEntries(Object.keys(ws.outputs).map(name => [name, ws.outputIds[name] as string])),
      addresses
    })
    ws.stateVersion = { id: sv.id, serial: sv.serial, processedAt }
    ws.updatedAt = new Date().toISOString()
    return sv
  }

  private finish(run: StandInRun, status: string): void {
    this.clearTimers(run)
    // A stage cut short (cancel) still closes its log.
    for (const stage of [run.plan, run.apply]) if (stage.pendingEnd) this.endLog(run, stage, [])
    // A stage the run never reached ends too: log readers stop when their stage's status is final.
    for (const stage of [run.plan, run.apply]) if (stage.status === 'pending') stageStatus(stage, 'unreachable')
    if (run.costEstimate) endEstimate(run.costEstimate)
    this.setStatus(run, status)
    run.terminalAt = performance.now()
    const ws = this.mustWorkspace(run.workspaceId)
    if (ws.currentRunId === run.id) {
      ws.currentRunId = undefined
      this.startNext(ws)
    }
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const path = url.pathname
    const auth = req.headers.authorization
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined
    const entry: LoggedRequest = { at: Date.now(), method, path: `${path}${url.search}`, status: 0, token }
    this.requests.push(entry)

    if (path.startsWith('/_stand-in/')) {
      const [status, body] = this.admin(method, path, chunks.length ? Buffer.concat(chunks).toString('utf8') : '')
      entry.status = status
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
      return
    }
    if (path.startsWith('/app/')) {
      entry.status = this.servePage(method, path, res)
      return
    }

    const fault = this.pickFault(method, path)
    if (fault) {
      entry.fault = fault.kind
      if (fault.kind === 'slow') await new Promise(r => setTimeout(r, fault.delayMs ?? 2000).unref())
      else if (fault.kind === 'status-504-late-commit') {
        entry.status = 504
        res.writeHead(504, { 'Content-Type': 'text/html' })
        res.end('<html><body><h1>504 Gateway Time-out</h1></body></html>')
        const text = chunks.length ? Buffer.concat(chunks).toString('utf8') : ''
        setTimeout(() => {
          if (!this.stopped) this.route(method, path, url.searchParams, token, text)
        }, fault.delayMs ?? 400)
        return
      } else if (fault.kind === 'reset') {
        req.socket.destroy()
        return
      } else if (fault.kind !== 'lost-response') {
        entry.status = this.sendFault(res, fault.kind, fault.detail)
        return
      }
    }

    const limited = this.rateLimit(token ?? 'anonymous', `${req.socket.remoteAddress}:${req.socket.remotePort}`)
    let status: number
    let body: unknown
    let headers: Record<string, string> = {}
    if (limited) {
      status = 429
      body = { errors: [{ detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' }] }
      headers = limited
    } else {
      let extra: Record<string, string> | undefined
      ;[status, body, extra] = this.route(
        method,
        path,
        url.searchParams,
        token,
        chunks.length ? Buffer.concat(chunks).toString('utf8') : ''
      )
      headers = { ...this.rateHeaders(token ?? 'anonymous'), ...extra }
    }
    entry.status = status
    if (fault?.kind === 'lost-response') {
      req.socket.destroy()
      return
    }
    const text = body === undefined ? '' : Buffer.isBuffer(body) ? body : JSON.stringify(body)
    res.writeHead(status, { 'Content-Type': JsonApi, ...headers })
    res.end(text)
  }

  /** The pages behind the run and workspace URLs (pages.ts); a form post acts as a person would. */
  private servePage(method: string, path: string, res: http.ServerResponse): number {
    const m = path.match(/^\/app\/([^/]+)\/workspaces\/([^/]+)(?:\/runs\/([^/]+)(?:\/actions\/(confirm|discard|cancel|override))?)?\/?$/)
    const ws = m ? this.workspaceByName(decodeURIComponent(m[2] as string), decodeURIComponent(m[1] as string)) : undefined
    const run = m?.[3] ? this.runs.get(m[3]) : undefined
    const html = (status: number, text: string): number => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(text)
      return status
    }
    if (!m || !ws || (m[3] && (!run || run.workspaceId !== ws.id))) return html(404, notFoundPage())
    if (run && m[4]) {
      if (method !== 'POST') return html(405, notFoundPage())
      const done =
        m[4] === 'confirm'
          ? this.confirm(run.id)
          : m[4] === 'discard'
            ? this.discard(run.id)
            : m[4] === 'cancel'
              ? this.cancel(run.id)
              : this.overridePolicy(run.id)
      res.writeHead(303, { Location: `/app/${m[1]}/workspaces/${m[2]}/runs/${run.id}${done ? '' : '?refused=1'}` })
      res.end()
      return 303
    }
    if (!run) {
      return html(
        200,
        renderWorkspacePage({
          org: ws.organization,
          name: ws.name,
          id: ws.id,
          locked: Boolean(ws.currentRunId || ws.manualLock),
          runs: this.runsOf(ws.id)
            .reverse()
            .map(r => ({ id: r.id, status: r.status, message: r.message }))
        })
      )
    }
    const actions: RunPage['actions'] = []
    if (run.confirmable) actions.push('confirm')
    if (run.status === 'policy_override') actions.push('override')
    if (Discardable.has(run.status)) actions.push('discard')
    if (Cancelable.has(run.status)) actions.push('cancel')
    const log = (stage: Stage): string => readableLog(this.archivist.read(stage.logId, 0, 1 << 24)?.toString('utf8') ?? '')
    return html(
      200,
      renderRunPage({
        org: ws.organization,
        workspace: ws.name,
        id: run.id,
        status: run.status,
        message: run.message,
        final: Terminal.has(run.status),
        timestamps: run.statusTimestamps,
        counts: run.plan,
        actions,
        logs: [
          { title: 'Plan', text: log(run.plan) },
          ...(this.archivist.has(run.apply.logId) ? [{ title: 'Apply', text: log(run.apply) }] : [])
        ]
      })
    )
  }

  /**
   * The "humans" over HTTP, for `npm run stand-in` and manual trials (no auth: loopback only):
   * GET /_stand-in/state, POST /_stand-in/workspaces {spec}, POST /_stand-in/runs/:id/{confirm,discard,cancel,override},
   * POST /_stand-in/workspaces/:id/{lock,unlock}.
   */
  private admin(method: string, path: string, text: string): [number, unknown] {
    let m: RegExpMatchArray | null
    if (method === 'GET' && path === '/_stand-in/state') {
      return [
        200,
        {
          workspaces: [...this.workspaces.values()].map(w => ({
            id: w.id,
            organization: w.organization,
            name: w.name,
            resources: w.resources,
            currentRunId: w.currentRunId
          })),
          runs: [...this.runs.values()].map(r => ({
            id: r.id,
            workspaceId: r.workspaceId,
            status: r.status,
            confirmable: r.confirmable,
            message: r.message
          }))
        }
      ]
    }
    if (method === 'POST' && path === '/_stand-in/workspaces') {
      const ws = this.addWorkspace(JSON.parse(text || '{}') as WorkspaceSpec)
      return [201, { id: ws.id, name: ws.name, organization: ws.organization }]
    }
    if (method === 'POST' && (m = path.match(/^\/_stand-in\/runs\/([^/]+)\/(confirm|discard|cancel|override)$/))) {
      const id = m[1] as string
      if (!this.runs.has(id)) return [404, { error: 'no such run' }]
      const ok =
        m[2] === 'confirm'
          ? this.confirm(id)
          : m[2] === 'discard'
            ? this.discard(id)
            : m[2] === 'cancel'
              ? this.cancel(id)
              : this.overridePolicy(id)
      return ok ? [200, { ok }] : [409, { error: `cannot ${m[2]} a run that is ${this.runs.get(id)?.status}` }]
    }
    if (method === 'POST' && (m = path.match(/^\/_stand-in\/workspaces\/([^/]+)\/(lock|unlock)$/))) {
      const id = m[1] as string
      if (!this.workspaces.has(id)) return [404, { error: 'no such workspace' }]
      if (m[2] === 'lock') this.lock(id)
      else this.unlock(id)
      return [200, { ok: true }]
    }
    return [404, { error: 'unknown stand-in admin route' }]
  }

  private pickFault(method: string, path: string): { kind: FaultKind; delayMs?: number; detail?: string } | undefined {
    for (const f of this.faults) {
      if (f.method && f.method !== method) continue
      if (!f.path.test(path)) continue
      if (f.hits >= (f.times ?? Infinity)) continue
      f.seen++
      if (f.every ? f.seen % f.every !== 0 : this.options.random() >= (f.probability ?? 1)) continue
      const kinds = Array.isArray(f.kind) ? f.kind : [f.kind]
      const kind = kinds[f.hits % kinds.length] as FaultKind
      f.hits++
      return { kind, delayMs: f.delayMs, detail: f.detail }
    }
    return undefined
  }

  private sendFault(res: http.ServerResponse, kind: FaultKind, detail?: string): number {
    if (kind === 'status-502-html') {
      res.writeHead(502, { 'Content-Type': 'text/html' })
      res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>corporate-proxy</body></html>')
      return 502
    }
    const status = kind === 'status-500' ? 500 : kind === 'status-503' ? 503 : 502
    res.writeHead(status, { 'Content-Type': JsonApi })
    res.end(JSON.stringify(errorDocument(status, 'internal error', detail)))
    return status
  }

  /** A sliding one-second window per token, as the real limit is counted per user. */
  private rateLimit(token: string, connection: string): Record<string, string> | undefined {
    const limit = this.options.rateLimitPerSecond
    if (!limit) return undefined
    const now = performance.now()
    if ((this.blockedUntil.get(connection) ?? 0) > now) this.earlyRequests++
    const window = (this.windows.get(token) ?? []).filter(t => now - t < 1000)
    this.windows.set(token, window)
    if (window.length >= limit) {
      const resetMs = 1000 - (now - (window[0] as number))
      this.blockedUntil.set(connection, now + resetMs)
      this.rateLimited++
      return {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': (resetMs / 1000).toFixed(3)
      }
    }
    window.push(now)
    return undefined
  }

  private rateHeaders(token: string): Record<string, string> {
    const limit = this.options.rateLimitPerSecond
    // Without a configured limit the budget never runs low, but the headers are there, as on the service.
    if (!limit) return { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '30', 'X-RateLimit-Reset': '0.000' }
    const window = this.windows.get(token) ?? []
    const oldest = window[0]
    const reset = oldest === undefined ? 0 : Math.max(0, 1000 - (performance.now() - oldest)) / 1000
    return {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - window.length)),
      'X-RateLimit-Reset': reset.toFixed(3)
    }
  }

  private canSee(token: string | undefined, org: string): boolean {
    if (!token) return false
    const orgs = this.options.tokens[token]
    return orgs === '*' || (Array.isArray(orgs) && orgs.includes(org))
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    token: string | undefined,
    text: string
  ): [number, unknown, Record<string, string>?] {
    // Service discovery and the health check need no token (go-tfe pings when it makes a client).
    if (method === 'GET' && path === '/.well-known/terraform.json') {
      return [
        200,
        { 'tfe.v2': '/api/v2/', 'tfe.v2.1': '/api/v2/', 'tfe.v2.2': '/api/v2/', 'state.v2': '/api/v2/' },
        { 'Content-Type': 'application/json' }
      ]
    }
    if (method === 'GET' && path === '/api/v2/ping')
      // go-tfe's IsCloud() matches the app name exactly; anything else makes clients take this for Terraform Enterprise.
      return [204, undefined, { 'TFP-API-Version': '2.6', 'TFP-AppName': 'HCP Terraform' }]
    if (!token || !(token in this.options.tokens)) return [401, errorDocument(401, 'unauthorized')]
    const notFound: [number, unknown] = [404, errorDocument(404, 'not found')]
    let m: RegExpMatchArray | null
    const visibleWs = (ws: StandInWorkspace | undefined): StandInWorkspace | undefined =>
      ws && this.canSee(token, ws.organization) ? ws : undefined
    const visibleRun = (id: string): StandInRun | undefined => {
      const run = this.runs.get(id)
      return run && visibleWs(this.workspaces.get(run.workspaceId)) ? run : undefined
    }

    const activity = this.activity.route(method, path, query, text, {
      newId,
      user: standInUser,
      visibleRun: id => visibleRun(id) !== undefined
    })
    if (activity) return activity
    const state = this.stateVersions.route(method, path, query, {
      readable: id => {
        const ws = visibleWs(this.workspaces.get(id))
        return ws !== undefined && ws.spec.canReadStateOutputs !== false
      },
      run: id => {
        const run = visibleRun(id)
        return run ? this.runResource(run) : undefined
      },
      user: standInUser,
      archivistUrl: this.logUrl
    })
    if (state) return state
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/organizations\/([^/]+)\/workspaces\/([^/]+)$/))) {
      const ws = visibleWs(this.workspaceByName(decodeURIComponent(m[2] as string), decodeURIComponent(m[1] as string)))
      return ws ? [200, { data: this.workspaceResource(ws) }] : notFound
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/workspaces\/([^/]+)$/))) {
      const ws = visibleWs(this.workspaces.get(m[1] as string))
      return ws ? [200, { data: this.workspaceResource(ws) }] : notFound
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/workspaces\/([^/]+)\/runs$/))) {
      const ws = visibleWs(this.workspaces.get(m[1] as string))
      if (!ws) return notFound
      return this.runList(ws, query)
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/workspaces\/([^/]+)\/current-state-version$/))) {
      const ws = visibleWs(this.workspaces.get(m[1] as string))
      if (!ws || !ws.stateVersion || ws.spec.canReadStateOutputs === false) return notFound
      const data = this.stateVersionOf(ws)
      // include=outputs, as HashiCorp's own action reads them (once resources-processed is true).
      if ((query.get('include') ?? '').split(',').includes('outputs') && data.attributes['resources-processed'] === true) {
        const included = Object.entries(ws.outputs).map(([name, o]) =>
          outputResource(ws.outputIds[name] as string, name, o.value, o.sensitive === true)
        )
        return [200, { data, included }]
      }
      return [200, { data }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/workspaces\/([^/]+)\/current-state-version-outputs$/))) {
      const ws = visibleWs(this.workspaces.get(m[1] as string))
      if (!ws || !ws.stateVersion || ws.spec.canReadStateOutputs === false) return notFound
      if (performance.now() < ws.stateVersion.processedAt) {
        return [503, errorDocument(503, 'Service Unavailable', 'The state version outputs are still being processed.')]
      }
      const all = Object.entries(ws.outputs).map(([name, o]) =>
        outputResource(ws.outputIds[name] as string, name, o.value, o.sensitive === true)
      )
      const size = Math.min(100, Number(query.get('page[size]') ?? 20) || 20)
      const page = Math.max(1, Number(query.get('page[number]') ?? 1) || 1)
      return [200, listDocument(all, page, size)]
    }
    if (method === 'POST' && (m = path.match(/^\/api\/v2\/workspaces\/([^/]+)\/configuration-versions$/))) {
      const ws = visibleWs(this.workspaces.get(m[1] as string))
      if (!ws) return notFound
      let a: Record<string, unknown> = {}
      try {
        a = ((JSON.parse(text || '{}') as { data?: { attributes?: Record<string, unknown> } }).data?.attributes ?? {}) as Record<
          string,
          unknown
        >
      } catch {
        return [422, errorDocument(422, 'unprocessable entity', 'Malformed JSON body')]
      }
      const cv = newConfigurationVersion(newId('cv'), ws.id, a)
      this.configurationVersions.set(cv.id, cv)
      return [201, { data: configurationVersionResource(cv, this.logUrl) }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/configuration-versions\/([^/]+)$/))) {
      const cv = this.configurationVersions.get(m[1] as string)
      if (!cv || !visibleWs(this.workspaces.get(cv.workspaceId))) return notFound
      return [200, { data: configurationVersionResource(cv, this.logUrl) }]
    }
    if (method === 'POST' && path === '/api/v2/runs') return this.createRunRoute(token, text)
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/runs\/([^/]+)$/))) {
      const run = visibleRun(m[1] as string)
      if (!run) return notFound
      const { included, error } = this.runIncluded([run], query)
      if (error) return error
      return [200, { data: this.runResource(run), ...(included.length ? { included } : {}) }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/runs\/([^/]+)\/(plan|apply)$/))) {
      const run = visibleRun(m[1] as string)
      if (!run) return notFound
      return [200, { data: this.stageResource(m[2] === 'plan' ? run.plan : run.apply) }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/state-version-outputs\/([^/]+)$/))) {
      for (const ws of this.workspaces.values()) {
        const name = Object.keys(ws.outputIds).find(n => ws.outputIds[n] === m?.[1])
        if (name === undefined || !visibleWs(ws) || ws.spec.canReadStateOutputs === false) continue
        const o = ws.outputs[name]
        // This endpoint is the one that shows a sensitive value, to those allowed to read it.
        if (o)
          return [
            200,
            {
              data: {
                ...outputResource(m[1] as string, name, o.value, false),
                attributes: { ...outputResource(m[1] as string, name, o.value, false).attributes, sensitive: o.sensitive === true }
              }
            }
          ]
      }
      return notFound
    }
    if (method === 'POST' && (m = path.match(/^\/api\/v2\/workspaces\/([^/]+)\/actions\/(lock|unlock|force-unlock)$/))) {
      const ws = visibleWs(this.workspaces.get(m[1] as string))
      if (!ws) return notFound
      if (m[2] === 'lock') {
        if (ws.manualLock || ws.currentRunId)
          return [409, errorDocument(409, 'conflict', 'Unable to lock workspace. The workspace is already locked.')]
        const a = bodyAttributes(text)
        if (!a) return [422, errorDocument(422, 'unprocessable entity', 'Malformed JSON body')]
        this.lock(ws.id, StandInUserId, typeof a.reason === 'string' ? a.reason : '')
      } else {
        if (!ws.manualLock) return [409, errorDocument(409, 'conflict', 'Unable to unlock workspace. The workspace is not locked.')]
        this.unlock(ws.id)
      }
      return [200, { data: this.workspaceResource(ws) }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/configuration-versions\/([^/]+)\/download$/))) {
      const cv = this.configurationVersions.get(m[1] as string)
      if (!cv || !visibleWs(this.workspaces.get(cv.workspaceId)) || !cv.archive) return notFound
      return [200, cv.archive, { 'Content-Type': 'application/octet-stream' }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/cost-estimates\/([^/]+)$/))) {
      const run = [...this.runs.values()].find(r => r.costEstimate?.id === m?.[1])
      return run?.costEstimate && visibleRun(run.id) ? [200, { data: estimateResource(run.costEstimate) }] : notFound
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/runs\/([^/]+)\/policy-checks$/))) {
      const run = visibleRun(m[1] as string)
      if (!run) return notFound
      return [200, listDocument(run.policyStatus ? [policyCheckResource(run.id, run.policyStatus)] : [], 1, 20)]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/runs\/([^/]+)\/task-stages$/))) {
      const run = visibleRun(m[1] as string)
      if (!run) return notFound
      if (!run.taskResult) return [200, listDocument([], 1, 20)]
      const { stage, result } = this.taskStage(run)
      return [200, { ...listDocument([stage], 1, 20), ...(query.get('include')?.includes('task_results') ? { included: [result] } : {}) }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/plans\/([^/]+)\/json-output$/))) {
      const run = [...this.runs.values()].find(r => r.plan.id === m?.[1])
      if (!run || !visibleRun(run.id) || this.mustWorkspace(run.workspaceId).spec.planJsonDenied) return notFound
      if (run.plan.status !== 'finished') return [204, undefined]
      return [307, undefined, { Location: `${this.logUrl}/v1/json/${run.plan.id}` }]
    }
    if (method === 'GET' && (m = path.match(/^\/api\/v2\/(plans|applies)\/([^/]+)$/))) {
      const kind = m[1] as 'plans' | 'applies'
      const run = [...this.runs.values()].find(r => (kind === 'plans' ? r.plan.id : r.apply.id) === m?.[2])
      if (!run || !visibleRun(run.id)) return notFound
      return [200, { data: this.stageResource(kind === 'plans' ? run.plan : run.apply) }]
    }
    if (method === 'POST' && (m = path.match(/^\/api\/v2\/runs\/([^/]+)\/actions\/([a-z-]+)$/))) {
      const run = visibleRun(m[1] as string)
      if (!run) return notFound
      // Force-cancel needs a cancel first and a cool-off; force-execute a run that is pending behind a discardable one.
      if (m[2] === 'force-cancel')
        return [409, errorDocument(409, 'transition not allowed', 'The run was not canceled first, or the cool-off has not passed.')]
      if (m[2] === 'force-execute')
        return [403, errorDocument(403, 'forbidden', 'The run is not pending, or the workspace is not locked by a discardable run.')]
      const ok =
        m[2] === 'apply' ? this.confirm(run.id) : m[2] === 'discard' ? this.discard(run.id) : m[2] === 'cancel' ? this.cancel(run.id) : null
      if (ok === null) return notFound
      if (!ok) return [409, { errors: [{ status: '409', title: 'transition not allowed' }] }]
      // The comment of an apply, discard or cancel is a comment of the run (plain JSON, or the older JSON:API shape).
      const comment = bodyAttributes(text)?.comment
      if (typeof comment === 'string' && comment.trim()) this.activity.comment(run.id, comment, StandInUserId)
      return [202, undefined]
    }
    return notFound
  }

  private createRunRoute(token: string, text: string): [number, unknown] {
    let doc: { data?: { type?: string; attributes?: Record<string, unknown>; relationships?: { workspace?: { data?: { id?: string } } } } }
    try {
      doc = JSON.parse(text) as typeof doc
    } catch {
      return [422, { errors: [{ status: '422', title: 'unprocessable entity', detail: 'Malformed JSON body' }] }]
    }
    const wsId = doc.data?.relationships?.workspace?.data?.id
    const ws = wsId ? this.workspaces.get(wsId) : undefined
    if (!ws || !this.canSee(token, ws.organization)) return [404, { errors: [{ status: '404', title: 'not found' }] }]
    if (doc.data?.type !== 'runs') return [422, { errors: [{ status: '422', title: 'unprocessable entity', detail: 'Type must be runs' }] }]
    const a = doc.data.attributes ?? {}
    if (a['is-destroy'] === true && a['refresh-only'] === true) {
      return [
        422,
        { errors: [{ status: '422', title: 'unprocessable entity', detail: 'Refresh-only and destroy are mutually exclusive' }] }
      ]
    }
    const cvId = (doc.data.relationships as { 'configuration-version'?: { data?: { id?: string } } } | undefined)?.['configuration-version']
      ?.data?.id
    if (cvId) {
      const cv = this.configurationVersions.get(cvId)
      if (!cv || cv.workspaceId !== ws.id) return [404, errorDocument(404, 'not found')]
      if (cv.status !== 'uploaded') {
        return [422, errorDocument(422, 'unprocessable entity', `Configuration version is ${cv.status}, not uploaded`)]
      }
      if (cv.speculative && a['plan-only'] !== true) {
        return [422, errorDocument(422, 'unprocessable entity', 'A speculative configuration version can only be used by a plan-only run')]
      }
      return [201, { data: this.runResource(this.createRun(ws, a, cv.id)) }]
    }
    // Without one, a run uses the workspace's latest configuration version, as on the service.
    const latest = [...this.configurationVersions.values()]
      .filter(v => v.workspaceId === ws.id && v.status === 'uploaded' && !v.speculative && (!v.provisional || v.promoted))
      .pop()
    if (latest) return [201, { data: this.runResource(this.createRun(ws, a, latest.id)) }]
    if (ws.spec.hasConfiguration === false) {
      return [422, { errors: [{ status: '422', title: 'unprocessable entity', detail: 'Configuration version is missing' }] }]
    }
    return [201, { data: this.runResource(this.createRun(ws, a)) }]
  }

  private runList(ws: StandInWorkspace, query: URLSearchParams): [number, unknown] {
    const list = (name: string): string[] => (query.get(name) ?? '').split(',').filter(Boolean)
    const ops = list('filter[operation]')
    const statuses = list('filter[status]')
    const operation = (r: StandInRun): string =>
      r.planOnly ? 'plan_only' : r.isDestroy ? 'destroy' : r.refreshOnly ? 'refresh_only' : 'plan_and_apply'
    const all = this.runsOf(ws.id)
      .filter(r => (ops.length ? ops.includes(operation(r)) : !r.planOnly))
      .filter(r => !statuses.length || statuses.includes(r.status))
      .reverse()
    const size = Math.min(100, Number(query.get('page[size]') ?? 20) || 20)
    const page = Math.max(1, Number(query.get('page[number]') ?? 1) || 1)
    const doc = listDocument(
      all.map(r => this.runResource(r)),
      page,
      size
    )
    const shown = new Set(doc.data.map(r => r.id))
    const { included, error } = this.runIncluded(
      all.filter(r => shown.has(r.id)),
      query
    )
    if (error) return error
    return [200, included.length ? { ...doc, included } : doc]
  }

  /** What `include` asks for, for one run or a page of them: each related resource once; 400 for an unknown name. */
  private runIncluded(runs: StandInRun[], query: URLSearchParams): { included: unknown[]; error?: [number, unknown] } {
    const include = (query.get('include') ?? '').split(',').filter(Boolean)
    const known = ['plan', 'apply', 'workspace', 'created_by', 'cost_estimate', 'configuration_version', 'task_stages']
    const bad = include.find(i => !known.includes(i))
    if (bad) {
      const detail = `Invalid include parameter: ${bad}`
      return { included: [], error: [400, { errors: [{ status: '400', title: 'invalid include parameter', detail }] }] }
    }
    const included = new Map<string, unknown>()
    const add = (r: { id: string; type: string } | undefined): void => {
      if (r && !included.has(`${r.type}/${r.id}`)) included.set(`${r.type}/${r.id}`, r)
    }
    for (const run of runs) {
      if (include.includes('plan')) add(this.stageResource(run.plan))
      if (include.includes('apply')) add(this.stageResource(run.apply))
      if (include.includes('workspace')) add(this.workspaceResource(this.mustWorkspace(run.workspaceId)))
      if (include.includes('created_by')) add(standInUser())
      const cv = run.configurationVersionId ? this.configurationVersions.get(run.configurationVersionId) : undefined
      if (include.includes('configuration_version') && cv) add(configurationVersionResource(cv, this.logUrl))
      if (include.includes('task_stages') && run.taskResult) add(this.taskStage(run).stage)
      if (include.includes('cost_estimate') && run.costEstimate) add(estimateResource(run.costEstimate))
    }
    return { included: [...included.values()] }
  }

  private taskStage(run: StandInRun): ReturnType<typeof taskStageResources> {
    return taskStageResources(run.id, 'post_plan', {
      name: 'security-scan',
      status: run.taskResult ?? 'passed',
      enforcement: run.taskEnforcement ?? 'advisory',
      message: run.taskResult === 'failed' ? '2 high-severity findings.' : 'No findings.'
    })
  }

  private workspaceResource(ws: StandInWorkspace): ReturnType<typeof workspaceResource> {
    return workspaceResource({
      id: ws.id,
      name: ws.name,
      organization: ws.organization,
      autoApply: ws.spec.autoApply ?? false,
      locked: Boolean(ws.currentRunId || ws.manualLock),
      lockedReason: ws.manualLock?.reason ?? null,
      lockedBy: ws.manualLock ? { id: ws.manualLock.by, type: 'users' } : ws.currentRunId ? { id: ws.currentRunId, type: 'runs' } : null,
      currentRunId: ws.currentRunId ?? null,
      executionMode: ws.spec.executionMode ?? 'remote',
      resourceCount: ws.resources,
      planDurationAverageMs: ws.spec.reportedAverages?.planMs ?? ws.timings.planMs,
      applyDurationAverageMs: ws.spec.reportedAverages?.applyMs ?? ws.timings.applyMs,
      canQueueApply: ws.spec.canQueueApply ?? true,
      canReadStateOutputs: ws.spec.canReadStateOutputs ?? true,
      workingDirectory: ws.spec.workingDirectory ?? null,
      currentStateVersionId: ws.stateVersion?.id ?? null,
      currentConfigurationVersionId:
        [...this.configurationVersions.values()].filter(v => v.workspaceId === ws.id && v.status === 'uploaded' && !v.speculative).pop()
          ?.id ?? null,
      latestRunId:
        this.runsOf(ws.id)
          .filter(r => !r.planOnly)
          .pop()?.id ?? null,
      outputIds: Object.values(ws.outputIds),
      updatedAt: ws.updatedAt
    })
  }

  private stateVersionOf(ws: StandInWorkspace): ReturnType<StateVersions['resource']> {
    const sv = this.stateVersions.get((ws.stateVersion as NonNullable<StandInWorkspace['stateVersion']>).id)
    if (!sv) throw new Error(`stand-in: no state version for ${ws.id}`)
    return this.stateVersions.resource(sv, this.logUrl)
  }

  private runResource(run: StandInRun): ReturnType<typeof runResource> {
    const ws = this.mustWorkspace(run.workspaceId)
    return runResource({
      id: run.id,
      status: run.status,
      message: run.message,
      workspaceId: run.workspaceId,
      planId: run.plan.id,
      applyId: run.apply.id,
      hasChanges: run.hasChanges,
      isConfirmable: run.confirmable,
      isDiscardable: Discardable.has(run.status),
      isCancelable: Cancelable.has(run.status),
      autoApply: run.autoApply,
      allowEmptyApply: run.allowEmptyApply,
      isDestroy: run.isDestroy,
      planOnly: run.planOnly,
      refreshOnly: run.refreshOnly,
      refresh: run.refresh,
      savePlan: run.savePlan,
      configurationVersionId: run.configurationVersionId,
      positionInQueue: run.status === 'pending' ? ws.queue.indexOf(run.id) + 1 : 0,
      createdAt: run.createdAt,
      statusTimestamps: run.statusTimestamps,
      targetAddrs: run.targetAddrs,
      replaceAddrs: run.replaceAddrs,
      variables: run.variables,
      costEstimateId: run.costEstimate?.id,
      commentIds: this.activity.commentIdsOf(run.id),
      runEventIds: this.activity.eventIdsOf(run.id)
    })
  }

  private stageResource(stage: Stage): ReturnType<typeof stageResource> {
    return stageResource({
      id: stage.id,
      kind: stage.kind,
      status: stage.status,
      additions: stage.additions,
      changes: stage.changes,
      destructions: stage.destructions,
      statusTimestamps: stage.timestamps,
      stateVersionId: stage.stateVersionId,
      logReadUrl: stage.logIssued ? `${this.logUrl}/v1/object/${stage.logId}` : ''
    })
  }
}

export { Terminal as TerminalStatuses }
