/**
 * A fleet of steps on one token, on a virtual clock: each step sends what a real apply sends (the
 * workspace, the run, polls on the real poll schedule, a read with news when a stage's log ends, the
 * confirm, the reads ahead during the apply, the state version after it) through its own Pacer,
 * against a service that counts every user's requests in a
 * sliding window of one second, as the stand-in does; with `matrix`, each step first waits its
 * turn as a matrix job does. No sockets and no timers: a run of 100 steps
 * takes well under a second, and the same seed gives the same requests.
 * The bench measures the real thing (processes against the stand-in); this is for tests.
 */
import { Pacer, type Signal } from '../../src/tfe/pacing.js'
import type { Urgency } from '../../src/tfe/urgency.js'
import { rateHeaders, startTurnMs } from '../../src/tfe/rate-budgets.js'
import { DefaultPollSchedule, PollSchedule } from '../../src/tfe/poll-schedule.js'
import { MaxAheadSpreadMs } from '../../src/lifecycle/ahead.js'
import { BeforeApplyStatuses, BeforePlanStatuses } from '../../src/tfe/statuses.js'

/** What a pacer has to answer; the real Pacer, or a client that does not pace, for comparison. */
export interface PacerLike {
  delayMs(method: string, path: string, now: number, urgency?: Urgency): number
  sent(method: string, path: string, now: number): void
  answered(method: string, path: string, headers: ReturnType<typeof rateHeaders>, now: number): Signal
  rateLimited(method: string, path: string, resetMs: number | undefined, now: number): number
}

/** A client that sends whenever it likes and comes back when a 429's reset says: clients before pacing. */
export class Unpaced implements PacerLike {
  private until = 0
  delayMs(_method: string, _path: string, now: number): number {
    return Math.max(0, this.until - now)
  }
  sent(): void {}
  answered(): Signal {
    return 'none'
  }
  rateLimited(_method: string, _path: string, resetMs: number | undefined, now: number): number {
    this.until = now + (resetMs ?? 1000)
    return this.until - now
  }
}

export interface FleetRequest {
  at: number
  step: number
  method: string
  path: string
  status: 200 | 429
}

export interface FleetResult {
  requests: FleetRequest[]
  /** Per step: the time from its run's end to the step's end. */
  lagsMs: number[]
  /** Per step, by its index: when its run ended. */
  endsAt: number[]
  /** Requests a step sent while an answer it had itself received said the window was spent. */
  sentIntoSpent: number
  wallMs: number
}

export interface FleetOptions {
  steps: number
  seed: number
  /** The steps start within this span (runners do not all start in the same instant). */
  startSpreadMs: number
  pacer: (random: () => number) => PacerLike
  limit?: number
  /** The steps are the jobs of one matrix, in job order: each waits its turn (startTurnMs) before its first request. */
  matrix?: boolean
}

/** Time that passes only when every step is asleep: the earliest sleeper wakes, and all it sets off settles. */
class VirtualClock {
  now = 0
  private order = 0
  private readonly timers: { at: number; order: number; wake: () => void }[] = []

  sleep(ms: number): Promise<void> {
    return new Promise(wake => {
      this.timers.push({ at: this.now + Math.max(0, ms), order: this.order++, wake })
    })
  }

  run<T>(work: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      let done = false
      work.then(value => {
        done = true
        resolve(value)
      }, reject)
      const tick = (): void => {
        if (done) return
        this.timers.sort((a, b) => a.at - b.at || a.order - b.order)
        const next = this.timers.shift()
        if (next) {
          this.now = next.at
          next.wake()
        }
        setImmediate(tick)
      }
      setImmediate(tick)
    })
  }
}

/** The same generator for the same seed: a run of the model is repeatable. */
function seeded(seed: number): () => number {
  let state = seed
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
}

/** One of the service's budgets, counted as the stand-in counts it: a sliding window per user. */
class SlidingWindow {
  private arrivals: number[] = []
  private readonly limit: number
  private readonly windowMs: number

  constructor(limit: number, windowMs: number) {
    this.limit = limit
    this.windowMs = windowMs
  }

