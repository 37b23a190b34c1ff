/**
 * The pacer's decisions (src/tfe/pacing.ts), on a clock the test hands it: no timers, no sockets.
 * How the client acts on them is in tfe-client.test.ts; the figures of a fleet are the bench's.
 */
import { describe, expect, it } from '@jest/globals'
import { Pacer } from '../../src/tfe/pacing.js'
import { Kinds, Pacing, bucketOf, isMutating, rateHeaders, startTurnMs, type RateHeaders } from '../../src/tfe/rate-budgets.js'

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

/** A client that read busily, met a 429 and then a roomy answer: paced, with its rate cut. `at` is just after. */
function cutBy429(): { p: Pacer; at: number } {
  const p = pacer(0) // no spread past the reset
  const t = sendEvery(p, 100, 0, 10_000)
  p.sent('GET', '/api/v2/runs/run-1', t)
  p.rateLimited('GET', '/api/v2/runs/run-1', 0.001, t)
  const at = t + 1000
  p.answered('GET', '/api/v2/runs/run-1', left(25), at - 1)
  return { p, at }
}

describe('pacing: a matrix step waits its turn before its first request', () => {
  const spacing = Pacing.matrixSpacingMs
  it.each<[string, Parameters<typeof startTurnMs>[0], number]>([
    ['a job outside a matrix (job_strategy empty)', undefined, 0],
    ['a job outside a matrix (its strategy context)', { index: 0, total: 1, maxParallel: 1 }, 0],
    ['the first job of a matrix', { index: 0, total: 100, maxParallel: 100 }, 0],
    ['the second job', { index: 1, total: 100, maxParallel: 100 }, spacing],
    ['the last of 100 started together', { index: 99, total: 100, maxParallel: 100 }, 99 * spacing],
    ['the last of the first max-parallel jobs', { index: 3, total: 10, maxParallel: 4 }, 3 * spacing],
    ['a job started later, in a slot an earlier job left', { index: 4, total: 10, maxParallel: 4 }, 0],
    ['max-parallel above job-total (GitHub caps it)', { index: 2, total: 3, maxParallel: 256 }, 2 * spacing]
  ])('%s', (_, place, ms) => {
    expect(startTurnMs(place)).toBe(ms)
  })
})

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

  it('holds the next request after a fresh answer from a crowded window, to a point of the next window the jitter sets', () => {
    const holds = [0, 0.5, 0.99].map(r => {
      const p = pacer(r)
      read(p, 0, left(3, 200))
      return p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', 1)
    })
    expect(holds.map(h => Math.round(h))).toEqual([200, 700, 1190])
  })

  it('crowded answers in a row widen the hold of a first read, but a read with news waits one window at most', () => {
    const p = pacer(0.99)
    for (let i = 0; i < 4; i++) read(p, i * 10, left(3, 200))
    // The last answer came at 31 ms, from a window that resets 200 ms later.
    const at = 31
    const first = p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', at)
    const news = p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', at, 'news')
    // Four crowded answers: the first read's hold spans 2^admitSpreadDoublings windows; the news' one.
    expect([Math.round(first), Math.round(news)]).toEqual([200 + 990 * 2 ** Kinds.user.admitSpreadDoublings, 200 + 990])
  })

  it('a stale answer holds nothing: once its window is over, a first read goes', () => {
    const p = pacer()
    read(p, 0, left(3, 200))
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', 1001)).toBe(0)
  })

  it("polls give way first: from a window between their threshold and the others', a poll waits, a first read and a change go", () => {
    const remaining = Math.floor(30 * (1 - (Pacing.admit.poll + Pacing.admit.read) / 2))
    const p = pacer()
    expect(read(p, 0, left(remaining, 500))).toBeGreaterThan(0)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', 1)).toBe(0)
    expect(p.delayMs('POST', '/api/v2/runs/run-1/actions/apply', 1)).toBe(0)
  })

  it('never sends anything, a change least of all, into a window an answer said was spent', () => {
    const p = pacer(0.9)
    p.sent('GET', '/api/v2/runs/run-1', 1000)
    p.answered('GET', '/api/v2/runs/run-1', left(0, 700), 1000)
    expect(p.delayMs('POST', '/api/v2/runs/run-1/actions/apply', 1000)).toBeGreaterThanOrEqual(700)
    expect(p.delayMs('POST', '/api/v2/runs', 1699)).toBeGreaterThanOrEqual(1)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1', 1699)).toBeGreaterThanOrEqual(1)
  })

  it('the first cut starts from the floor (one request per longest gap), however much the client sent', () => {
    for (const gapMs of [100, 1000]) {
      const p = pacer()
      const t = sendEvery(p, gapMs, 0, 10_000)
      p.sent('GET', '/api/v2/runs/run-1', t)
      p.rateLimited('GET', '/api/v2/runs/run-1', 300, t)
      expect(p.rate('user')).toBeCloseTo(1000 / 6000, 5)
    }
  })

  it('grows back by time on roomy answers, never above twice what it sends', () => {
    const p = pacer()
    p.sent('GET', '/api/v2/runs/run-1', 0)
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, 0)
    const floor = p.rate('user')
    const rates: number[] = []
    // Two reads a second for 30 s, every answer with room.
    for (let at = 2000; at < 32_000; at += 500) {
      read(p, at, left(25))
      rates.push(p.rate('user'))
    }
    expect(rates.at(-1)).toBeGreaterThan(floor)
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeGreaterThanOrEqual(rates[i - 1] as number)
    expect(Math.max(...rates)).toBeLessThanOrEqual(Pacing.headroom * 2 + 1e-9)
  })

  it('cuts from what it sends, once for the answers of one burst, and deeper on a 429 than on a filling window', () => {
    const p = pacer()
    p.sent('GET', '/api/v2/runs/run-1', 0)
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, 0)
    for (let at = 2000; at < 32_000; at += 500) read(p, at, left(25))
    const grown = p.rate('user')
    read(p, 32_000, left(3))
    const filling = p.rate('user')
    // Two reads a second is what it sent: the cut is from that, not from the higher rate it was allowed.
    expect(filling).toBeCloseTo(Math.min(grown, 2) * Math.max(Pacing.fillingFloor, Pacing.targetShare / 0.9), 5)
    read(p, 32_100, left(4))
    expect(p.rate('user')).toBe(filling)
    p.sent('GET', '/api/v2/runs/run-1', 32_200)
    p.rateLimited('GET', '/api/v2/runs/run-1', 300, 32_200)
    expect(p.rate('user')).toBeCloseTo(Math.max(1 / 6, filling * Pacing.spentFactor), 5)
  })

  it('after a cut, polls leave a reserve: a first read goes while a poll waits for its tokens', () => {
    const { p, at } = cutBy429()
    expect(p.delayMs('GET', '/api/v2/runs/run-1', at)).toBeGreaterThan(0)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1/current-state-version', at)).toBe(0)
  })

  it('a read the caller knows has news (its stage log ended) goes as a first read while the same poll waits', () => {
    const { p, at } = cutBy429()
    expect([p.delayMs('GET', '/api/v2/runs/run-1', at) > 0, p.delayMs('GET', '/api/v2/runs/run-1', at, 'news')]).toEqual([true, 0])
    // News never lets anything into a window an answer said was spent.
    p.answered('GET', '/api/v2/runs/run-1', left(0, 700), at + 10)
    expect(p.delayMs('GET', '/api/v2/runs/run-1', at + 10, 'news')).toBeGreaterThanOrEqual(700)
  })

  it('a read with news, after a run of 429s, waits for the reset and a random point of the window past it, not for the spread of the refusals', () => {
    const p = pacer(0.9)
    const path = '/api/v2/runs/run-1'
    let t = 0
    for (let i = 0; i < 4; i++, t += 600) {
      p.sent('GET', path, t)
      p.rateLimited('GET', path, 500, t)
    }
    // The last reset (500 ms after the last 429, at 1,800) has passed; the spread of four refusals has not.
    expect(p.delayMs('GET', path, t)).toBeGreaterThan(5000)
    expect(p.delayMs('GET', path, t, 'news')).toBeLessThanOrEqual(1000)
    // Refused once more, a read with news is told to wait for the reset and one window at most.
    p.sent('GET', path, t)
    expect(p.rateLimited('GET', path, 500, t, 'news')).toBeLessThanOrEqual(1500)
    expect(p.delayMs('GET', path, t + 100, 'news')).toBeGreaterThanOrEqual(400)
  })

  it('a net (a read of the run while its stage log streams) waits for the rate up to four longest gaps where a poll waits one; alone, neither waits', () => {
    const { p, at } = cutBy429()
    const path = '/api/v2/runs/run-1'
    const gap = Kinds.user.maxGapMs
    const poll = p.delayMs('GET', path, at)
    const net = p.delayMs('GET', path, at, 'net')
    expect(poll).toBeLessThanOrEqual(gap)
    expect(net).toBeGreaterThan(poll)
    expect(net).toBeLessThanOrEqual(4 * gap)
    const alone = pacer()
    expect([read(alone, 0, left(25)), alone.delayMs('GET', path, 2, 'net')]).toEqual([0, 0])
  })

  it("a read that can wait (read ahead beside an apply) gives way to a crowded window a first read would enter, but not to the polls' rate", () => {
    const p = pacer(0.5)
    // 21 of 30 used (70 %): fuller than polls may enter (60 %), not than first reads may (80 %).
    p.sent('GET', '/api/v2/runs/run-1', 0)
    p.answered('GET', '/api/v2/runs/run-1', left(9), 5)
    const path = '/api/v2/workspaces/ws-1/run-triggers'
    expect([p.delayMs('GET', path, 10), p.delayMs('GET', path, 10, 'background') > 0]).toEqual([0, true])
    // Once the window has room again it goes, whatever the polls' own rate says.
    p.answered('GET', '/api/v2/runs/run-2', left(28), 3000)
    expect(p.delayMs('GET', path, 3000, 'background')).toBe(0)
  })

  it('the retry of a refused first read is still a first read, not a poll', () => {
    const p = pacer(0) // no spread past the reset
    p.sent('GET', '/api/v2/workspaces/ws-1', 0)
    p.rateLimited('GET', '/api/v2/workspaces/ws-1', 300, 0)
    const after = 301
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1', after)).toBe(0)
    p.answered('GET', '/api/v2/workspaces/ws-1', left(25), after + 5)
    p.sent('GET', '/api/v2/workspaces/ws-1', after + 10)
    expect(p.delayMs('GET', '/api/v2/workspaces/ws-1', after + 10)).toBeGreaterThan(0)
  })

  it('spreads the retries of 429s in a row over spans that double, up to a cap', () => {
    const p = pacer(0.99)
    p.sent('GET', '/api/v2/workspaces/ws-1', 0)
    p.answered('GET', '/api/v2/workspaces/ws-1', left(25), 1)
    // The hold, read on a path not read before (so the rate's own gap for polls is not in it).
    const hold = (at: number): number => p.delayMs('GET', `/api/v2/workspaces/ws-${at}`, at) - 200
    const waits = [0, 1, 2, 3, 4, 5, 6, 7]
      .map(k => 10_000 + 40_000 * k)
      .map(at => {
        p.sent('GET', '/api/v2/workspaces/ws-1', at)
        p.rateLimited('GET', '/api/v2/workspaces/ws-1', 200, at)
        return hold(at)
      })
    expect(waits.map(w => Math.round(w / 990))).toEqual(
      [1, 2, 4, 8, 16, 32, 64, 128].map(n => Math.min(n, 2 ** Kinds.user.maxSpreadDoublings))
    )
    // An answer with room ends the run of refusals.
    p.answered('GET', '/api/v2/workspaces/ws-1', left(25), 400_000)
    p.sent('GET', '/api/v2/workspaces/ws-1', 410_000)
    p.rateLimited('GET', '/api/v2/workspaces/ws-1', 200, 410_000)
    expect(hold(410_000)).toBeCloseTo(waits[0] as number, 5)
  })

  it('a client refused before any answer reached it spreads wider, until a request of its own gets through', () => {
    const p = pacer(0.99)
    const hold = (at: number): number => p.delayMs('GET', `/api/v2/workspaces/ws-${at}`, at) - 200
    p.sent('GET', '/api/v2/workspaces/ws-1', 0)
    p.rateLimited('GET', '/api/v2/workspaces/ws-1', 200, 0)
    expect(hold(0)).toBeCloseTo(990 * 2 ** Kinds.user.firstSpreadDoublings, 5)
    p.sent('GET', '/api/v2/workspaces/ws-1', 20_000)
    p.answered('GET', '/api/v2/workspaces/ws-1', left(25), 20_001)
    p.sent('GET', '/api/v2/workspaces/ws-2', 40_000)
    p.rateLimited('GET', '/api/v2/workspaces/ws-2', 200, 40_000)
    expect(hold(40_000)).toBeCloseTo(990, 5)
  })

  it('never holds a poll by its rate further than 6 s after the last one, or 24 s while the window stays crowded', () => {
    const p = pacer(0)
    const poll = '/api/v2/runs/run-1'
    let at = 0
    // Fifty crowded answers in a row, a second apart: the rate falls to its floor, the debt is full.
    for (let i = 0; i < 50; i++, at += 1000) {
      p.sent('GET', poll, at)
      p.answered('GET', poll, left(1, 10), at + 1)
      p.sent('POST', '/api/v2/runs', at + 2)
    }
    const crowded = p.delayMs('GET', poll, at)
    expect(crowded).toBeGreaterThan(6000)
    expect(crowded).toBeLessThanOrEqual(24_000 - 1000)
    // One answer with room, and the longest wait is back to 6 s after the last poll.
    p.answered('GET', '/api/v2/workspaces/ws-1', left(25, 10), at)
    expect(p.delayMs('GET', poll, at)).toBeLessThanOrEqual(6000 - 1000)
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
