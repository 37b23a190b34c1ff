/**
 * How soon one client may send its next request, from what the API's answers say about the budget
 * it shares with every other client of the same user. Pure apart from `random`: each call is given
 * `now`, nothing here sleeps or sends (client.ts does, and consults this before each send). The
 * budgets, their headers and the knobs are in rate-budgets.ts.
 *
 * Why it works without knowing the others: each answer's X-RateLimit-Remaining says how full the
 * fleet has made the window. Each client keeps a rate per budget: the first crowded answer sets it
 * to the floor, a fuller window or a 429 cuts it from what the client actually sends, a window with
 * room adds back a fixed step per second (never above twice what it sends). Clients that see the
 * same signals converge on shares under the limit; a lone client never fills the window, so it is
 * never paced. Polls wait for the rate; first reads and changes move a run on and only wait for
 * holds (a spent window, a 429's spread, a crowded answer's next window).
 */
import { Kinds, Pacing, bucketOf, isMutating, type BucketKind, type BucketName, type RateHeaders } from './rate-budgets.js'
import type { Urgency } from './urgency.js'

export interface PacerOptions {
  /** The longest any hold may last (a reset of an hour is a broken proxy or clock). */
  maxWaitMs: number
  /** 0 ≤ random() < 1; tests pass a fixed one. */
  random: () => number
}

/** The last answer's view of the shared window. */
interface Seen {
  at: number
  share: number
  resetMs: number
  /** Where in the next window this client's held requests go: drawn once per answer. */
  jitter: number
}

interface Bucket extends BucketKind {
  seen: Seen | undefined
  /** Requests per window this client may send; Infinity until the budget has ever been tight. */
  rate: number
  /** When the rate last changed (the additive increase is per time, the same for every client). */
  rateAt: number
  /** Own send times, the last observeWindows windows. */
  sentAt: number[]
  firstSentAt: number | undefined
  lastDecreaseAt: number
  lastFactor: number
  /** When the last poll went out. */
  lastPollAt: number
  /** The token bucket that holds the client to its rate, and when it was last filled. */
  tokens: number
  tokensAt: number
  /** Paths read before, oldest first: a read of one of them is a poll. */
  paths: string[]
  /** The window is known spent until then: nothing is sent before it. */
  spentUntil: number
  /** Requests wait until then: a 429's retries spread past the reset. */
  holdUntil: number
  /** 429s in a row, without an answer with room between them. */
  refusals: number
  /** Refused before it had any answer, and not let through since. */
  startedInCrowd: boolean
  /** Answers in a row from a window fuller than reads may enter (429s included). */
  crowded: number
}

export type Signal = 'roomy' | 'filling' | 'spent' | 'none'
type Kind = keyof typeof Pacing.admit

/**
 * One client's view of its budgets. Every answer tells how full the window is that all clients of
 * the user share. From that the client keeps a rate of its own (cut when the window is fuller than
 * the target, grown back when it is not: every client sees the same window, so all converge on
 * shares under the limit without knowing how many they are), enforced by a token bucket over every
 * request it sends. Polls leave a reserve in the bucket, so the requests that move a run on (a
 * confirm, the reads after an apply) go at once while polls, which can wait, stretch. A fresh answer
 * from a nearly full window also holds the next request to a random point of the next window, so
 * the requests that follow one answer do not land together with everyone else's. A lone client never
 * sees a full window and is never paced.
 */
export class Pacer {
  private readonly buckets = new Map<BucketName, Bucket>()
  private readonly options: PacerOptions

  constructor(options: PacerOptions) {
    this.options = options
  }

