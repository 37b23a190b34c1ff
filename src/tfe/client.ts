/**
 * The JSON:API client: the only way the action talks to the HCP Terraform API (retries what is
 * safe, honours rate limits, cuts requests off on stop, never follows a redirect). Not the
 * resources themselves (one module each beside it), nor signed URLs on other origins (signed-urls.ts).
 */
import { HttpClient } from '@actions/http-client'
import { UserAgent } from './statuses.js'
import { ApiError, NetworkError, abortReason, errorMessage, isTransient } from '../common/errors.js'
import { apiError, headerValue, isJsonApi, networkError, parseJson, secondsHeader, snippet } from './failures.js'
import { Pacer } from './pacing.js'
import { rateHeaders } from './rate-budgets.js'
import { log } from '../common/job-log.js'
import { sleep } from '../common/timing.js'
import { exchangeWithin } from './exchange.js'
import { backgroundOf, type NewsSource, type Urgency } from './urgency.js'

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
  /** A list may include related resources too (index.mdx "Inclusion of Related Resources"). */
  included?: Resource[]
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
  /** How soon each request may go (pacing.ts); tests pass one with a fixed random source. */
  pacer?: Pacer
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
  /**
   * The caller needs this answer to move on now (a stage log ended, the step confirmed the run, the
   * step's end waits on it): paced as a first read, not stretched as a poll (pacing.ts). A
   * NewsSource may learn it while the pacer holds the request: the hold is then asked again at once;
   * one that expects its news makes the read a net, which may wait longer for the client's rate.
   */
  news?: boolean | NewsSource
}

/** The body is outside JSON, read through documentOf / listDocumentOf (documents.ts) or isRecord. */
export interface Answer {
  status: number
  body: unknown
  /** The Location of an accepted 3xx; the caller fetches it without the token. */
  location: string | undefined
}

export interface ClientStats {
  requests: number
  retries: number
  rateLimited: number
}

const JsonApiType = 'application/vnd.api+json'

/** Whether the caller has its news now: a boolean says so outright, a NewsSource once it learned it. */
function hasNews(news: boolean | NewsSource | undefined): boolean {
  return typeof news === 'boolean' ? news : news?.known() === true
}

/**
 * The longest a 429 may hold the step. HCP Terraform's windows are a second (a minute for run
 * lists); a reset of an hour is a broken proxy or clock, and waiting it out would look like a hang.
 */
