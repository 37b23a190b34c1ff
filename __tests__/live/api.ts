/**
 * The live suite's own client of the HCP Terraform API v2: what a test does around the step —
 * create and delete workspaces, upload a configuration, read and confirm a run — as the documented
 * API and go-tfe send it. Not the action's client (src/tfe/), which is what the suite tests.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { create as tar } from 'tar'

const JsonApi = 'application/vnd.api+json'
/** An answer larger than this is refused: the suite reads small documents only. */
const MaxAnswerBytes = 8 * 1024 * 1024
const RequestTimeoutMs = 30_000

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON:API documents, read field by field where used
export type Json = any

export interface Answer {
  status: number
  json: Json
  headers: Headers
}

export class ApiError extends Error {
  readonly status: number

  constructor(status: number, what: string, detail: string) {
    super(`${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`)
    this.status = status
  }
}

/** The API's base URL from a TFE_HOSTNAME the way the action takes its hostname input: a bare host, host:port, or a URL. */
export function apiOrigin(hostname: string): string {
  const trimmed = hostname.trim().replace(/\/+$/, '')
  return /^https?:\/\//i.test(trimmed) ? new URL(trimmed).origin : `https://${trimmed}`
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

/** The body as text, refused past MaxAnswerBytes. */
async function boundedText(res: Response, what: string): Promise<string> {
  if (!res.body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > MaxAnswerBytes) throw new Error(`${what}: the answer is over ${MaxAnswerBytes} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The titles and details of a JSON:API error document, for a failure's message. */
function errorText(json: Json): string {
  const errors: Json[] = Array.isArray(json?.errors) ? json.errors : []
  return errors
    .map(e => [e?.title, e?.detail].filter(x => typeof x === 'string' && x).join(': '))
    .join('; ')
    .slice(0, 500)
}

export class TfeApi {
  readonly origin: string
  readonly organization: string
  private readonly token: string

  constructor(hostname: string, organization: string, token: string) {
    this.origin = apiOrigin(hostname)
    this.organization = organization
    this.token = token
  }

  /**
   * One request to /api/v2; 429s wait out X-RateLimit-Reset (with jitter) and are retried, as
   * go-tfe does; so are answers ≥ 500 and lost connections of reads. Every other status is returned.
   */
  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    const what = `${method} ${path}`
    for (let attempt = 1; ; attempt++) {
      let res: Response
      try {
        res = await fetch(`${this.origin}/api/v2${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: JsonApi,
            ...(body === undefined ? {} : { 'Content-Type': JsonApi })
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(RequestTimeoutMs)
        })
      } catch (err) {
        if (method === 'GET' && attempt < 4) {
          await sleep(1000 * attempt)
          continue
        }
        throw new Error(`${what}: ${(err as Error).message}`)
      }
      const text = await boundedText(res, what)
      if (res.status === 429 && attempt < 10) {
        const reset = Number(res.headers.get('x-ratelimit-reset'))
        await sleep((Number.isFinite(reset) && reset > 0 ? Math.min(reset, 60) * 1000 : 1000) + Math.random() * 300)
        continue
      }
      if (res.status >= 500 && method === 'GET' && attempt < 4) {
        await sleep(1000 * attempt)
        continue
      }
      let json: Json
      try {
        json = text ? JSON.parse(text) : undefined
      } catch {
        json = undefined
      }
      return { status: res.status, json, headers: res.headers }
    }
  }

  /** The request, which must answer `expected`; else an ApiError with the API's own error text. */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<Answer> {
    const answer = await this.request(method, path, body)
    if (answer.status !== expected) throw new ApiError(answer.status, `${method} ${path}`, errorText(answer.json))
    return answer
  }

  private orgPath(): string {
    return `/organizations/${encodeURIComponent(this.organization)}`
  }

  /** POST /organizations/:org/workspaces: an API-driven workspace (no VCS), remote execution. */
  async createWorkspace(name: string, description: string): Promise<{ id: string; name: string }> {
    const { json } = await this.expect(201, 'POST', `${this.orgPath()}/workspaces`, {
      data: { type: 'workspaces', attributes: { name, description, 'execution-mode': 'remote', 'auto-apply': false } }
    })
    return { id: String(json?.data?.id), name: String(json?.data?.attributes?.name) }
  }

  /** Every workspace of the organization whose name matches `search` (search[name]), page by page. */
  async listWorkspaces(search: string): Promise<{ id: string; name: string; resourceCount: number }[]> {
    const found: { id: string; name: string; resourceCount: number }[] = []
    for (let page = 1; page <= 50; page++) {
      const query = `search%5Bname%5D=${encodeURIComponent(search)}&page%5Bsize%5D=100&page%5Bnumber%5D=${page}`
      const { json } = await this.expect(200, 'GET', `${this.orgPath()}/workspaces?${query}`)
      for (const w of Array.isArray(json?.data) ? json.data : []) {
        found.push({ id: String(w?.id), name: String(w?.attributes?.name), resourceCount: Number(w?.attributes?.['resource-count'] ?? 0) })
      }
      if (!json?.meta?.pagination?.['next-page']) break
    }
    return found
  }

  async readWorkspace(id: string): Promise<Json> {
    return (await this.expect(200, 'GET', `/workspaces/${encodeURIComponent(id)}`)).json.data
  }

  /**
   * Deletes a workspace: safe delete first (what a workspace admin may do); when it still manages
   * resources (409), force delete; when the token may not force delete either (403), a destroy run
   * empties it and the safe delete is tried again. A workspace already gone counts as deleted.
   */
  async deleteWorkspace(id: string, destroyWithinMs: number): Promise<void> {
    const path = `/workspaces/${encodeURIComponent(id)}`
    const safe = await this.request('POST', `${path}/actions/safe-delete`)
    if (safe.status === 204 || safe.status === 404) return
    if (safe.status !== 409) throw new ApiError(safe.status, `safe delete of ${id}`, errorText(safe.json))
    const force = await this.request('DELETE', path)
    if (force.status === 204 || force.status === 404) return
    if (force.status !== 403) throw new ApiError(force.status, `force delete of ${id}`, errorText(force.json))
    const run = await this.createRun(id, { 'is-destroy': true, 'auto-apply': true, message: 'tfe-workspace-run live suite: cleanup' })
    const end = await this.waitForRun(run, s => Terminal.has(s), destroyWithinMs)
    if (end.status !== 'applied') throw new Error(`workspace ${id}: the cleanup destroy run ${run} ended '${end.status}'`)
    await this.expect(204, 'POST', `${path}/actions/safe-delete`)
  }

  /** POST /runs on the workspace's latest configuration version. */
  async createRun(workspaceId: string, attributes: Record<string, unknown>): Promise<string> {
    const { json } = await this.expect(201, 'POST', '/runs', {
      data: { type: 'runs', attributes, relationships: { workspace: { data: { type: 'workspaces', id: workspaceId } } } }
    })
    return String(json?.data?.id)
  }

  /**
   * A configuration version of `files` (path → text): created (auto-queue-runs false, so no run
   * starts by itself), the tar.gz PUT to its upload URL (no token: it is a signed URL), then read
   * until `uploaded`. Returns its ID.
   */
  async uploadConfiguration(
    workspaceId: string,
    files: Record<string, string>,
    options: { speculative?: boolean; withinMs: number; pollMs: number }
  ): Promise<string> {
    const { json } = await this.expect(201, 'POST', `/workspaces/${encodeURIComponent(workspaceId)}/configuration-versions`, {
      data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false, speculative: options.speculative === true } }
    })
    const id = String(json?.data?.id)
    const uploadUrl = json?.data?.attributes?.['upload-url']
    if (typeof uploadUrl !== 'string' || !/^https?:\/\//.test(uploadUrl)) throw new Error(`configuration version ${id} has no upload URL`)
    const put = await fetch(uploadUrl, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: await archive(files),
      signal: AbortSignal.timeout(RequestTimeoutMs)
    })
    await boundedText(put, `upload of ${id}`)
    if (!put.ok) throw new Error(`upload of configuration version ${id}: HTTP ${put.status}`)
    const until = Date.now() + options.withinMs
    for (;;) {
      const cv = (await this.expect(200, 'GET', `/configuration-versions/${encodeURIComponent(id)}`)).json.data
      const status = cv?.attributes?.status
      if (status === 'uploaded') return id
      if (status === 'errored') throw new Error(`configuration version ${id} errored: ${cv?.attributes?.['error-message']}`)
      if (Date.now() > until) throw new Error(`configuration version ${id} still '${status}' after ${options.withinMs} ms`)
      await sleep(options.pollMs)
    }
  }

  async readConfigurationVersion(id: string): Promise<Json> {
    return (await this.expect(200, 'GET', `/configuration-versions/${encodeURIComponent(id)}`)).json.data
  }

  /** GET /runs/:id: its status, actions and attributes. */
  async readRun(id: string): Promise<{ status: string; confirmable: boolean; attributes: Json; relationships: Json }> {
    const data = (await this.expect(200, 'GET', `/runs/${encodeURIComponent(id)}`)).json?.data
    return {
      status: String(data?.attributes?.status),
      confirmable: data?.attributes?.actions?.['is-confirmable'] === true,
      attributes: data?.attributes,
      relationships: data?.relationships
    }
  }

  /** Reads the run every `pollMs` until `done(status)`; fails after `withinMs`. */
  async waitForRun(
    id: string,
    done: (status: string, confirmable: boolean) => boolean,
    withinMs: number,
    pollMs = 2000
  ): Promise<Awaited<ReturnType<TfeApi['readRun']>>> {
    const until = Date.now() + withinMs
    for (;;) {
      const run = await this.readRun(id)
      if (done(run.status, run.confirmable)) return run
      if (Date.now() > until) throw new Error(`run ${id} is still '${run.status}' after ${withinMs} ms`)
      await sleep(pollMs)
    }
  }

  /** The IDs of the workspace's runs, newest first (plan-only runs left out, as the list does by default). */
  async listRunIds(workspaceId: string): Promise<string[]> {
    const { json } = await this.expect(200, 'GET', `/workspaces/${encodeURIComponent(workspaceId)}/runs?page%5Bsize%5D=100`)
    return (Array.isArray(json?.data) ? json.data : []).map((r: Json) => String(r?.id))
  }

  /** POST /runs/:id/actions/apply with a comment (plain JSON, as go-tfe sends it): a person confirms the plan. */
  async applyRun(id: string, comment: string): Promise<number> {
    return (await this.request('POST', `/runs/${encodeURIComponent(id)}/actions/apply`, { comment })).status
  }

  /** The workspace's current state version outputs: name → { value, sensitive }. */
  async currentOutputs(workspaceId: string): Promise<Record<string, { value: unknown; sensitive: boolean }>> {
    const { json } = await this.expect(200, 'GET', `/workspaces/${encodeURIComponent(workspaceId)}/current-state-version-outputs`)
    const outputs: Record<string, { value: unknown; sensitive: boolean }> = {}
    for (const o of Array.isArray(json?.data) ? json.data : []) {
      outputs[String(o?.attributes?.name)] = { value: o?.attributes?.value, sensitive: o?.attributes?.sensitive === true }
    }
    return outputs
  }
}

/** Final statuses of a run (a saved plan's planned_and_saved is not: it waits to be applied). */
export const Terminal = new Set([
  'applied',
  'planned_and_finished',
  'policy_soft_failed',
  'discarded',
  'errored',
  'canceled',
  'force_canceled'
])

/** `files` as a gzipped tar, paths relative to its root, as go-slug packs a directory. */
async function archive(files: Record<string, string>): Promise<Buffer> {
  const root = mkdtempSync(join(tmpdir(), 'live-config-'))
  try {
    const dir = join(root, 'config')
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    const file = join(root, 'config.tar.gz')
    await tar({ gzip: true, portable: true, cwd: dir, file }, Object.keys(files))
    return readFileSync(file)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