  /**
   * How long to wait before sending this request now; 0 to send at once. `urgency` (urgency.ts):
   * a read with news is paced as a first read, not held as a poll; a net may wait for the client's
   * rate longer than other polls; a read that can wait gives way as a poll does.
   */
  delayMs(method: string, path: string, now: number, urgency?: Urgency): number {
    const b = this.buckets.get(bucketOf(method, path))
    if (!b) return 0
    const news = urgency === 'news'
    const background = urgency === 'background'
    // A read that can wait (client.ts inBackground) gives way to a crowded window as a poll does.
    const kind = isMutating(method) ? 'change' : news ? 'read' : background ? 'poll' : this.kindOf(b, method, path)
    // A read with news waits for a window an answer said was spent, never for the spread of the
    // 429s before it (which may reach 32 windows): after its own 429 the admit hold below puts it at
    // a random point of the window past the reset, as it does every read with news.
    const hard = Math.max(0, b.spentUntil - now, news ? 0 : b.holdUntil - now)
    const s = b.seen
    // A read with news gives way to a crowded window for one window at most: the step waits on it.
    const admitDoublings = news ? 0 : Math.min(Math.max(0, b.crowded - 1), b.admitSpreadDoublings)
    const admitAt =
      s && now < s.at + Math.max(s.resetMs, b.windowMs) && s.share > Pacing.admit[kind]
        ? s.at + s.resetMs + s.jitter * b.windowMs * 2 ** admitDoublings
        : 0
    // Only polls wait for the client's own rate: a first read or a change moves a run on, and runs
    // the bucket into debt that the polls after it repay. However deep, a poll waits its longest gap
    // at most, stretched while the window stays crowded: a fleet so large that one poll each per
    // longest gap is over the limit by itself must stretch further (up to 2^admitSpreadDoublings gaps).
    // A net stretches that far whenever the rate says so: the stage log's end, not the net, tells
    // when the run moves on (and wakes the read at once as news). A read that can wait gives way to
    // a crowded window as a poll does, but does not queue behind the client's polls for its rate: it
    // is one read, and the step will need its answer.
    const gaps = urgency === 'net' ? b.admitSpreadDoublings : Math.min(b.crowded, b.admitSpreadDoublings)
    const paced =
      kind === 'poll' && !background
        ? Math.min(this.tokenWaitMs(b, 1 + Pacing.pollReserve, now), Math.max(0, b.lastPollAt + b.maxGapMs * 2 ** gaps - now))
        : 0
    return Math.max(hard, admitAt - now, paced)
  }

  /** The request is going out now. */
  sent(method: string, path: string, now: number): void {
    const b = this.bucket(bucketOf(method, path))
    b.firstSentAt ??= now
    b.sentAt.push(now)
    const since = now - Pacing.observeWindows * b.windowMs
    while ((b.sentAt[0] ?? now) < since) b.sentAt.shift()
    if (Number.isFinite(b.rate)) {
      this.fill(b, now)
      b.tokens = Math.max(-Pacing.debt, b.tokens - 1)
    }
    if (!isMutating(method) && b.paths.includes(path)) b.lastPollAt = now
  }

  /** An answer that was not a 429: what its headers say about the shared window. */
  answered(method: string, path: string, headers: RateHeaders | undefined, now: number): Signal {
    const b = this.bucket(bucketOf(method, path))
    b.startedInCrowd = false
    // Read once it was answered: the retry of a refused read is the same read, not a poll.
    if (!isMutating(method) && !b.paths.includes(path)) {
      b.paths.push(path)
      if (b.paths.length > Pacing.rememberedPaths) b.paths.shift()
    }
    if (!headers) return 'none'
    const { limit, remaining, resetMs } = headers
    if (remaining <= 0) {
      b.spentUntil = Math.max(b.spentUntil, now + resetMs)
      b.seen = { at: now, share: 1, resetMs, jitter: this.options.random() }
      this.decrease(b, Pacing.spentFactor, now)
      return 'spent'
    }
    if (limit === undefined) return 'none'
    const share = (limit - remaining) / limit
    b.seen = { at: now, share, resetMs, jitter: this.options.random() }
    b.crowded = share > Pacing.admit.read ? b.crowded + 1 : 0
    if (share > Pacing.targetShare) {
      this.decrease(b, Math.max(Pacing.fillingFloor, Pacing.targetShare / share), now)
      return 'filling'
    }
    b.refusals = 0
    if (Number.isFinite(b.rate)) {
      this.fill(b, now)
      b.rate += (b.increase * Math.min(now - b.rateAt, Pacing.observeWindows * b.windowMs)) / b.windowMs
      b.rateAt = now
      // No credit for quiet spells: a rate far above what the client sends would let every client
      // of the fleet burst at once when their runs reach the same stage.
      b.rate = Math.min(b.rate, Math.max(2 * (b.windowMs / b.maxGapMs), Pacing.headroom * this.observed(b, now)))
      // Back to unpaced once the rate alone could spend the whole window.
      if (b.rate >= limit) b.rate = Number.POSITIVE_INFINITY
    }
    return 'roomy'
  }

