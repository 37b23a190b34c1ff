/**
 * Trust under faults, end to end: the bundled action against the stand-in while it drops
 * connections, answers with proxy error pages, loses answers after acting, and rate-limits.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { StandIn } from '../../stand-in/server.ts'
import { runStep } from '../helpers/action-runner.ts'
import { only, stepFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 200, applyMs: 200, applyQueueMs: 20 }
let standIn: StandIn | undefined

afterEach(async () => {
  await standIn?.stop()
  standIn = undefined
})

/** A stand-in whose pseudo-random faults are the same on every run of the suite. */
function seeded(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 2147483648
  }
}

async function start(options: ConstructorParameters<typeof StandIn>[0] = {}): Promise<StandIn> {
  standIn = new StandIn({ defaultTimings: fast, random: seeded(7), ...options })
  await standIn.start()
  return standIn
}

function inputs(s: StandIn, name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { token: 'test-token', hostname: s.url, organization: 'demo-org', workspace: name, ...extra }
}

describe('under faults', () => {
  it('ends applied with one run per step when a quarter of all reads fail (502 pages, resets, 503s, 500s)', async () => {
    const s = await start()
    const names = ['flaky-1', 'flaky-2', 'flaky-3', 'flaky-4']
    for (const name of names) s.addWorkspace({ name, outputs: { id: { value: name } }, timings: { planMs: 2500, applyMs: 2500 } })
    // Every fourth read fails, in turn a proxy's HTML 502, a connection reset, a JSON 503, a 500.
    const kinds = ['status-502-html', 'reset', 'status-503', 'status-500'] as const
    s.injectFault({ method: 'GET', path: /^\/api\/v2\//, kind: [...kinds], every: 4 })
    const results = await Promise.all(names.map(name => runStep({ inputs: inputs(s, name) })))
    const reads = s.requests.filter(q => q.method === 'GET')
    const failed = reads.filter(q => q.fault)
    expect(results.map(r => [r.code, r.outputs.status])).toEqual(names.map(() => [0, 'applied']))
    for (const name of names) {
      const ws = s.workspaceByName(name)
      expect([name, s.runsOf(ws?.id as string).length, ws?.appliesSeen]).toEqual([name, 1, 1])
      expect(JSON.parse(results[names.indexOf(name)]?.outputs.workspace_outputs as string)).toEqual({ id: name })
    }
    expect(new Set(failed.map(q => q.fault))).toEqual(new Set(kinds))
    expect(failed.length).toBe(Math.floor(reads.length / 4))
    expect(failed.length).toBeGreaterThanOrEqual(6)
    expect(results.some(r => /retrying in/.test(r.stdout))).toBe(true)
  })

  it('queues exactly one run when the answer to the create request is lost after the run was made', async () => {
    const s = await start()
    const ws = s.addWorkspace({ name: 'lost-create' })
    s.injectFault({ method: 'POST', path: /^\/api\/v2\/runs$/, kind: 'lost-response', times: 1 })
    const r = await runStep({ inputs: inputs(s, 'lost-create') })
    expect(r.code).toBe(0)
    expect(s.runsOf(ws.id)).toHaveLength(1)
    expect(ws.appliesSeen).toBe(1)
    expect(r.outputs.run_id).toBe(s.runsOf(ws.id)[0]?.id)
    // One warning for the lost answer (its network code); the run was then found, not queued again.
    const warning = only(stepFacts(r.stdout).annotations)
    expect([warning.kind, warning.codes, warning.runIds]).toEqual(['warning', ['ECONNRESET'], []])
    expect(s.requests.filter(q => q.method === 'POST' && q.path === '/api/v2/runs')).toHaveLength(1)
    expect(stepFacts(r.stdout).lines.filter(l => l.includes(r.outputs.run_id as string)).length).toBeGreaterThan(0)
  })

  it('queues again (once) when the create failed before the run was made', async () => {
    const s = await start()
    const ws = s.addWorkspace({ name: 'failed-create' })
    s.injectFault({ method: 'POST', path: /^\/api\/v2\/runs$/, kind: 'status-502-html', times: 2 })
    const r = await runStep({ inputs: inputs(s, 'failed-create') })
    expect(r.code).toBe(0)
    expect(s.runsOf(ws.id)).toHaveLength(1)
    expect(s.requests.filter(q => q.method === 'POST' && q.path === '/api/v2/runs')).toHaveLength(3)
  })

  it('applies once when the answer to the confirmation is lost', async () => {
    const s = await start()
    const ws = s.addWorkspace({ name: 'lost-confirm' })
    s.injectFault({ method: 'POST', path: /\/actions\/apply$/, kind: 'lost-response', times: 1 })
    const r = await runStep({ inputs: inputs(s, 'lost-confirm') })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(ws.appliesSeen).toBe(1)
    expect(s.requests.filter(q => q.path.endsWith('/actions/apply'))).toHaveLength(2)
  })

  it('runs 12 steps in parallel under a 5 requests/second limit: all succeed, none sends before its reset', async () => {
    const s = await start({ rateLimitPerSecond: 5 })
    const names = Array.from({ length: 12 }, (_, i) => `fan-${i}`)
    for (const name of names) s.addWorkspace({ name })
    const results = await Promise.all(names.map(name => runStep({ inputs: inputs(s, name) })))
    expect(results.map(r => r.code)).toEqual(names.map(() => 0))
    expect(results.map(r => r.outputs.status)).toEqual(names.map(() => 'applied'))
    for (const name of names) expect(s.runsOf(s.workspaceByName(name)?.id as string)).toHaveLength(1)
    expect(s.earlyRequests).toBe(0)
  }, 60_000)

  it('never shows the token: not in logs with step debug on, outputs, state, summary or error messages', async () => {
    const s = await start({ tokens: { 'tok-Sup3rSecret.atlasv1.xyz': '*' } })
    s.addWorkspace({ name: 'secret', outputs: { pw: { value: 'pw-hidden', sensitive: true }, ok: { value: 'fine' } } })
    s.injectFault({ method: 'GET', path: /^\/api\/v2\/runs\//, kind: 'status-502-html', times: 2 })
    const env = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' }
    const ok = await runStep({ inputs: inputs(s, 'secret', { token: 'tok-Sup3rSecret.atlasv1.xyz' }), env })
    const bad = await runStep({ inputs: inputs(s, 'nope', { token: 'tok-Sup3rSecret.atlasv1.xyz' }), env })
    const wrong = await runStep({ inputs: inputs(s, 'secret', { token: 'tok-Wr0ng.atlasv1.abc' }), env })
    expect(ok.code).toBe(0)
    expect(bad.code).toBe(1)
    expect(wrong.code).toBe(1)
    for (const [r, token] of [
      [ok, 'tok-Sup3rSecret.atlasv1.xyz'],
      [bad, 'tok-Sup3rSecret.atlasv1.xyz'],
      [wrong, 'tok-Wr0ng.atlasv1.abc']
    ] as const) {
      // The runner consumes ::add-mask:: itself; it is how the token gets masked, not a leak.
      expect(r.stdout.split('\n')[0]).toBe(`::add-mask::${token}`)
      const everything = [
        r.stdout.split('\n').slice(1).join('\n'),
        r.stderr,
        r.summary,
        JSON.stringify(r.outputs),
        JSON.stringify(r.state)
      ].join('\n')
      expect(everything).not.toContain(token)
      expect(everything).not.toContain('pw-hidden')
    }
    expect(s.tokenLeaks).toBe(0)
  })
})
