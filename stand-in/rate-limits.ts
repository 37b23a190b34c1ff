/**
 * The API's rate limit: a sliding one-second window per token, as the real limit is counted per
 * user, and the X-RateLimit-* headers every answer carries. Not the 429 answer itself (server.ts).
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

export class RateLimits {
  private readonly windows = new Map<string, number[]>()
  private readonly blockedUntil = new Map<string, number>()
  private readonly limit: number
  private readonly tally: RateTally

  /** `limit` requests per second per token; 0 for none. */
  constructor(limit: number, tally: RateTally) {
    this.limit = limit
    this.tally = tally
  }

  /** The 429's headers when this request is over the limit; undefined when it may go on. */
  check(token: string, connection: string): Record<string, string> | undefined {
    const limit = this.limit
    if (!limit) return undefined
    const now = performance.now()
    if ((this.blockedUntil.get(connection) ?? 0) > now) this.tally.earlyRequests++
    const window = (this.windows.get(token) ?? []).filter(t => now - t < 1000)
    this.windows.set(token, window)
    if (window.length >= limit) {
      const resetMs = 1000 - (now - (window[0] as number))
      this.blockedUntil.set(connection, now + resetMs)
      this.tally.rateLimited++
      return {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': (resetMs / 1000).toFixed(3)
      }
    }
    window.push(now)
    return undefined
  }

  headers(token: string): Record<string, string> {
    const limit = this.limit
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
}
