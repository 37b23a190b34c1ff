/**
 * The JSON:API client: the only way the action talks to the HCP Terraform API (retries what is
 * safe, honours rate limits, cuts requests off on stop, never follows a redirect). Not the
 * resources themselves (one module each beside it), nor signed URLs on other origins (signed-urls.ts).
 */
import { HttpClient } from '@actions/http-client'
import { UserAgent } from './statuses.js'
import { ApiError, NetworkError, abortReason, isTransient } from '../common/errors.js'
import { log } from '../common/job-log.js'
import { sleep } from '../common/timing.js'

/** A JSON:API resource as HCP Terraform returns it. */
export interface Resource<A = Record<string, unknown>> {
  id: string
  type: string
  attributes: A
  relationships?: Record<string, { data?: { id: string; type: string } | { id: string; type: string }[] | null } | undefined>
  links?: Record<string, string>
}

export interface Document<A = Record<string, unknown>> {
  data: Resource<A>
  included?: Resource[]
}

export interface ListDocument<A = Record<string, unknown>> {
  data: Resource<A>[]
  meta?: { pagination?: { 'next-page'?: number | null } }
}

export interface ClientOptions {
  baseUrl: string
  token: string
  /** Whole-request bound, body included; a hung connection never hangs the step. */
  requestTimeoutMs?: number
  /** Attempts for a request that failed in a way worth repeating (5xx, reset, proxy page). */
  maxAttempts?: number
  /** Attempts for 429s, which do not count against maxAttempts: rate limits pass, outages may not. */
  maxRateLimitWaits?: number
  /** First backoff for transient failures; doubles up to 8x with jitter. */
  backoffBaseMs?: number
  /** The longest one 429 may hold the client (MaxRateLimitWaitMs). */
  maxRateLimitWaitMs?: number
  /** Where the user sets the host, for messages about it ("the 'hostname' input"). */
  hostSetting?: string
}

export interface RequestOptions {
  /**
   * Safe to send again after an ambiguous failure (lost response, 5xx). False for creating a run:
   * the caller must look for the run before re-sending, or it may queue a second apply.
   */
  idempotent: boolean
  body?: unknown
  signal?: AbortSignal
  /** Statuses that are answers, not errors (the body is returned as is). */
  accept?: number[]
}

export interface Answer<T> {
  status: number
  body: T
  /** The Location of an accepted 3xx; the caller fetches it without the token. */
  location: string | undefined
}

export interface ClientStats {
  requests: number
  retries: number
  rateLimited: number
}

const JsonApiType = 'application/vnd.api+json'

/**
 * The longest a 429 may hold the step. HCP Terraform's windows are a second (a minute for run
 * lists); a reset of an hour is a broken proxy or clock, and waiting it out would look like a hang.
 */
export const MaxRateLimitWaitMs = 60_000

/** Certificate failures: sending again gets the same certificate, so they are not retried. */
const TlsErrorCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO'
])

/**
 * The only way the action talks to HCP Terraform. It retries what is safe to retry, honours the
 * rate-limit headers, and never follows redirects, so the token only ever goes to `baseUrl`.
 */
