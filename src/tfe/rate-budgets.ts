/**
 * The API's rate budgets as a client sees them: which budget a request draws on, what an answer's
 * X-RateLimit-* headers say, and the knobs the pacer (pacing.ts) turns. Pure; no state.
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

/** The knobs, named so the tests and the bench speak of the same things. */
export const Pacing = {
  /**
   * How full the fleet may keep the window, as its answers show it: above, each client cuts its
   * rate; below, it grows back. Well under the limit, because every client decides alone and
   * requests of many clients arrive at random: a window full to 60 % on average is rarely full at
   * any one arrival, one full to 80 % often is.
   */
  targetShare: 0.6,
  /** The deepest cut a filling window makes. */
  fillingFloor: 0.8,
  /** The cut on a 429 or a spent window. */
  spentFactor: 0.5,
  /** How far back the client's own sending rate is measured, in windows. */
  observeWindows: 10,
  /**
   * Requests the client may send at once after a quiet spell: its own burst (the reads after an
   * apply go together), and the reserve polls leave for it.
   */
  burst: 4,
  /** Tokens a poll leaves in the bucket: the requests that move a run on never wait behind polls. */
  pollReserve: 2,
  /**
   * How far a first read or a change may run the bucket into debt, which the polls after it repay:
   * the reads after an apply and the confirm wait for the window, not for the client's own rate.
   */
  debt: 3,
  /**
   * A fresh answer (its window not yet over) fuller than this holds the next request of its kind to
   * a random point of the next window: polls give way first; first reads and changes only to a
   * fuller window, where what they would add is what refuses the first request of another step.
   */
  admit: { poll: 0.6, read: 0.8, change: 0.8 },
  /** How far above its own recent rate a client may grow. */
  headroom: 2,
  /** Paths remembered as read before: a read of one of them again is a poll. */
  rememberedPaths: 64,
  /**
   * How far apart the steps of a matrix whose jobs start together send their first requests. A step
   * sends about four requests in its first seconds (the workspace, the run, its first reads) and,
   * on short runs, about 13 in its first half minute; 0.6 s apart keeps a matrix's start near 7 a
   * second against 30, and a matrix of 30 s runs near 22 a second at its peak. Closer, a fleet of
   * short runs outgrows the window (helpers/fleet-model.ts, 30 s runs: 100 steps that all start
   * within 3 s are refused 11-14 % of the time; 250 ms apart 3-4 %, 500 ms 0.1-1.2 %, 600 ms
   * 0-0.4 %; 200 steps 500 ms apart 0.7-1.8 %, 600 ms 0-0.2 %). The last of 100 waits 59.4 s.
   */
  matrixSpacingMs: 600
} as const

/** Where a step's job sits among the jobs of its matrix (GitHub's strategy context). */
export interface MatrixPlace {
  /** job-index: 0 for the first job, and for a job outside a matrix. */
  index: number
  /** job-total. */
  total: number
  /** max-parallel: how many of the matrix's jobs GitHub starts at once. */
  maxParallel: number
}

/**
 * How long a step waits before its first request, by its job's place in the matrix: the jobs GitHub
 * starts together send their first requests matrixSpacingMs apart, in job order, instead of all in
 * the same second where no answer has yet told any of them how full the window is. A job that
 * starts later, in a slot an earlier job left (max-parallel), comes at its own time already.
 */
export function startTurnMs(place: MatrixPlace | undefined): number {
  if (!place) return 0
  const together = Math.min(place.total, place.maxParallel)
  return place.index < together ? place.index * Pacing.matrixSpacingMs : 0
}

export interface BucketKind {
  /** Nominal window: the headers say what is left and when it resets, not how long a window is. */
  windowMs: number
  /** Additive increase, in requests per window, for each window of time that passes with room. */
  increase: number
  /** The lowest rate, as the longest gap it puts between two requests (it slows a step, never stops it). */
  maxGapMs: number
  /**
   * A 429's retry spreads over a window past the reset, doubling with each refusal in a row up to
   * 2^maxSpreadDoublings windows; for a client refused before it ever had an answer, from
   * 2^firstSpreadDoublings windows (it has met a crowd it knew nothing of, and so have the others
   * refused with it). For the user's budget: 100 steps that start together send ~300 requests in
   * their first seconds against 30 a second, so the refused start over 16 windows; a run of
   * refusals spreads up to 32, so that 200 steps do not meet again window after window
   * (helpers/fleet-model.ts and the bench measured 8 and 8: 18 % and 43 % refused).
   */
  firstSpreadDoublings: number
  maxSpreadDoublings: number
  /**
   * A hold for a crowded window spreads over one window, doubling with each crowded answer in a row
   * up to 2^this; a poll's longest gap stretches as far while the window stays crowded.
   */
  admitSpreadDoublings: number
}

export const Kinds: Record<BucketName, BucketKind> = {
  user: { windowMs: 1000, increase: 0.1, maxGapMs: 6000, firstSpreadDoublings: 4, maxSpreadDoublings: 5, admitSpreadDoublings: 2 },
  // A minute's window: a doubling is already a minute of a step's time, so one only. The refused
  // lists of a fan-out share the next window's places; those refused again share two windows', so
  // an unlucky step is not refused window after window (helpers/fleet-model.ts measures the tail).
  'run-list': { windowMs: 60_000, increase: 1, maxGapMs: 60_000, firstSpreadDoublings: 0, maxSpreadDoublings: 1, admitSpreadDoublings: 0 }
}
