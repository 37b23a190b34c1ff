/**
 * The pacer's decisions (src/tfe/pacing.ts), on a clock the test hands it: no timers, no sockets.
 * How the client acts on them is in tfe-client.test.ts; the figures of a fleet are the bench's.
 */
import { describe, expect, it } from '@jest/globals'
import { Pacer, Pacing, bucketOf, isMutating, rateHeaders, type RateHeaders } from '../../src/tfe/pacing.js'

const pacer = (random = 0.5): Pacer => new Pacer({ maxWaitMs: 60_000, random: () => random })
const read = (p: Pacer, now: number, headers?: RateHeaders): number => {
  p.sent('GET', '/api/v2/runs/run-1', now)
  p.answered('GET', '/api/v2/runs/run-1', headers, now + 1)
  return p.delayMs('GET', '/api/v2/runs/run-1', now + 1)
}
const left = (remaining: number, resetMs = 800): RateHeaders => ({ limit: 30, remaining, resetMs })

/** Sends a read every `gapMs` from `from` to `to` with roomy answers: the client's own rate. */
function sendEvery(p: Pacer, gapMs: number, from: number, to: number): number {
  let t = from
  for (; t < to; t += gapMs) read(p, t, left(25))
  return t
}

describe('pacing: which budget a request draws on', () => {
  it.each([
    ['GET', '/api/v2/workspaces/ws-1/runs?page%5Bsize%5D=1&filter%5Bstatus%5D=pending', 'run-list'],
    ['GET', '/api/v2/organizations/acme/runs', 'run-list'],
    ['GET', '/api/v2/runs/run-1?include=plan,apply', 'user'],
    ['GET', '/api/v2/workspaces/ws-1', 'user'],
    ['POST', '/api/v2/runs', 'user'],
    ['POST', '/api/v2/workspaces/ws-1/runs', 'user']
  ])('%s %s → %s', (method, path, bucket) => {
    expect(bucketOf(method, path)).toBe(bucket)
  })

  it('treats every request but a read as one that changes something', () => {
    expect(['POST', 'PATCH', 'PUT', 'DELETE', 'GET', 'HEAD'].map(isMutating)).toEqual([true, true, true, true, false, false])
  })
})