export class TfeClient {
  readonly baseUrl: string
  private readonly hostSetting: string
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 }
  private readonly http: HttpClient
  private readonly token: string
  private readonly requestTimeoutMs: number
  private readonly maxAttempts: number
  private readonly maxRateLimitWaits: number
  private readonly backoffBaseMs: number
  private readonly maxRateLimitWaitMs: number
  /** Monotonic time before which no request may be sent (set by a 429 or an exhausted budget). */
  private holdUntil = 0

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl
    this.hostSetting = options.hostSetting ?? 'the host name'
    this.token = options.token
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.maxAttempts = options.maxAttempts ?? 6
    this.maxRateLimitWaits = options.maxRateLimitWaits ?? 30
    this.backoffBaseMs = options.backoffBaseMs ?? 500
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? MaxRateLimitWaitMs
    this.http = new HttpClient(UserAgent, undefined, {
      allowRedirects: false,
      allowRetries: false,
      keepAlive: true,
      socketTimeout: this.requestTimeoutMs
    })
  }

  get host(): string {
    return new URL(this.baseUrl).host
  }

  dispose(): void {
    this.http.dispose()
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.request<T>('GET', path, { idempotent: true, signal })).body
  }

  async request<T>(method: string, path: string, options: RequestOptions): Promise<Answer<T>> {
    let failures = 0
    let rateLimitWaits = 0
    for (;;) {
      await this.waitForHold(options.signal)
      try {
        return await this.send<T>(method, path, options)
      } catch (err) {
        if (err instanceof ApiError && err.status === 429) {
          // The server refused before doing anything, so even a create may be re-sent.
          this.stats.rateLimited++
          if (++rateLimitWaits > this.maxRateLimitWaits) throw err
          // The jitter spreads the parallel steps that were refused together, so they do not all
          // come back in the same instant and collect the next 429 together.
          const askedMs = err.retryAfterMs ?? 1000
          const waitMs = Math.min(askedMs, this.maxRateLimitWaitMs) + Math.random() * Math.min(1000, this.maxRateLimitWaitMs)
          this.holdUntil = Math.max(this.holdUntil, performance.now() + waitMs)
          log.info(
            askedMs > this.maxRateLimitWaitMs
              ? `Rate limited by ${this.host} on ${method} ${path}; it asks to wait ${Math.round(askedMs / 1000)} s, which is not plausible: waiting ${(waitMs / 1000).toFixed(1)} s instead.`
              : `Rate limited by ${this.host} on ${method} ${path}; waiting ${(waitMs / 1000).toFixed(1)} s as it asks.`
          )
          this.stats.retries++
          continue
        }
        if (!isTransient(err) || !options.idempotent || ++failures >= this.maxAttempts) throw err
        const waitMs = Math.min(this.backoffBaseMs * 2 ** (failures - 1), this.backoffBaseMs * 8) * (0.75 + Math.random() * 0.5)
        log.info(
          `${method} ${path} failed (${(err as Error).message}); retrying in ${(waitMs / 1000).toFixed(1)} s (attempt ${failures + 1} of ${this.maxAttempts}).`
        )
        this.stats.retries++
        await sleep(waitMs, options.signal)
      }
    }
  }

  private async waitForHold(signal?: AbortSignal): Promise<void> {
    const waitMs = this.holdUntil - performance.now()
    if (waitMs > 0) await sleep(waitMs, signal)
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<Answer<T>> {
    // The last moment to notice a stop: nothing, least of all an apply, goes out after it.
    if (options.signal?.aborted) throw abortReason(options.signal)
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: JsonApiType
    }
    let payload: string | null = null
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body)
      headers['Content-Type'] = JsonApiType
    }
    const url = `${this.baseUrl}${path}`
    const started = performance.now()
    this.stats.requests++
    let status: number
    let text: string
    let responseHeaders: Record<string, string | string[] | undefined>
    try {
      ;({ status, text, responseHeaders } = await this.withTimeout(method, path, options.signal, async onResponse => {
        const response = await this.http.request(method, url, payload, headers)
        onResponse(() => response.message.destroy())
        const body = await response.readBody()
        return { status: response.message.statusCode ?? 0, text: body, responseHeaders: response.message.headers }
      }))
    } catch (err) {
      if (err instanceof NetworkError || options.signal?.aborted) throw err
      throw this.toNetworkError(err as NodeJS.ErrnoException, method, path)
    }
    log.debug(`${method} ${path} -> ${status} in ${Math.round(performance.now() - started)} ms`)
    this.noteRateLimit(responseHeaders)

    const json = parseJson(text)
    if (status >= 200 && status < 300) {
      if (json !== undefined && !isJsonApi(json)) {
        throw new ApiError(
          `${method} ${path} answered ${status} with JSON that is not an HCP Terraform API document (no "data" member): ${snippet(text)}. Check ${this.hostSetting}; it may name another service.`,
          { status, method, path, transient: false }
        )
      }
      if (text.trim() !== '' && json === undefined) {
        throw new ApiError(
          `${method} ${path} answered ${status} with a body that is not JSON (${snippet(text)}); a proxy may be in the way.`,
          {
            status,
            method,
            path,
            transient: true
          }
        )
      }
      return { status, body: json as T, location: undefined }
    }
    // A redirect the caller asked for (plan JSON output): its target is handed back, never followed here.
    if (options.accept?.includes(status)) return { status, body: json as T, location: headerValue(responseHeaders, 'location') }
    throw this.toError(status, method, path, text, json, responseHeaders)
  }

  /**
   * Bounds a whole exchange, body included (a stalled stream otherwise outlives socketTimeout),
   * and cuts it off when the step is told to stop: the runner kills the step 7.5 s after a cancel,
   * and the step needs that time to stop its run, not to wait for a slow answer.
   */
  private withTimeout<R>(
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    fn: (onResponse: (destroy: () => void) => void) => Promise<R>
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let destroy: (() => void) | undefined
      const onAbort = (): void => {
        clearTimeout(timer)
        destroy?.()
        reject(abortReason(signal as AbortSignal))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        destroy?.()
        reject(
          new NetworkError(
            `${method} ${path}: ${this.host} did not answer within ${this.requestTimeoutMs / 1000} s`,
            method,
            path,
            'ETIMEDOUT'
          )
        )
      }, this.requestTimeoutMs)
      fn(d => (destroy = d)).then(
        value => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve(value)
        },
        (err: unknown) => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          reject(err instanceof Error ? err : new Error(String(err)))
        }
      )
    })
  }

  /**
   * The budget is per user, shared by every parallel step with the same token. When it is spent,
   * wait for its reset instead of collecting a 429; when it is nearly spent, wait a random part of
   * the window, so that parallel steps spread out instead of all spending the rest at once.
   */
  private noteRateLimit(headers: Record<string, string | string[] | undefined>): void {
    const remainingText = headerValue(headers, 'x-ratelimit-remaining')
    const reset = secondsHeader(headerValue(headers, 'x-ratelimit-reset'))
    const resetMs = reset === undefined ? undefined : Math.min(reset, this.maxRateLimitWaitMs)
    const limit = Number(headerValue(headers, 'x-ratelimit-limit'))
    if (remainingText === undefined || resetMs === undefined) return
    const remaining = Number(remainingText)
    if (remaining <= 0) {
      this.holdUntil = Math.max(this.holdUntil, performance.now() + resetMs)
    } else if (limit > 0 && remaining <= limit * 0.2) {
      this.holdUntil = Math.max(this.holdUntil, performance.now() + Math.random() * resetMs)
    }
  }

  private toNetworkError(e: NodeJS.ErrnoException, method: string, path: string): NetworkError {
    const code = e.code ?? ''
    if (TlsErrorCodes.has(code)) {
      return new NetworkError(
        `${method} ${path}: the TLS connection to ${this.host} failed (${code}: ${e.message}). If ${this.host} uses a certificate from a private CA, give the runner that CA with the NODE_EXTRA_CA_CERTS environment variable (a PEM file); if the host name does not match the certificate, check ${this.hostSetting}.`,
        method,
        path,
        code,
        false
      )
    }
    if (code === 'ENOTFOUND') {
      return new NetworkError(
        `${method} ${path}: the host ${this.host} does not resolve (ENOTFOUND). Check ${this.hostSetting}.`,
        method,
        path,
        code,
        false
      )
    }
    if (code === 'EAI_AGAIN') {
      return new NetworkError(
        `${method} ${path}: the host ${this.host} could not be resolved just now (EAI_AGAIN). Check ${this.hostSetting} and the runner's DNS.`,
        method,
        path,
        code
      )
    }
    if (code === 'ECONNREFUSED') {
      return new NetworkError(
        `${method} ${path}: ${this.host} refused the connection (ECONNREFUSED). Check ${this.hostSetting} (and its port), and that the runner can reach it.`,
        method,
        path,
        code
      )
    }
    return new NetworkError(`${method} ${path}: no answer from ${this.host} (${code || e.message})`, method, path, code)
  }

  private toError(
    status: number,
    method: string,
    path: string,
    text: string,
    json: unknown,
    headers: Record<string, string | string[] | undefined>
  ): ApiError {
    const first = firstError(json)
    const base = { status, method, path, title: first?.title, detail: first?.detail }
    const said = first ? [first.title, first.detail].filter(Boolean).join(': ') : json === undefined && text.trim() ? snippet(text) : ''
    const suffix = said ? ` (${said})` : ''
    if (status >= 300 && status < 400) {
      const location = headerValue(headers, 'location') ?? 'nowhere'
      return new ApiError(
        `${method} ${path} was redirected (${status}) to ${location}; the action does not follow redirects, so the token is only sent to ${this.host}. Check the 'hostname' input.`,
        { ...base, transient: false }
      )
    }
    if (status === 401) {
      return new ApiError(
        `${this.host} rejected the token (401 Unauthorized) on ${method} ${path}. Check the 'token' input (or TFE_TOKEN): it may be wrong, expired or revoked, or belong to another host than '${this.host}'.`,
        { ...base, transient: false }
      )
    }
    if (status === 429) {
      const retryAfterMs =
        secondsHeader(headerValue(headers, 'x-ratelimit-reset')) ?? secondsHeader(headerValue(headers, 'retry-after')) ?? undefined
      return new ApiError(`${method} ${path}: rate limited by ${this.host} (429)${suffix}.`, {
        ...base,
        transient: true,
        retryAfterMs: retryAfterMs === undefined ? undefined : Math.max(retryAfterMs, 100)
      })
    }
    if (status === 404) {
      return new ApiError(`${method} ${path}: not found (404), or the token is not allowed to see it${suffix}.`, {
        ...base,
        transient: false
      })
    }
    if (status >= 500) {
      return new ApiError(`${method} ${path}: ${this.host} answered ${status}${suffix}.`, { ...base, transient: true })
    }
    // A 4xx page that is not JSON:API did not come from the API (a WAF, a proxy): say so.
    const origin = json === undefined ? ' The answer is not from the API; a proxy or firewall may be in the way.' : ''
    return new ApiError(`${method} ${path}: ${this.host} answered ${status}${suffix}.${origin}`, { ...base, transient: false })
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Every answer the action reads is a JSON:API document: an object with `data` (or `errors`). */
function isJsonApi(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && ('data' in json || 'errors' in json)
}

function firstError(json: unknown): { title?: string; detail?: string } | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const errors = (json as { errors?: unknown }).errors
  if (!Array.isArray(errors) || errors.length === 0) return undefined
  const e = errors[0] as { title?: unknown; detail?: unknown }
  return {
    title: typeof e.title === 'string' ? e.title : undefined,
    detail: typeof e.detail === 'string' ? e.detail : undefined
  }
}

function snippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return `"${flat.slice(0, 120)}${flat.length > 120 ? '…' : ''}"`
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** X-RateLimit-Reset and Retry-After as milliseconds; both are (float) seconds here. */
function secondsHeader(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
