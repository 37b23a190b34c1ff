import { HttpClient } from '@actions/http-client'
import * as core from '@actions/core'
import { UserAgent } from './constants.js'
import { ApiError, NetworkError, isTransient } from './errors.js'
import { sleep } from './timing.js'

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

export interface ClientStats {
  requests: number
  retries: number
  rateLimited: number
}

const JsonApiType = 'application/vnd.api+json'

/**
 * The only way the action talks to HCP Terraform. It retries what is safe to retry, honours the
 * rate-limit headers, and never follows redirects, so the token only ever goes to `baseUrl`.
 */
export class TfeClient {
  readonly baseUrl: string
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 }
  private readonly http: HttpClient
  private readonly token: string
  private readonly requestTimeoutMs: number
  private readonly maxAttempts: number
  private readonly maxRateLimitWaits: number
  private readonly backoffBaseMs: number
  /** Monotonic time before which no request may be sent (set by a 429 or an exhausted budget). */
  private holdUntil = 0

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl
    this.token = options.token
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.maxAttempts = options.maxAttempts ?? 6
    this.maxRateLimitWaits = options.maxRateLimitWaits ?? 30
    this.backoffBaseMs = options.backoffBaseMs ?? 500
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

  async request<T>(method: string, path: string, options: RequestOptions): Promise<{ status: number; body: T }> {
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
          const waitMs = (err.retryAfterMs ?? 1000) + Math.random() * 1000
          this.holdUntil = Math.max(this.holdUntil, performance.now() + waitMs)
          core.info(`Rate limited by ${this.host} on ${method} ${path}; waiting ${(waitMs / 1000).toFixed(1)} s as it asks.`)
          this.stats.retries++
          continue
        }
        if (!isTransient(err) || !options.idempotent || ++failures >= this.maxAttempts) throw err
        const waitMs = Math.min(this.backoffBaseMs * 2 ** (failures - 1), this.backoffBaseMs * 8) * (0.75 + Math.random() * 0.5)
        core.info(
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

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<{ status: number; body: T }> {
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
      ;({ status, text, responseHeaders } = await this.withTimeout(method, path, async onResponse => {
        const response = await this.http.request(method, url, payload, headers)
        onResponse(() => response.message.destroy())
        const body = await response.readBody()
        return { status: response.message.statusCode ?? 0, text: body, responseHeaders: response.message.headers }
      }))
    } catch (err) {
      if (err instanceof NetworkError) throw err
      const e = err as NodeJS.ErrnoException
      throw new NetworkError(`${method} ${path}: no answer from ${this.host} (${e.code ?? e.message})`, method, path, e.code)
    }
    core.debug(`${method} ${path} -> ${status} in ${Math.round(performance.now() - started)} ms`)
    this.noteRateLimit(responseHeaders)

    const json = parseJson(text)
    if (status >= 200 && status < 300) {
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
      return { status, body: json as T }
    }
    if (options.accept?.includes(status)) return { status, body: json as T }
    throw this.toError(status, method, path, text, json, responseHeaders)
  }

  /** Bounds a whole exchange, body included: a stalled stream otherwise outlives socketTimeout. */
  private withTimeout<R>(method: string, path: string, fn: (onResponse: (destroy: () => void) => void) => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let destroy: (() => void) | undefined
      const timer = setTimeout(() => {
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
          resolve(value)
        },
        (err: unknown) => {
          clearTimeout(timer)
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
    const resetMs = secondsHeader(headerValue(headers, 'x-ratelimit-reset'))
    const limit = Number(headerValue(headers, 'x-ratelimit-limit'))
    if (remainingText === undefined || resetMs === undefined) return
    const remaining = Number(remainingText)
    if (remaining <= 0) {
      this.holdUntil = Math.max(this.holdUntil, performance.now() + resetMs)
    } else if (limit > 0 && remaining <= limit * 0.2) {
      this.holdUntil = Math.max(this.holdUntil, performance.now() + Math.random() * resetMs)
    }
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