  /** Whether the request at `now` goes through, and the X-RateLimit-* headers of its answer. */
  serve(now: number): { status: 200 | 429; headers: Record<string, string> } {
    this.arrivals = this.arrivals.filter(t => now - t < this.windowMs)
    const resetS = (): string => (Math.max(0, this.windowMs - (now - (this.arrivals[0] ?? now))) / 1000).toFixed(3)
    const full = this.arrivals.length >= this.limit
    if (!full) this.arrivals.push(now)
    const remaining = full ? 0 : this.limit - this.arrivals.length
    const headers = { 'x-ratelimit-limit': String(this.limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': resetS() }
    return { status: full ? 429 : 200, headers }
  }
}

/** One step's side of the model: its clock, its pacer, the budget it draws on, and what it was told. */
interface Sender {
  clock: VirtualClock
  pacer: PacerLike
  service: SlidingWindow
  /** Until then an answer this step received said the window was spent. */
  spentUntil: { at: number }
  seen: (method: string, path: string, status: 200 | 429, sentIntoSpent: boolean) => void
}

/** One request as a client sends it: paced, answered after 4 ms each way, sent again after each 429. */
async function paced(
  { clock, pacer, service, spentUntil, seen }: Sender,
  method: string,
  path: string,
  { newsAt = Infinity, background = false }: { newsAt?: number; background?: boolean } = {}
): Promise<void> {
  // News that arrives while the pacer holds the request wakes it, and it is asked again with it; a
  // read that can wait does so only until then.
  // A read whose news is on its way (the stage's log streams) is a net until the news arrives.
  const urgency = (): Urgency | undefined =>
    clock.now >= newsAt ? 'news' : background ? 'background' : newsAt < Infinity ? 'net' : undefined
  const delay = (): number => pacer.delayMs(method, path, clock.now, urgency())
  for (;;) {
    for (let wait = delay(); wait > 0; wait = delay()) await clock.sleep(clock.now < newsAt ? Math.min(wait, newsAt - clock.now) : wait)
    const early = clock.now < spentUntil.at
    pacer.sent(method, path, clock.now)
    await clock.sleep(4)
    const answer = service.serve(clock.now)
    seen(method, path, answer.status, early)
    await clock.sleep(4)
    const headers = rateHeaders(answer.headers, 60_000)
    if (headers && headers.remaining === 0) spentUntil.at = Math.max(spentUntil.at, clock.now + headers.resetMs)
    if (answer.status === 200) {
      pacer.answered(method, path, headers, clock.now)
      return
    }
    pacer.rateLimited(method, path, headers?.resetMs, clock.now)
  }
}

/** How long after a stage ends the log host has told a reader of its log so (its ETX). */
const LogEndMs = 300
/** What a step reads once its apply ended (its outputs come with the state version). */
const afterApply = ['current-state-version?include=outputs']

export async function simulateFleet(options: FleetOptions): Promise<FleetResult> {
  const random = seeded(options.seed)
  const clock = new VirtualClock()
  const service = new SlidingWindow(options.limit ?? 30, 1000)
  const requests: FleetRequest[] = []
  const lagsMs: number[] = []
  const ends: number[] = []
  let sentIntoSpent = 0

  async function step(i: number): Promise<void> {
    await clock.sleep(random() * options.startSpreadMs)
    if (options.matrix) await clock.sleep(startTurnMs({ index: i, total: options.steps, maxParallel: options.steps }))
    const sender: Sender = {
      clock,
      pacer: options.pacer(random),
      service,
      spentUntil: { at: 0 },
      seen: (method, path, status, early) => {
        requests.push({ at: clock.now, step: i, method, path, status })
        if (early) sentIntoSpent++
      }
    }
    const send = (method: string, path: string, how: { newsAt?: number; background?: boolean } = {}): Promise<void> =>
      paced(sender, method, path, how)
    const f = (i * 0.618) % 1
    const [queueMs, planMs, applyQueueMs, applyMs] = [3000, 16_000 + 8000 * f, 500, 10_000 + 4000 * ((f * 7) % 1)]
    await send('GET', `/api/v2/organizations/org/workspaces/ws-${i}`)
    await send('POST', '/api/v2/runs')
    const created = clock.now
    const schedule = new PollSchedule(DefaultPollSchedule, { planning: 20_000, applying: 12_000 })
    const poll = `/api/v2/runs/run-${i}?include=plan,apply`
    /**
     * Reads the run until it is `until`, as the follow loop does: the stage's log is read from the
     * first read of the run that gives its URL, and its end, which the log host tells LogEndMs after
     * the stage ends, wakes the step for a read with news. While the stage runs and its log streams
     * (the step has read the stage's status), the schedule is only a net.
     */
    const follow = async (stage: string, stageEndsAt: number, statusAt: () => string, until: string, confirmed = false): Promise<void> => {
      const endAt = stageEndsAt + LogEndMs
      let told = false
      // The stage's log URL comes with a read of the run (after the create; after the confirmation).
      let read = false
      while (status !== until) {
        const waiting = BeforePlanStatuses.has(status) || BeforeApplyStatuses.has(status)
        const next = schedule.next(status, clock.now, read && (status === stage || waiting) && clock.now < endAt)
        await clock.sleep(told ? next : Math.min(next, Math.max(0, endAt - clock.now)))
        // The read after the step's confirmation has news too (the apply's log URL comes with it).
        await send('GET', poll, { newsAt: confirmed ? clock.now : told ? Infinity : endAt })
        confirmed = false
        read = true
        told ||= clock.now >= endAt
        status = statusAt()
        // The run triggers, read ahead once the run plans (the fleet's quietest stretch).
        if (status === 'planning' && !triggers) triggers = readAhead(`/api/v2/workspaces/ws-${i}/run-triggers`, 20_000, Infinity)
      }
    }
    /** A read ahead, from a random point of the stage's first 5 s (half its average), giving way to a crowded window until `newsAt`. */
    const own = seeded(options.seed * 1000 + i)
    const readAhead = (path: string, averageMs: number, newsAt: number): Promise<void> =>
      // Drawn from the step's own sequence: the pacer's draws must not move it (a lone step is compared).
      clock.sleep(own() * Math.min(MaxAheadSpreadMs, averageMs / 2)).then(() => send('GET', path, { newsAt, background: true }))
    let triggers: Promise<void> | undefined
    let status = 'pending'
    const planEndsAt = created + queueMs + planMs
    await follow(
      'planning',
      planEndsAt,
      () => (clock.now < created + queueMs ? 'pending' : clock.now < planEndsAt ? 'planning' : 'planned'),
      'planned'
    )
    await send('POST', `/api/v2/runs/run-${i}/actions/apply`)
    schedule.reset()
    const confirmed = clock.now
    const endsAt = confirmed + applyQueueMs + applyMs
    // The JSON plan, read ahead beside the apply.
    const ahead = Promise.all([readAhead(`/api/v2/plans/plan-${i}/json-output-redacted`, 12_000, endsAt), triggers])
    status = 'confirmed'
    await follow(
      'applying',
      endsAt,
      () => (clock.now < confirmed + applyQueueMs ? 'apply_queued' : clock.now < endsAt ? 'applying' : 'applied'),
      'applied',
      true
    )
    await ahead
    // Read with news, as outputs.ts reads them: the step's end waits on them.
    for (const p of afterApply) await send('GET', `/api/v2/workspaces/ws-${i}/${p}`, { newsAt: clock.now })
    lagsMs.push(clock.now - endsAt)
    ends[i] = endsAt
  }

  await clock.run(Promise.all(Array.from({ length: options.steps }, (_, i) => step(i))))
  return { requests, lagsMs, endsAt: ends, sentIntoSpent, wallMs: clock.now }
}

export interface RunListFanoutResult {
  /** Per step: how many of its run lists were answered 429. */
  refusalsPerStep: number[]
  /** Per step: run lists it sent while an answer it had received said the window was spent. */
  sentIntoSpent: number
  answered: number
  wallMs: number
}

/**
 * The run lists of a fan-out with adopt_queued_run, as e2e/run-list-fanout runs it: each step lists
 * its workspace's runs before queueing and, `thinkMs` later (its run), the downstream workspace's,
 * against the run lists' own budget of 30 a minute. Only the run lists: the per-second budget never binds here.
 */
export async function simulateRunListFanout(options: { steps: number; seed: number; thinkMs: number }): Promise<RunListFanoutResult> {
  const random = seeded(options.seed)
  const clock = new VirtualClock()
  const service = new SlidingWindow(30, 60_000)
  const refusalsPerStep = Array.from({ length: options.steps }, () => 0)
  let sentIntoSpent = 0
  let answered = 0
  async function step(i: number): Promise<void> {
    await clock.sleep(random() * 300)
    const sender: Sender = {
      clock,
      pacer: realPacer(random),
      service,
      spentUntil: { at: 0 },
      seen: (_method, _path, status, early) => {
        if (status === 429) refusalsPerStep[i] = (refusalsPerStep[i] ?? 0) + 1
        else answered++
        if (early) sentIntoSpent++
      }
    }
    const list = (path: string): Promise<void> => paced(sender, 'GET', path)
    await list(`/api/v2/workspaces/ws-${i}/runs`)
    await clock.sleep(options.thinkMs * (1 + random() / 4))
    await list(`/api/v2/workspaces/down-${i}/runs`)
  }
  await clock.run(Promise.all(Array.from({ length: options.steps }, (_, i) => step(i))))
  return { refusalsPerStep, sentIntoSpent, answered, wallMs: clock.now }
}

/** The share of requests answered 429. */
export const refusedShare = (r: FleetResult): number => r.requests.filter(q => q.status === 429).length / r.requests.length

/** A real Pacer, as the client builds it. */
export const realPacer = (random: () => number): PacerLike => new Pacer({ maxWaitMs: 60_000, random })
