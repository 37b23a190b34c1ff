/**
 * How soon one client may send its next request, from what the API's answers say about the budget
 * it shares with every other client of the same user. Pure apart from `random`: each call is given
 * `now`, nothing here sleeps or sends (client.ts does, and consults this before each send).
 *
 * Why it works without knowing the others: each answer's X-RateLimit-Remaining says how full the
 * fleet has made the window. Each client keeps an allowed rate per bucket and runs AIMD on it: a
 * window fuller than the target share, or a 429, cuts the rate multiplicatively from what the
 * client actually sends; a window under it adds back a fixed step per second. Clients that see the
 * same signals converge on equal shares under the limit; a lone client never fills the window, so
 * it is never paced. Polls stretch; a change (create, confirm, discard, cancel) only ever waits for
 * a window known to be spent to reset, and no longer.
 */
import { headerValue, secondsHeader } from './failures.js'

/** HCP Terraform's budgets: per user, and a lower one of its own for listing runs. */
export type BucketName = 'user' | 'run-list'

/** GET /workspaces/:id/runs and /organizations/:org/runs: 30 a minute, told by their own headers. */
const RunListPath = /^\/api\/v2\/(?:workspaces|organizations)\/[^/]+\/runs$/

export function bucketOf(method: string, path: string): BucketName {
  const bare = path.split('?', 1)[0] ?? path
  return method === 'GET' && RunListPath.test(bare) ? 'run-list' : 'user'
}

/** Requests that change something: never sent into a spent window. */
export function isMutating(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD'
}

export interface RateHeaders {
  limit: number | undefined
  remaining: number
  /** Until the window has room again, capped at the longest plausible wait. */
  resetMs: number
}

/** The X-RateLimit-* headers of one answer; undefined when the host sends none (or nonsense). */
export function rateHeaders(headers: Record<string, string | string[] | undefined>, maxResetMs: number): RateHeaders | undefined {
  const remaining = Number(headerValue(headers, 'x-ratelimit-remaining') ?? Number.NaN)
  const reset = secondsHeader(headerValue(headers, 'x-ratelimit-reset'))
  if (!Number.isFinite(remaining) || reset === undefined) return undefined
  const limit = Number(headerValue(headers, 'x-ratelimit-limit') ?? Number.NaN)
  return {
    limit: Number.isFinite(limit) && limit > 0 ? limit : undefined,
    remaining: Math.max(0, remaining),
    resetMs: Math.min(reset, maxResetMs)
  }
}

export interface PacerOptions {
  /** The longest any hold may last (a reset of an hour is a broken proxy or clock). */
  maxWaitMs: number
  /** 0 ≤ random() < 1; tests pass a fixed one. */
  random: () => number
}

/** The knobs, named so the tests and the bench speak of the same things. */
export const Pacing = {
  /**
   * The share of the limit the fleet aims to use (in the window an answer reports): above it the
   * window is filling and the rate is cut by target/used, so a slight overshoot cuts a little;
   * below it there is room and the rate grows back. Under the limit by a margin, because requests
   * arrive in bursts and a window counts every one of them.
   */
  targetShare: 0.7,
  /** The deepest cut a filling window makes. */
  fillingFloor: 0.85,
  /** The cut on a 429 or a spent window. */
  spentFactor: 0.5,
  /** How far back the client's own sending rate is measured, in windows. */
  observeWindows: 10,
  /** A 429's retry spreads over at most 2^this windows past the reset. */
  maxSpreadDoublings: 2,
  /** Paths remembered as read before: a read of one of them again is a poll. */
  rememberedPaths: 64
} as const

interface BucketKind {
  /** Nominal window: the headers say what is left and when it resets, not how long a window is. */
  windowMs: number
  /** Additive increase, in requests per window, for each window of time that passes with room. */
  increase: number
  /** The longest gap pacing ever puts between two polls (it slows a step, never stops it). */
  maxGapMs: number
}

const Kinds: Record<BucketName, BucketKind> = {
  user: { windowMs: 1000, increase: 0.1, maxGapMs: 6000 },
  'run-list': { windowMs: 60_000, increase: 1, maxGapMs: 60_000 }
}

interface Bucket extends BucketKind {
  /** Polls per window this client may send; Infinity until the budget has ever been tight. */
  rate: number
  /** When the rate last changed (the additive increase is per time, the same for every client). */
  rateAt: number
  /** Own send times, the last observeWindows windows. */
  sent: number[]
  firstSentAt: number | undefined
  lastDecreaseAt: number
  lastFactor: number
  /** Paths read before, oldest first. */
  paths: string[]
  /** The window is known spent until then: nothing is sent before it. */
  spentUntil: number
  /** Reads wait until then: a 429's retries spread past the reset. */
  holdUntil: number
  /** 429s in a row, without an answer with room between them. */
  refusals: number
  /** Polls wait until then: a filling window's rest spread over its reset. */
  easeUntil: number
}

export type Signal = 'roomy' | 'filling' | 'spent' | 'none'

/**
 * One client's view of its budgets. What it paces: polls (a read of a path it has read before),
 * which are the bulk of a step's requests and can stretch; a first read (the workspace, the state
 * version once the run has applied, the outputs) and a change move the step on, and only wait out
 * a spent window (reads also a 429's spread), so the lag after a run ends is not paced twice.
 */
export class Pacer {
  private readonly buckets = new Map<BucketName, Bucket>()
  private readonly options: PacerOptions