export const MaxRateLimitWaitMs = 60_000

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
  /** Consulted before each send and told of each answer: the budget is shared with every step of the user. */
  private readonly pacer: Pacer

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl
    this.hostSetting = options.hostSetting ?? 'the host name'
    this.token = options.token
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.maxAttempts = options.maxAttempts ?? 6
    this.maxRateLimitWaits = options.maxRateLimitWaits ?? 30
    this.backoffBaseMs = options.backoffBaseMs ?? 500
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? MaxRateLimitWaitMs
    this.pacer = options.pacer ?? new Pacer({ maxWaitMs: this.maxRateLimitWaitMs, random: Math.random })
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

  async get(path: string, signal?: AbortSignal): Promise<unknown> {
    return (await this.request('GET', path, { idempotent: true, signal })).body
  }

  async request(method: string, path: string, options: RequestOptions): Promise<Answer> {
    let failures = 0
    let rateLimitWaits = 0
    for (;;) {
      await this.pace(method, path, options.signal, options.news)
      try {
        return await this.send(method, path, options)
      } catch (err) {
        if (err instanceof ApiError && err.status === 429) {
          // The server refused before doing anything, so even a create may be re-sent.
          this.stats.rateLimited++
          if (++rateLimitWaits > this.maxRateLimitWaits) throw err
          // The pacer spreads the retries of the parallel steps refused together past the reset, so
          // they do not all come back in the same instant and collect the next 429 together.
          const askedMs = err.retryAfterMs ?? 1000
          const urgency = hasNews(options.news) ? 'news' : undefined
          const waitMs = this.pacer.rateLimited(method, path, err.retryAfterMs, performance.now(), urgency)
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
          `${method} ${path} failed (${errorMessage(err)}); retrying in ${(waitMs / 1000).toFixed(1)} s (attempt ${failures + 1} of ${this.maxAttempts}).`
        )
        this.stats.retries++
        await sleep(waitMs, options.signal)
      }
    }
  }

  /**
   * A request to the API that the client cannot send itself (its answer is not JSON:API and is read
   * with the bounded request, like the redacted JSON plan), paced, counted and retried on a 429 like
   * the client's own: it draws on the same budget, and a 429 is a wait, never an answer.
   */
  async paced<R extends { status: number; headers: Record<string, string | string[] | undefined> }>(
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    send: () => Promise<R>
  ): Promise<R> {
    for (let rateLimitWaits = 0; ;) {
      await this.pace(method, path, signal)
      if (signal?.aborted) throw abortReason(signal)
      this.pacer.sent(method, path, performance.now())
      this.stats.requests++
      const answer = await send()
      if (answer.status !== 429 || ++rateLimitWaits > this.maxRateLimitWaits) {
        this.pacer.answered(method, path, rateHeaders(answer.headers, this.maxRateLimitWaitMs), performance.now())
        return answer
      }
      this.stats.rateLimited++
      this.stats.retries++
      const askedMs =
        secondsHeader(headerValue(answer.headers, 'x-ratelimit-reset')) ?? secondsHeader(headerValue(answer.headers, 'retry-after'))
      const waitMs = this.pacer.rateLimited(method, path, askedMs, performance.now())
      log.info(`Rate limited by ${this.host} on ${method} ${path}; waiting ${(waitMs / 1000).toFixed(1)} s.`)
    }
  }

  /**
   * Waits as long as the pacer says; asked again after each wait, as another request may have gone,
   * and when news arrives during it (a poll held by a crowded window is a read with news now).
   */
  private async pace(method: string, path: string, signal?: AbortSignal, news: boolean | NewsSource = false): Promise<void> {
    const known = (): boolean => hasNews(news)
    const background = backgroundOf()
    const waits = (): boolean => background?.waiting() === true
    const net = typeof news !== 'boolean' && news.expected === true
    const urgency = (): Urgency | undefined => (known() ? 'news' : waits() ? 'background' : net ? 'net' : undefined)
    const delay = (): number => this.pacer.delayMs(method, path, performance.now(), urgency())
    for (let waitMs = delay(); waitMs > 0; waitMs = delay()) {
      await sleep(waitMs, signal, wake => {
        const forget = [
          typeof news === 'boolean' || known() ? undefined : news.onNews(wake),
          waits() ? background?.onUrgent(wake) : undefined
        ]
        return () => forget.forEach(f => f?.())
      })
    }
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Answer> {
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
    this.pacer.sent(method, path, started)
    this.stats.requests++
    let status: number
    let text: string
    let responseHeaders: Record<string, string | string[] | undefined>
    try {
      ;({ status, text, responseHeaders } = await exchangeWithin(
        { method, path, host: this.host, timeoutMs: this.requestTimeoutMs, signal: options.signal },
        async onResponse => {
          const response = await this.http.request(method, url, payload, headers)
          onResponse(() => response.message.destroy())
          const body = await response.readBody()
          return { status: response.message.statusCode ?? 0, text: body, responseHeaders: response.message.headers }
        }
      ))
    } catch (err) {
      if (err instanceof NetworkError || options.signal?.aborted) throw err
      // An Error is an ErrnoException whose code is unknown (all its extra fields are optional).
      throw networkError(err instanceof Error ? err : new Error(String(err)), method, path, this.host, this.hostSetting)
    }
    log.debug(`${method} ${path} -> ${status} in ${Math.round(performance.now() - started)} ms`)
    // A 429's wait is the pacer's too, through rateLimited() in request(); told once, not twice.
    if (status !== 429) this.pacer.answered(method, path, rateHeaders(responseHeaders, this.maxRateLimitWaitMs), performance.now())

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
      return { status, body: json, location: undefined }
    }
    // A redirect the caller asked for (plan JSON output): its target is handed back, never followed here.
    if (options.accept?.includes(status)) return { status, body: json, location: headerValue(responseHeaders, 'location') }
    throw apiError(status, method, path, text, json, responseHeaders, this.host, this.hostSetting)
  }
}