  /**
   * A 429: the window is spent until its reset (resetMs, or a window when the host does not say).
   * Returns how long this request (of that urgency) waits before it is sent again.
   */
  rateLimited(method: string, path: string, resetMs: number | undefined, now: number, urgency?: Urgency): number {
    const b = this.bucket(bucketOf(method, path))
    const reset = Math.min(resetMs ?? b.windowMs, this.options.maxWaitMs)
    b.spentUntil = Math.max(b.spentUntil, now + reset)
    // Refused together, back together: spread past the reset rather than all at it, over a span
    // that doubles with each refusal in a row (as many were refused as there are clients).
    b.refusals++
    // A client refused before any answer ever reached it is one of a crowd that started together,
    // until the service lets one of its requests through.
    if (b.seen === undefined) b.startedInCrowd = true
    const doublings = Math.min(b.refusals - 1 + (b.startedInCrowd ? b.firstSpreadDoublings : 0), b.maxSpreadDoublings)
    b.holdUntil = Math.max(b.holdUntil, now + reset + this.spreadMs(b) * 2 ** doublings)
    b.seen = { at: now, share: 1, resetMs: reset, jitter: this.options.random() }
    b.crowded++
    this.decrease(b, Pacing.spentFactor, now)
    return this.delayMs(method, path, now, urgency)
  }

  /** The allowed rate of a bucket, in requests per window (Infinity when unpaced): for tests and logs. */
  rate(bucket: BucketName): number {
    return this.buckets.get(bucket)?.rate ?? Number.POSITIVE_INFINITY
  }

  private kindOf(b: Bucket, method: string, path: string): Kind {
    if (isMutating(method)) return 'change'
    return b.paths.includes(path) ? 'poll' : 'read'
  }

  private fill(b: Bucket, now: number): void {
    b.tokens = Math.min(Pacing.burst, b.tokens + ((now - b.tokensAt) * b.rate) / b.windowMs)
    b.tokensAt = now
  }

  /** How long until the bucket holds `need` tokens at the client's rate. */
  private tokenWaitMs(b: Bucket, need: number, now: number): number {
    if (!Number.isFinite(b.rate)) return 0
    this.fill(b, now)
    // Whole milliseconds: a wait computed to the float would leave a sliver of a token and ask again.
    return b.tokens >= need - 1e-9 ? 0 : Math.ceil(((need - b.tokens) * b.windowMs) / b.rate)
  }

  private bucket(name: BucketName): Bucket {
    let b = this.buckets.get(name)
    if (!b) {
      b = {
        ...Kinds[name],
        seen: undefined,
        rate: Number.POSITIVE_INFINITY,
        rateAt: 0,
        sentAt: [],
        firstSentAt: undefined,
        lastDecreaseAt: Number.NEGATIVE_INFINITY,
        lastFactor: 1,
        lastPollAt: Number.NEGATIVE_INFINITY,
        tokens: Pacing.burst,
        tokensAt: 0,
        paths: [],
        spentUntil: 0,
        holdUntil: 0,
        refusals: 0,
        startedInCrowd: false,
        crowded: 0
      }
      this.buckets.set(name, b)
    }
    return b
  }

  /** What the client itself sent, per window, over the last observeWindows windows (or since it began). */
  private observed(b: Bucket, now: number): number {
    const span = Math.max(b.windowMs, Math.min(Pacing.observeWindows * b.windowMs, now - (b.firstSentAt ?? now)))
    return (b.sentAt.filter(t => t > now - span).length * b.windowMs) / span
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
    if (Number.isFinite(b.rate)) this.fill(b, now)
    else {
      // Paced from now on, with what one request needs: not a burst the client never saved up.
      b.tokens = 1
      b.tokensAt = now
    }
    b.lastDecreaseAt = now
    b.lastFactor = factor
    b.rateAt = now
    const observed = this.observed(b, now)
    // The first cut starts from the floor: a client that meets a crowded window does not know how
    // many share it, and may grow back from there, where one that guessed high would only add to it.
    const floor = b.windowMs / b.maxGapMs
    b.rate = Number.isFinite(b.rate) ? Math.max(floor, Math.min(b.rate, observed) * factor) : floor
  }
}