  constructor(options: PacerOptions) {
    this.options = options
  }

  /** How long to wait before sending this request now; 0 to send at once. */
  delayMs(method: string, path: string, now: number): number {
    const b = this.buckets.get(bucketOf(method, path))
    if (!b) return 0
    // A change goes out as soon as the window has room: delaying a confirm delays the whole run.
    if (isMutating(method)) return Math.max(0, b.spentUntil - now)
    const hard = Math.max(0, b.spentUntil - now, b.holdUntil - now, b.easeUntil - now)
    if (!b.paths.includes(path)) return hard
    const last = b.sent.at(-1)
    const gapUntil = last === undefined || !Number.isFinite(b.rate) ? 0 : last + b.windowMs / b.rate
    return Math.max(hard, gapUntil - now)
  }

  /** The request is going out now. */
  sent(method: string, path: string, now: number): void {
    const b = this.bucket(bucketOf(method, path))
    b.firstSentAt ??= now
    b.sent.push(now)
    const since = now - Pacing.observeWindows * b.windowMs
    while ((b.sent[0] ?? now) < since) b.sent.shift()
    if (!isMutating(method) && !b.paths.includes(path)) {
      b.paths.push(path)
      if (b.paths.length > Pacing.rememberedPaths) b.paths.shift()
    }
  }

  /** An answer that was not a 429: what its headers say about the shared window. */
  answered(method: string, path: string, headers: RateHeaders | undefined, now: number): Signal {
    if (!headers) return 'none'
    const b = this.bucket(bucketOf(method, path))
    const { limit, remaining, resetMs } = headers
    if (remaining <= 0) {
      b.spentUntil = Math.max(b.spentUntil, now + resetMs)
      b.easeUntil = Math.max(b.easeUntil, now + resetMs + this.spreadMs(b))
      this.decrease(b, Pacing.spentFactor, now)
      return 'spent'
    }
    if (limit === undefined) return 'none'
    const used = limit - remaining
    const target = limit * Pacing.targetShare
    if (used > target) {
      // Spread the rest of the window: the fuller it is, the longer the next poll may wait in it.
      b.easeUntil = Math.max(b.easeUntil, now + this.options.random() * resetMs * (used / limit))
      this.decrease(b, Math.max(Pacing.fillingFloor, target / used), now)
      return 'filling'
    }
    b.refusals = 0
    if (Number.isFinite(b.rate)) {
      b.rate += (b.increase * Math.min(now - b.rateAt, Pacing.observeWindows * b.windowMs)) / b.windowMs
      b.rateAt = now
      // Back to unpaced once the rate alone could spend the whole window.
      if (b.rate >= limit) b.rate = Number.POSITIVE_INFINITY
    }
    return 'roomy'
  }

  /**
   * A 429: the window is spent until its reset (resetMs, or a window when the host does not say).
   * Returns how long this request waits before it is sent again.
   */
  rateLimited(method: string, path: string, resetMs: number | undefined, now: number): number {
    const b = this.bucket(bucketOf(method, path))
    const reset = Math.min(resetMs ?? b.windowMs, this.options.maxWaitMs)
    b.spentUntil = Math.max(b.spentUntil, now + reset)
    // Refused together, back together: spread past the reset rather than all at it, over a span
    // that doubles with each refusal in a row (as many were refused as there are clients).
    b.refusals++
    b.holdUntil = Math.max(b.holdUntil, now + reset + this.spreadMs(b) * 2 ** Math.min(b.refusals - 1, Pacing.maxSpreadDoublings))
    this.decrease(b, Pacing.spentFactor, now)
    return this.delayMs(method, path, now)
  }

  /** The allowed rate of a bucket, in requests per window (Infinity when unpaced): for tests and logs. */
  rate(bucket: BucketName): number {
    return this.buckets.get(bucket)?.rate ?? Number.POSITIVE_INFINITY
  }

  private bucket(name: BucketName): Bucket {
    let b = this.buckets.get(name)
    if (!b) {
      b = {
        ...Kinds[name],
        rate: Number.POSITIVE_INFINITY,
        sent: [],
        firstSentAt: undefined,
        rateAt: 0,
        lastDecreaseAt: Number.NEGATIVE_INFINITY,
        lastFactor: 1,
        paths: [],
        spentUntil: 0,
        holdUntil: 0,
        refusals: 0,
        easeUntil: 0
      }
      this.buckets.set(name, b)
    }
    return b
  }

  private spreadMs(b: Bucket): number {
    return this.options.random() * Math.min(b.windowMs, this.options.maxWaitMs)
  }

  /**
   * Cut the rate from what this client actually sends (an allowed rate far above it would take many
   * cuts to matter), at most once a window: the answers of one burst are one signal, not several
   * (a 429 after a filling window still cuts deeper).
   */
  private decrease(b: Bucket, factor: number, now: number): void {
    if (now - b.lastDecreaseAt < b.windowMs && factor >= b.lastFactor) return
    b.lastDecreaseAt = now
    b.lastFactor = factor
    b.rateAt = now
    const span = Math.max(b.windowMs, Math.min(Pacing.observeWindows * b.windowMs, now - (b.firstSentAt ?? now)))
    const observed = (b.sent.filter(t => t > now - span).length * b.windowMs) / span
    b.rate = Math.max(b.windowMs / b.maxGapMs, Math.min(b.rate, observed) * factor)
  }
}
