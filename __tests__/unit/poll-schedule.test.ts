import { describe, expect, it } from '@jest/globals'
import { PollSchedule, type PollScheduleOptions } from '../../src/tfe/poll-schedule.js'

// Explicit options: the tests check the mechanism; the defaults are tuned by `npm run bench`.
const options: PollScheduleOptions = {
  firstMs: 1000,
  growth: 1.5,
  capMs: 3000,
  pendingCapMs: 6000,
  denseMs: 2000,
  sparseMaxMs: 10_000,
  logLedMs: 5000
}

/** The read times a schedule produces for one status held from t=0 until `until`. */
function readTimes(schedule: PollSchedule, status: string, until: number): number[] {
  const times: number[] = []
  let t = 0
  schedule.next(status, 0)
  for (let now = 0; now < until;) {
    const delay = schedule.next(status, now)
    now += delay
    times.push(now)
    t = now
  }
  return times.filter(x => x <= t)
}

describe('poll schedule', () => {
  it('reads quickly after a change, then backs off to the cap', () => {
    const s = new PollSchedule(options)
    expect([0, 1000, 2500, 4750, 7750].map(t => s.next('plan_queued', t))).toEqual([1000, 1500, 2250, 3000, 3000])
  })

  it('waits up to the larger cap while the run is pending in the queue', () => {
    const s = new PollSchedule(options)
    const delays = Array.from({ length: 10 }, (_, i) => s.next('pending', i * 5000))
    expect(Math.max(...delays)).toBe(options.pendingCapMs)
  })

  it('starts over when the status changes, and after the step acts', () => {
    const s = new PollSchedule(options)
    for (let i = 0; i < 5; i++) s.next('cost_estimating', i * 3000)
    expect(s.next('cost_estimating', 15_000)).toBe(3000)
    s.reset()
    expect(s.next('cost_estimating', 18_000)).toBe(1000)
    expect(s.next('policy_checking', 19_000)).toBe(1000)
  })

  it('reads rarely far from the expected end of a stage and densely around it', () => {
    const s = new PollSchedule(options, { applying: 60_000 })
    const times = readTimes(s, 'applying', 90_000)
    const before = times.filter(t => t < 42_000)
    const around = times.filter(t => t >= 42_000 && t <= 78_000)
    expect(before.length).toBeLessThanOrEqual(5)
    expect(around.length).toBeGreaterThanOrEqual(Math.floor(36_000 / options.denseMs))
    // Past 130 % of the average it falls back to the general rule: quick, then up to the cap.
    const late = new PollSchedule(options, { applying: 60_000 })
    late.next('applying', 0)
    expect([79_000, 80_000, 81_500, 83_750].map(t => late.next('applying', t))).toEqual([1000, 1500, 2250, 3000])
  })

  it('keeps reads at least firstMs apart for very short stages', () => {
    const s = new PollSchedule(options, { planning: 2000 })
    for (let t = 0; t < 3000; t += 500) expect(s.next('planning', t)).toBeGreaterThanOrEqual(1000)
  })

  it('while the stage log leads, reads the run as a net, at least logLedMs apart, even where the end is likely', () => {
    const led = new PollSchedule(options, { planning: 20_000 })
    led.next('planning', 0)
    // 16 s is in the dense part around the average: without the log, a read every denseMs.
    expect([led.next('planning', 16_000, true), led.next('planning', 16_000, false)]).toEqual([5000, 2000])
    // Where the schedule reads more rarely anyway (far from the average), the log changes nothing.
    expect(led.next('planning', 2000, true)).toBe(10_000)
    // Without an average, the general rule's quick reads give way to the net too.
    const plain = new PollSchedule(options)
    expect([0, 1000, 2500].map(t => plain.next('applying', t, true))).toEqual([5000, 5000, 5000])
    // A run waiting for its stage, whose log is read already: the same net.
    const queued = new PollSchedule(options)
    expect([0, 1000, 2500].map(t => queued.next('apply_queued', t, true))).toEqual([5000, 5000, 5000])
    // Other statuses write no log that is streamed: the schedule is as without it.
    const costing = new PollSchedule(options)
    expect([0, 1000, 2500].map(t => costing.next('cost_estimating', t, true))).toEqual([1000, 1500, 2250])
  })
})
