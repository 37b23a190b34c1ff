/**
 * A fleet of steps on one token, on a virtual clock: each step sends what a real apply sends (the
 * workspace, the run, polls on the real poll schedule, the confirm, the reads after the apply) one
 * request at a time through its own Pacer, against a service that counts every user's requests in a
 * sliding window of one second, as the stand-in does. No sockets and no timers: a run of 100 steps
 * takes well under a second, and the same seed gives the same requests.
 * The bench measures the real thing (processes against the stand-in); this is for tests.
 */
import { Pacer, type Signal } from '../../src/tfe/pacing.js'
import { rateHeaders } from '../../src/tfe/rate-budgets.js'
import { DefaultPollSchedule, PollSchedule } from '../../src/tfe/poll-schedule.js'

/** What a pacer has to answer; the real Pacer, or a client that does not pace, for comparison. */
export interface PacerLike {
  delayMs(method: string, path: string, now: number): number
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
}

export function simulateFleet(options: FleetOptions): Promise<FleetResult> {
  const limit = options.limit ?? 30
  let seed = options.seed
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  let now = 0
  let order = 0
  const timers: { at: number; order: number; wake: () => void }[] = []
  const sleep = (ms: number): Promise<void> =>
    new Promise(wake => {
      timers.push({ at: now + Math.max(0, ms), order: order++, wake })
    })
  let window: number[] = []
  const requests: FleetRequest[] = []
  const lagsMs: number[] = []
  let sentIntoSpent = 0

  function serve(step: number, method: string, path: string): { status: 200 | 429; headers: Record<string, string> } {
    window = window.filter(t => now - t < 1000)
    const resetS = (): string => (Math.max(0, 1000 - (now - (window[0] ?? now))) / 1000).toFixed(3)
    if (window.length >= limit) {
      requests.push({ at: now, step, method, path, status: 429 })
      return { status: 429, headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetS() } }
    }
    window.push(now)
    requests.push({ at: now, step, method, path, status: 200 })
    return {
      status: 200,
      headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(limit - window.length), 'x-ratelimit-reset': resetS() }
    }
  }

  async function request(step: number, pacer: PacerLike, spentUntil: { at: number }, method: string, path: string): Promise<void> {
    for (;;) {
      for (let wait = pacer.delayMs(method, path, now); wait > 0; wait = pacer.delayMs(method, path, now)) await sleep(wait)
      if (now < spentUntil.at) sentIntoSpent++
      pacer.sent(method, path, now)
      await sleep(4)
      const answer = serve(step, method, path)
      await sleep(4)
      const headers = rateHeaders(answer.headers, 60_000)
      if (headers && headers.remaining === 0) spentUntil.at = Math.max(spentUntil.at, now + headers.resetMs)
      if (answer.status === 200) {
        pacer.answered(method, path, headers, now)
        return
      }
      pacer.rateLimited(method, path, headers?.resetMs, now)
    }
  }

  async function step(i: number): Promise<void> {
    await sleep(random() * options.startSpreadMs)
    const pacer = options.pacer(random)
    const spent = { at: 0 }
    const send = (method: string, path: string): Promise<void> => request(i, pacer, spent, method, path)
    const f = (i * 0.618) % 1
    const [queueMs, planMs, applyQueueMs, applyMs] = [3000, 16_000 + 8000 * f, 500, 10_000 + 4000 * ((f * 7) % 1)]
    await send('GET', `/api/v2/organizations/org/workspaces/ws-${i}`)
    await send('POST', '/api/v2/runs')
    const created = now
    const schedule = new PollSchedule(DefaultPollSchedule, { planning: 20_000, applying: 12_000 })
    const poll = `/api/v2/runs/run-${i}?include=plan,apply`
    let status = 'pending'
    const planStatus = (): string => (now < created + queueMs ? 'pending' : now < created + queueMs + planMs ? 'planning' : 'planned')
    while (status !== 'planned') {
      await sleep(schedule.next(status, now))
      await send('GET', poll)
      status = planStatus()
    }
    await send('POST', `/api/v2/runs/run-${i}/actions/apply`)
    schedule.reset()
    const confirmed = now
    const plan = send('GET', `/api/v2/plans/plan-${i}/json-output-redacted`)
    const endsAt = confirmed + applyQueueMs + applyMs
    while (status !== 'applied') {
      await sleep(schedule.next(status, now))
      await send('GET', poll)
      status = now < confirmed + applyQueueMs ? 'apply_queued' : now < endsAt ? 'applying' : 'applied'
    }
    await plan
    await Promise.all(
      ['current-state-version', 'current-state-version-outputs', 'run-triggers'].map(p => send('GET', `/api/v2/workspaces/ws-${i}/${p}`))
    )
    lagsMs.push(now - endsAt)
  }

  return new Promise((resolve, reject) => {
    let done = false
    Promise.all(Array.from({ length: options.steps }, (_, i) => step(i))).then(() => (done = true), reject)
    // The clock: wake the earliest sleeper, let every promise it sets off settle, repeat.
    const tick = (): void => {
      if (done) {
        resolve({ requests, lagsMs, sentIntoSpent, wallMs: now })
        return
      }
      timers.sort((a, b) => a.at - b.at || a.order - b.order)
      const next = timers.shift()
      if (next) {
        now = next.at
        next.wake()
      }
      setImmediate(tick)
    }
    setImmediate(tick)
  })
}

/** The share of requests answered 429. */
export const refusedShare = (r: FleetResult): number => r.requests.filter(q => q.status === 429).length / r.requests.length

/** A real Pacer, as the client builds it. */
export const realPacer = (random: () => number): PacerLike => new Pacer({ maxWaitMs: 60_000, random })
