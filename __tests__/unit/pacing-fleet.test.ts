/**
 * The pacer in a fleet: many steps on one token, each deciding alone, on a virtual clock
 * (helpers/fleet-model.ts). What a user checks is the service's side: how many requests it refused,
 * whether any step sent into a window it had been told was spent, whether every step finished.
 * The figures against the real stand-in are the bench's (`npm run bench -- --only=fleet`).
 */
import { describe, expect, it } from '@jest/globals'
import { Unpaced, realPacer, refusedShare, simulateFleet, simulateRunListFanout } from '../helpers/fleet-model.ts'

const fleet = { steps: 100, startSpreadMs: 3000 }

describe('pacing: a fleet of 100 steps on one token at 30 requests a second', () => {
  it('every step finishes, and none sends into a window an answer it had said was spent', async () => {
    for (const seed of [1, 2, 3]) {
      const paced = await simulateFleet({ ...fleet, seed, pacer: realPacer })
      expect(paced.lagsMs).toHaveLength(100)
      expect(paced.sentIntoSpent).toBe(0)
    }
  })

  it('the service refuses far fewer of its requests than of clients that only wait out each 429, and the median step ends within a second of its run', async () => {
    for (const seed of [1, 2, 3]) {
      const paced = await simulateFleet({ ...fleet, seed, pacer: realPacer })
      const unpaced = await simulateFleet({ ...fleet, seed, pacer: () => new Unpaced() })
      // Unpaced clients are refused nine times in ten; these about one time in eight, mostly at the
      // start, where each step's first request knows nothing of the others. The reads with news (a
      // stage log's end, the confirmation, the outputs) wait one window at most where the others
      // give way longer: a step ends within a second of its run (about 5 s when they waited), while
      // the reads ahead (the run triggers while the fleet plans) make room for them.
      expect(refusedShare(paced)).toBeLessThan(Math.min(0.15, refusedShare(unpaced) / 6))
      const late = paced.requests.filter(q => q.at > 15_000)
      expect(late.filter(q => q.status === 429).length / late.length).toBeLessThan(0.1)
      const lags = [...paced.lagsMs].sort((a, b) => a - b)
      expect(lags[50]).toBeLessThan(1000)
      expect(lags[95]).toBeLessThan(5000)
    }
  })

  it('the jobs of a matrix, each waiting its turn before its first request, are refused less than one time in a hundred', async () => {
    const shares: number[] = []
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const matrix = await simulateFleet({ ...fleet, seed, pacer: realPacer, matrix: true })
      expect(matrix.lagsMs).toHaveLength(100)
      expect(matrix.sentIntoSpent).toBe(0)
      // None in the first seconds, where steps started together are refused by the tens.
      expect(matrix.requests.filter(q => q.status === 429 && q.at < 10_000)).toEqual([])
      const lags = [...matrix.lagsMs].sort((a, b) => a - b)
      expect(lags[50]).toBeLessThan(1000)
      expect(lags[95]).toBeLessThan(4000)
      shares.push(refusedShare(matrix))
    }
    // Started together, a tenth or more are refused (the test above); in turn, under 1 % in every
    // one of eight (0-0.4 % when written).
    expect(shares.filter(share => share >= 0.01)).toEqual([])
  })

  it('200 jobs of a matrix in turn: every step finishes, none sends into a spent window, and fewer than one request in a hundred is refused', async () => {
    for (const seed of [1, 2, 3]) {
      const matrix = await simulateFleet({ ...fleet, steps: 200, seed, pacer: realPacer, matrix: true })
      expect(matrix.lagsMs).toHaveLength(200)
      expect(matrix.sentIntoSpent).toBe(0)
      expect(refusedShare(matrix)).toBeLessThan(0.01)
    }
  })

  it('a step alone is never held: its requests go when its poll schedule says', async () => {
    const alone = await simulateFleet({ steps: 1, seed: 1, startSpreadMs: 0, pacer: realPacer })
    const unpaced = await simulateFleet({ steps: 1, seed: 1, startSpreadMs: 0, pacer: () => new Unpaced() })
    expect(alone.requests.map(q => [q.at, q.path])).toEqual(unpaced.requests.map(q => [q.at, q.path]))
    expect(alone.requests.every(q => q.status === 200)).toBe(true)
  })
})

describe('pacing: the run lists of 50 steps on one token at 30 a minute', () => {
  // The fan-out of e2e/run-list-fanout, 100 times over: the tail of refusals one step meets is what
  // one real run of it cannot show. Each step lists twice, a short run apart (the e2e's) or a long one.
  it.each([
    ['a short run', 4000],
    ['a realistic run', 35_000]
  ])('with %s between its two lists, no step is refused more than three times, and none sends into a spent window', async (_, thinkMs) => {
    const worst: number[] = []
    for (let seed = 1; seed <= 100; seed++) {
      const fan = await simulateRunListFanout({ steps: 50, seed, thinkMs })
      expect({ seed, answered: fan.answered, sentIntoSpent: fan.sentIntoSpent }).toEqual({ seed, answered: 100, sentIntoSpent: 0 })
      worst.push(Math.max(...fan.refusalsPerStep))
    }
    expect(worst.filter(n => n > 3)).toEqual([])
  })
})
