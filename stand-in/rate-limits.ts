/**
 * The API's rate limits: a sliding window per token and bucket, as the real limits are counted per
 * user: 30 a second by default on every path, and a lower one of its own (30 a minute) on run lists.
 * Each answer's X-RateLimit-* headers are its bucket's. Not the 429 answer itself (server.ts).
 */

/** What the limiter tallies, kept on the stand-in where tests and the bench read (and reset) it. */
export interface RateTally {
  rateLimited: number
  /**
   * Requests that arrived on a connection that had been told to wait (a 429 with X-RateLimit-Reset)
   * before that wait was over. Keyed by connection, since a step sends its requests one at a time
   * on one keep-alive connection; other steps sharing the token have not been told anything.
   */
  earlyRequests: number
}

export interface RateLimitOptions {
  /** Requests per second per token on every path; 0 for no limit at all. */
  perSecond: number
  /** Run lists per minute per token (GET /workspaces/:id/runs, /organizations/:org/runs); 0 for none. */
  runListsPerMinute: number
}

export type BucketName = 'user' | 'run-list'

/** GET /api/v2/workspaces/:id/runs and /api/v2/organizations/:org/runs (the query aside). */
const RunListPath = /^\/api\/v2\/(?:workspaces|organizations)\/[^/]+\/runs$/

export function limitBucket(method: string, path: string): BucketName {
  return method === 'GET' && RunListPath.test(path) ? 'run-list' : 'user'
}

/** One answer's X-RateLimit-* as the request log keeps them: tests check what each client was told. */
export interface LoggedLimit {
  bucket: BucketName
  limit: number
  remaining: number
  resetMs: number
}

export function loggedLimit(method: string, path: string, headers: Record<string, string>): LoggedLimit | undefined {
  const remaining = headers['X-RateLimit-Remaining']
  const reset = headers['X-RateLimit-Reset']
  if (remaining === undefined || reset === undefined) return undefined
  return {
    bucket: limitBucket(method, path),
    limit: Number(headers['X-RateLimit-Limit']),
    remaining: Number(remaining),
    resetMs: Number(reset) * 1000
  }
}

/** What the service says when no limit is configured: the budget never runs low, but the headers are there. */
const Unlimited = { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '30', 'X-RateLimit-Reset': '0.000' }

export class RateLimits {
  /** `${bucket} ${token}` → arrival times inside the bucket's window. */
  private readonly windows = new Map<string, number[]>()
  private readonly blockedUntil = new Map<string, number>()
  private readonly buckets: Record<BucketName, { limit: number; windowMs: number }>
  private readonly tally: RateTally

  constructor(options: RateLimitOptions, tally: RateTally) {
    this.buckets = {
      user: { limit: options.perSecond, windowMs: 1000 },
      // A run list counts against its own budget only, as its headers are the ones it carries.
      'run-list': { limit: options.perSecond ? options.runListsPerMinute : 0, windowMs: 60_000 }
    }
    this.tally = tally
  }

  /** The 429's headers when this request is over its bucket's limit; undefined when it may go on. */
  check(token: string, connection: string, method: string, path: string): Record<string, string> | undefined {
    const name = limitBucket(method, path)
    const { limit, windowMs } = this.buckets[name]
    if (!limit) return undefined
    const now = performance.now()
    if ((this.blockedUntil.get(connection) ?? 0) > now) this.tally.earlyRequests++
    const window = this.window(name, token, now)
    if (window.length >= limit) {
      const resetMs = windowMs - (now - (window[0] ?? now))
      this.blockedUntil.set(connection, now + resetMs)
      this.tally.rateLimited++
      return { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': (resetMs / 1000).toFixed(3) }
    }
    window.push(now)
    return undefined
  }

  /** The headers of an answer that went through: its bucket's limit, what is left, and when the oldest request leaves. */
  headers(token: string, method: string, path: string): Record<string, string> {
    const name = limitBucket(method, path)
    const { limit, windowMs } = this.buckets[name]
    if (!limit) return Unlimited
    const now = performance.now()
    const window = this.window(name, token, now)
    const oldest = window[0]
    const reset = oldest === undefined ? 0 : Math.max(0, windowMs - (now - oldest)) / 1000
    return {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - window.length)),
      'X-RateLimit-Reset': reset.toFixed(3)
    }
  }

  private window(name: BucketName, token: string, now: number): number[] {
    const key = `${name} ${token}`
    const { windowMs } = this.buckets[name]
    const window = (this.windows.get(key) ?? []).filter(t => now - t < windowMs)
    this.windows.set(key, window)
    return window
  }
}