describe('pacing: the headers it reads', () => {
  it('reads limit, remaining and reset (seconds, fractions allowed)', () => {
    expect(rateHeaders({ 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': '0.25' }, 60_000)).toEqual({
      limit: 30,
      remaining: 7,
      resetMs: 250
    })
  })

  it.each<[string, Record<string, string>]>([
    ['no headers at all', {}],
    ['remaining that is not a number', { 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': '1' }],
    ['a reset that is not a time', { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': 'soon' }],
    ['remaining without a reset', { 'x-ratelimit-remaining': '0' }]
  ])('paces on nothing with %s', (_, headers) => {
    expect(rateHeaders(headers, 60_000)).toBeUndefined()
  })

  it('caps an absurd reset, ignores a nonsense limit and reads a negative remaining as spent', () => {
    expect(rateHeaders({ 'x-ratelimit-limit': '-4', 'x-ratelimit-remaining': '-3', 'x-ratelimit-reset': '36000' }, 60_000)).toEqual({
      limit: undefined,
      remaining: 0,
      resetMs: 60_000
    })
  })
})

describe('pacing: decisions', () => {
  it('never delays a lone client whose answers leave most of the budget', () => {
    const p = pacer()
    const delays = Array.from({ length: 200 }, (_, i) => read(p, i * 300, left(26)))
    expect(Math.max(...delays)).toBe(0)
    expect(p.rate('user')).toBe(Number.POSITIVE_INFINITY)
  })

  it('delays the next read longer the less of the window remains, within the reset', () => {
    // A client that has sent ten reads a second: its cut rate (a gap of ~120 ms) is not what binds here.
    const delays = [5, 3, 1].map(remaining => {
      const p = pacer()
      return read(p, sendEvery(p, 100, 0, 10_000), left(remaining, 800))
    })
    expect(delays.every(d => d > 0 && d <= 800)).toBe(true)
    expect([...delays].sort((a, b) => a - b)).toEqual(delays)
    expect(new Set(delays).size).toBe(3)
  })

  it('spreads reads after a spent window past its reset, at a point set by the jitter', () => {
    const backAt = [0, 0.5, 0.99].map(r => {
      const p = pacer(r)
      return read(p, sendEvery(p, 100, 0, 10_000), left(0, 400))
    })
    expect(backAt.every(d => d >= 400 && d < 400 + 1000)).toBe(true)
    expect(new Set(backAt).size).toBe(3)
  })

  it('holds a request that changes something until the spent window resets, and no longer', () => {
    const p = pacer(0.9)
    p.sent('GET', '/api/v2/runs/run-1', 1000)
    p.answered('GET', '/api/v2/runs/run-1', left(0, 700), 1000)
    expect(p.delayMs('POST', '/api/v2/runs/run-1/actions/apply', 1000)).toBe(700)
    expect(p.delayMs('POST', '/api/v2/runs', 1699)).toBe(1)
    expect(p.delayMs('POST', '/api/v2/runs', 1700)).toBe(0)
    // A read waits for the reset and its spread past it.
    expect(p.delayMs('GET', '/api/v2/runs/run-1', 1700)).toBeGreaterThan(0)
  })

  it('does not hold a change for a filling (not spent) window, where reads are spread', () => {
    const p = pacer()
    p.sent('GET', '/api/v2/runs/run-1', 0)
    p.answered('GET', '/api/v2/runs/run-1', left(2), 0)
    expect(p.delayMs('GET', '/api/v2/runs/run-1', 0)).toBeGreaterThan(0)
    expect(p.delayMs('POST', '/api/v2/runs', 0)).toBe(0)
  })

  it('halves the rate it actually sends at on a 429, once for the answers of one burst', () => {
    const p = pacer()
    // Ten reads a second for ten seconds.
    const t = sendEvery(p, 100, 0, 10_000)
    p.sent('GET', '/api/v2/runs/run-1', t)
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, t)
    expect(p.rate('user')).toBeCloseTo(10 * Pacing.spentFactor, 1)
    const once = p.rate('user')
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, t + 50)
    expect(p.rate('user')).toBe(once)
    // A window later, a new 429 is a new signal.
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, t + 1100)
    expect(p.rate('user')).toBeLessThan(once * 0.6)
  })

  it('cuts by the lighter factor when the window is filling, then by the deeper one on a 429 in the same window', () => {
    const p = pacer()
    const t = sendEvery(p, 100, 0, 10_000)
    read(p, t, left(3))
    const filling = p.rate('user')
    expect(filling).toBeCloseTo(10 * Pacing.fillingFloor, 1)
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, t + 10)
    expect(p.rate('user')).toBeCloseTo(filling * Pacing.spentFactor, 1)
  })

  it('after a cut, spaces reads by the allowed rate: the gap follows the rate', () => {
    const p = pacer()
    const t = sendEvery(p, 100, 0, 10_000)
    p.sent('GET', '/api/v2/runs/run-1', t)
    p.rateLimited('GET', '/api/v2/runs/run-1', 0.001, t)
    const rate = p.rate('user')
    const at = t + 5000 // past every hold
    p.sent('GET', '/api/v2/runs/run-1', at)
    expect(p.delayMs('GET', '/api/v2/runs/run-1', at)).toBeCloseTo(1000 / rate, 5)
  })

  it('recovers additively with time on roomy answers, and is unpaced again once the rate could spend the window', () => {
    const p = pacer()
    const t = sendEvery(p, 100, 0, 10_000)
    p.sent('GET', '/api/v2/runs/run-1', t)
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, t)
    const cut = p.rate('user')
    const rates: number[] = []
    for (let i = 1; i <= 4; i++) {
      read(p, t + 2000 * i, left(25))
      rates.push(p.rate('user'))
    }
    const steps = rates.map((r, i) => r - (i === 0 ? cut : (rates[i - 1] as number)))
    // Each answer comes 2 s after the one before (the first 1 ms later than the rest, as read() answers).
    for (const step of steps) expect(step).toBeCloseTo(steps[0] as number, 3)
    expect(steps[0]).toBeGreaterThan(0)
    for (let i = 0; i < 2000 && Number.isFinite(p.rate('user')); i++) read(p, t + 100_000 + i * 1000, left(25))
    expect(p.rate('user')).toBe(Number.POSITIVE_INFINITY)
  })

  it('grows back by time, not by answers: a client that asks less often recovers as fast', () => {
    const often = pacer()
    const rarely = pacer()
    for (const p of [often, rarely]) {
      const t = sendEvery(p, 100, 0, 10_000)
      p.sent('GET', '/api/v2/runs/run-1', t)
      p.rateLimited('GET', '/api/v2/runs/run-1', 300, t)
    }
    const cut = often.rate('user')
    expect(rarely.rate('user')).toBe(cut)
    for (let at = 10_500; at <= 14_000; at += 500) read(often, at, left(25))
    read(rarely, 14_000, left(25))
    expect(rarely.rate('user')).toBeCloseTo(often.rate('user'), 10)
    expect(often.rate('user')).toBeGreaterThan(cut)
  })

  it('cuts less for a slight overshoot of the target than for a window nearly spent', () => {
    const cutAt = (remaining: number): number => {
      const p = pacer()
      read(p, sendEvery(p, 100, 0, 10_000), left(remaining))
      return p.rate('user')
    }
    const slight = cutAt(Math.floor(30 * (1 - Pacing.targetShare)) - 1)
    const deep = cutAt(1)
    expect(slight).toBeLessThan(10)
    expect(deep).toBeLessThan(slight)
  })

  it('paces polls, not first reads: after a cut a path read before waits, a new one goes', () => {
    const p = pacer()
    const t = sendEvery(p, 100, 0, 10_000)
    p.sent('GET', '/api/v2/runs/run-1', t)
    p.rateLimited('GET', '/api/v2/runs/run-1', 1, t)
    const at = t + 3000 // past the 429's spread
    p.sent('GET', '/api/v2/runs/run-1', at)
    expect(p.delayMs('GET', '/api/v2/runs/run-1', at)).toBeGreaterThan(0)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', at)).toBe(0)
  })

  it('spreads the retries of 429s in a row over spans that double', () => {
    const p = pacer(0.99)
    // The hold, read on a path not read before (so the rate's own gap for polls is not in it).
    const hold = (at: number): number => p.delayMs('GET', `/api/v2/workspaces/ws-${at}`, at) - 200
    const waits = [0, 10_000, 20_000].map(at => {
      p.sent('GET', '/api/v2/workspaces/ws-1', at)
      p.rateLimited('GET', '/api/v2/workspaces/ws-1', 200, at)
      return hold(at)
    })
    expect(waits[1]).toBeCloseTo(2 * (waits[0] as number), 5)
    expect(waits[2]).toBeCloseTo(4 * (waits[0] as number), 5)
    // An answer with room ends the run of refusals.
    p.answered('GET', '/api/v2/workspaces/ws-1', left(25), 30_000)
    p.sent('GET', '/api/v2/workspaces/ws-1', 40_000)
    p.rateLimited('GET', '/api/v2/workspaces/ws-1', 200, 40_000)
    expect(hold(40_000)).toBeCloseTo(waits[0] as number, 5)
  })

  it('never paces a poll further than 6 s after the last one, however many 429s', () => {
    const p = pacer()
    let at = 0
    for (let i = 0; i < 50; i++, at += 60_000) {
      p.sent('GET', '/api/v2/runs/run-1', at)
      p.rateLimited('GET', '/api/v2/runs/run-1', 300, at)
    }
    p.sent('GET', '/api/v2/runs/run-1', at)
    expect(p.delayMs('GET', '/api/v2/runs/run-1', at)).toBeLessThanOrEqual(6000)
  })

  it('keeps the run-list budget apart: a spent run list holds neither reads of runs nor changes', () => {
    const p = pacer()
    const list = '/api/v2/workspaces/ws-1/runs?page%5Bsize%5D=20'
    p.sent('GET', list, 0)
    expect(p.rateLimited('GET', list, 45_000, 0)).toBeGreaterThanOrEqual(45_000)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-2/runs', 10)).toBeGreaterThan(40_000)
    expect(p.delayMs('GET', '/api/v2/runs/run-1', 10)).toBe(0)
    expect(p.delayMs('POST', '/api/v2/runs', 10)).toBe(0)
    expect(p.rate('user')).toBe(Number.POSITIVE_INFINITY)
  })

  it('and a spent user budget does not hold run lists, which the service counts on their own', () => {
    const p = pacer()
    read(p, 0, left(0, 900))
    expect(p.delayMs('GET', '/api/v2/runs/run-1', 1)).toBeGreaterThan(0)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1/runs', 1)).toBe(0)
  })
})
