/**
 * End to end: the steps of a matrix (job_strategy, the runner's strategy context) against the
 * stand-in. Each waits its turn before its first request; the wait is the step's like any other
 * (the job's cancel and timeout_minutes end it), and is taken once per job.
 */
import { describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep, type StepResult } from '../helpers/action-runner.ts'
import { only, stepFacts } from '../helpers/step-facts.ts'
import { Pacing } from '../../src/tfe/rate-budgets.js'

const fast = { queueMs: 20, planMs: 150, applyMs: 150, applyQueueMs: 20 }
const fixture = useStandIn('ws-matrix', { defaultTimings: fast })
const { workspace, inputs } = fixture
const strategy = (index: number, total: number, maxParallel = total): string =>
  JSON.stringify({ 'fail-fast': true, 'job-index': index, 'job-total': total, 'max-parallel': maxParallel })
/** The API requests the stand-in saw for a workspace, by name or ID. */
const requestsFor = (ws: { name: string; id: string }): { at: number; path: string }[] =>
  fixture.server.requests.filter(q => q.path.includes(`/workspaces/${ws.name}`) || q.path.includes(ws.id))
/** From the step's spawn to its first API request, in ms. */
const firstRequestAfter = (ws: { name: string; id: string }, r: StepResult): number =>
  (requestsFor(ws)[0]?.at ?? NaN) - performance.timeOrigin - r.spawnedAt
const spacing = Pacing.matrixSpacingMs

describe("a matrix's steps", () => {
  it('send their first requests in job order, each job a turn (0.6 s) after the one before it, and all apply', async () => {
    const spaces = [workspace(), workspace(), workspace()]
    const results = await Promise.all(spaces.map((ws, i) => runStep({ inputs: inputs(ws.name, { job_strategy: strategy(i, 3) }) })))
    expect(results.map(r => [r.code, r.outputs.status])).toEqual([
      [0, 'applied'],
      [0, 'applied'],
      [0, 'applied']
    ])
    const firsts = spaces.map((ws, i) => firstRequestAfter(ws, results[i] as StepResult))
    // Timers may fire a millisecond early on some platforms.
    expect(firsts[1]).toBeGreaterThanOrEqual(spacing - 2)
    expect(firsts[2]).toBeGreaterThanOrEqual(2 * spacing - 2)
    const at = spaces.map(ws => requestsFor(ws)[0]?.at ?? NaN)
    expect([(at[0] ?? 0) < (at[1] ?? 0), (at[1] ?? 0) < (at[2] ?? 0)]).toEqual([true, true])
  })

  it('take their turn once per job: the step says so for the rest of the job, and a later step of the job goes at once', async () => {
    const first = workspace()
    const r = await runStep({ inputs: inputs(first.name, { job_strategy: strategy(5, 6) }) })
    expect(r.code).toBe(0)
    expect(firstRequestAfter(first, r)).toBeGreaterThanOrEqual(5 * spacing - 2)
    expect(r.jobEnv).toEqual({ TFE_WORKSPACE_RUN_TURN_TAKEN: 'true' })
    const later = workspace()
    const again = await runStep({ inputs: inputs(later.name, { job_strategy: strategy(5, 6) }), env: r.jobEnv })
    expect(again.code).toBe(0)
    expect(firstRequestAfter(later, again)).toBeLessThan(5 * spacing)
  })

  it('a job started later, in a slot an earlier job left (max-parallel), and a job outside a matrix wait nothing', async () => {
    const late = workspace()
    const lone = workspace()
    const [r, s] = await Promise.all([
      runStep({ inputs: inputs(late.name, { job_strategy: strategy(8, 10, 4) }) }),
      runStep({ inputs: inputs(lone.name) })
    ])
    expect([r.code, s.code]).toEqual([0, 0])
    // The default job_strategy (a lone job's context, as the runner gives it) writes nothing for the job either.
    expect(s.jobEnv).toEqual({})
    expect(stepFacts(r.stdout).annotations).toEqual([])
    expect(firstRequestAfter(late, r)).toBeLessThan(8 * spacing)
  })

  it('a cancelled job while the step waits its turn ends the step at once: nothing was sent, nothing queued', async () => {
    const ws = workspace()
    const r = await runStep({
      inputs: inputs(ws.name, { job_strategy: strategy(39, 40) }),
      onSpawn: child => setTimeout(() => child.kill('SIGINT'), 1000)
    })
    expect(r.code).toBe(1)
    expect(requestsFor(ws)).toEqual([])
    expect(fixture.server.runsOf(ws.id)).toEqual([])
    // Long before the turn (39 turns) would have come.
    expect(r.exitedAt - r.spawnedAt).toBeLessThan(39 * spacing)
    expect(only(stepFacts(r.stdout).errors).runIds).toEqual([])
  })

  it('timeout_minutes counts the wait: a step whose turn comes after its deadline fails naming the input, and sends nothing', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { job_strategy: strategy(39, 40), timeout_minutes: '0.02' }) })
    expect(r.code).toBe(1)
    expect(requestsFor(ws)).toEqual([])
    expect(only(stepFacts(r.stdout).errors).inputs).toEqual(['timeout_minutes'])
    expect(r.exitedAt - r.spawnedAt).toBeLessThan(39 * spacing)
  })

  it('refuses a job_strategy that is not a strategy context before sending anything, naming the input', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { job_strategy: '{"job-index": 3}' }) })
    expect(r.code).toBe(1)
    expect(requestsFor(ws)).toEqual([])
    expect(only(stepFacts(r.stdout).errors).inputs).toEqual(['job_strategy'])
  })
})
