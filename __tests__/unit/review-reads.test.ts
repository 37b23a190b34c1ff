/**
 * What the review reads from outside, against malformed, huge, slow and hostile answers: the
 * redacted JSON plan (bounded, the token never sent to another origin), a JSON-output answer that
 * is no plan (auto_confirm_if holds, never passes), the JSON plan model, cost estimates, policy set
 * outcomes and run task results. Nothing here throws on bad shapes.
 */
import { describe, expect, it } from '@jest/globals'
import { TfeClient, type Resource } from '../../src/tfe/client.js'
import { Pacer } from '../../src/tfe/pacing.js'
import { readRedactedPlan } from '../../src/tfe/redacted-plan.js'
import { toCostEstimate } from '../../src/tfe/cost-estimates.js'
import { parsePlan, changedOutputs, actionWord } from '../../src/review/plan-json.js'
import { policyCheckRow, policyRows, softFailures, taskRows } from '../../src/review/run-checks.js'
import { policyRowLine } from '../../src/lifecycle/checks.js'
import { endless, useHostileHost, withoutNock, type Handler } from '../helpers/hostile-host.ts'
import type { Settings } from '../../src/action/inputs.js'
import { Step } from '../../src/lifecycle/step.js'
import { checkGuard } from '../../src/lifecycle/guard.js'
import { readPlan } from '../../src/review/plan-source.js'
import type { Run } from '../../src/tfe/runs.js'

withoutNock()
const hostile = useHostileHost()
const bounds = { maxBytes: 100_000, timeoutMs: 2_000 }
/** The API client that paces the first request (it sends nothing itself here). */
const clientOf = (baseUrl: string): TfeClient => new TfeClient({ baseUrl, token: 'tok' })

describe('readRedactedPlan', () => {
  it('waits out a 429 on the same budget as the API client, then reads the plan (a 429 is never the answer)', async () => {
    const at: number[] = []
    const url = await hostile.serve((_req, res) => {
      at.push(performance.now())
      if (at.length === 1) {
        res.writeHead(429, { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '0.300' })
        res.end('{"errors":[{"status":"429"}]}')
        return
      }
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'X-RateLimit-Limit': '30',
        'X-RateLimit-Remaining': '29',
        'X-RateLimit-Reset': '0.9'
      })
      res.end('{"resource_changes":[]}')
    })
    // No spread past the reset (the pacer's random source at 0): the wait is the reset the 429 gave.
    const client = new TfeClient({ baseUrl: url, token: 'tok', pacer: new Pacer({ maxWaitMs: 60_000, random: () => 0 }) })
    const read = await readRedactedPlan(client, url, 'tok', 'plan-1', bounds)
    expect(read.status).toBe(200)
    expect(at).toHaveLength(2)
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(290)
    expect(client.stats).toMatchObject({ requests: 2, rateLimited: 1 })
  })

  it('reads a 200 plan, sending the token to the API host only', async () => {
    const seen: (string | undefined)[] = []
    const url = await hostile.serve((req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"resource_changes":[{"address":"a.b","change":{"actions":["create"]}}]}')
    })
    const read = await readRedactedPlan(clientOf(url), url, 'tok', 'plan-1', bounds)
    expect(read.status).toBe(200)
    expect(parsePlan(read.plan).resources.map(r => r.address)).toEqual(['a.b'])
    expect(seen).toEqual(['Bearer tok'])
  })

  it('follows one 307 to another origin without the token', async () => {
    const seen: (string | undefined)[] = []
    const target = await hostile.serve((req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(200)
      res.end('{}')
    })
    const { HostileHost } = await import('../helpers/hostile-host.ts')
    const api = new HostileHost((_req, res) => {
      res.writeHead(307, { Location: `${target.replace('127.0.0.1', 'localhost')}/signed` })
      res.end()
    })
    const apiUrl = await api.start()
    try {
      const read = await readRedactedPlan(clientOf(apiUrl), apiUrl, 'tok', 'plan-1', bounds)
      expect(read.status).toBe(200)
      expect(seen).toEqual([undefined])
    } finally {
      await api.stop()
    }
  })

  it('refuses a plan over its byte cap and one that trickles past its deadline, closing the connection', async () => {
    const big = await hostile.serve(endless(Buffer.alloc(65_536, 0x20)))
    await expect(readRedactedPlan(clientOf(big), big, 'tok', 'plan-1', bounds)).rejects.toMatchObject({ kind: 'too-large' })
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
    const slow = await hostile.serve(endless(Buffer.from(' '), 50))
    await expect(readRedactedPlan(clientOf(slow), slow, 'tok', 'plan-1', { maxBytes: 100_000, timeoutMs: 400 })).rejects.toMatchObject({
      kind: 'timeout'
    })
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
  })

  it('is cut off at once when the step stops', async () => {
    const slow = await hostile.serve(endless(Buffer.from(' '), 50))
    const stop = new AbortController()
    setTimeout(() => stop.abort(new Error('stopped')), 100)
    await expect(readRedactedPlan(clientOf(slow), slow, 'tok', 'plan-1', { ...bounds, signal: stop.signal })).rejects.toThrow('stopped')
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
  })

  it('hands back a 404 or 204 as a status, and rejects a body that is not a JSON object', async () => {
    const missing = await hostile.serve((_req, res) => {
      res.writeHead(404)
      res.end('not found')
    })
    expect(await readRedactedPlan(clientOf(missing), missing, 'tok', 'plan-1', bounds)).toEqual({ status: 404, plan: undefined })
    // The same 200 is a plan when its body is an object, and refused when it is an array.
    for (const [body, plan] of [
      ['{}', true],
      ['[1,2]', false]
    ] as const) {
      const url = await hostile.serve((_req, res) => {
        res.writeHead(200)
        res.end(body)
      })
      const read = readRedactedPlan(clientOf(url), url, 'tok', 'plan-1', bounds)
      if (plan) expect(await read).toEqual({ status: 200, plan: {} })
      else await expect(read).rejects.toThrow(Error)
    }
  })
})

describe("the plan's JSON-output answer that is not a plan (the redacted plan refused)", () => {
  // The plan destroys nothing by its counts: only what the step reads of it decides the verdict.
  const run: Run = {
    id: 'run-1',
    status: 'planned',
    message: '',
    hasChanges: true,
    savePlan: false,
    planOnly: false,
    workspaceId: 'ws-1',
    isConfirmable: true,
    isDiscardable: true,
    isCancelable: true,
    timestamps: {},
    positionInQueue: undefined,
    plan: { id: 'plan-1', status: 'finished', logReadUrl: '', additions: 1, changes: 0, destructions: 0 },
    apply: undefined
  }
  /** A download on the same host, wherever it listens. */
  const toDownload: Handler = (req, res) => {
    res.writeHead(307, { Location: `http://${req.headers.host ?? ''}/download` })
    res.end()
  }
  const answer =
    (status: number, body = ''): Handler =>
    (_req, res) => {
      res.writeHead(status)
      res.end(body)
    }
  /** The API host: the redacted plan answers 404, the JSON plan as `jsonOutput` does, `/download` with `downloaded`. */
  const api = (jsonOutput: Handler, downloaded = '[]'): Promise<string> =>
    hostile.serve((req, res, exchange, host) => {
      if (req.url === '/api/v2/plans/plan-1/json-output') return jsonOutput(req, res, exchange, host)
      if (req.url === '/download') return answer(200, downloaded)(req, res, exchange, host)
      res.writeHead(404, { 'Content-Type': 'application/vnd.api+json' })
      res.end('{"errors":[{"status":"404"}]}')
    })
  async function guardOn(url: string): Promise<Awaited<ReturnType<typeof checkGuard>>> {
    const settings = {
      token: 'tok',
      baseUrl: url,
      operation: 'apply',
      guard: { rules: [{ kind: 'no_destroy' }], onHeld: 'wait' }
    } as Settings // the parts of Settings the guard reads
    const step = new Step(settings, clientOf(url), {
      creating: () => undefined,
      following: () => undefined,
      stopping: () => undefined,
      release: () => undefined
    })
    step.workspace = { id: 'ws-1', name: 'network', organization: 'acme' } as Step['workspace'] // only these are read
    return await checkGuard(step, run, 1, new AbortController().signal)
  }

  it.each([
    ['a 307 without a Location', answer(307), undefined],
    ['a 200 without a body', answer(200), undefined],
    ['a 307 to a download that is a list', toDownload, '[1,2]']
  ])('%s: no plan, with a reason, and no_destroy is unevaluable, so held', async (_what, jsonOutput, downloaded) => {
    const url = await api(jsonOutput, downloaded)
    const read = await readPlan({ client: clientOf(url), baseUrl: url, token: 'tok' }, 'plan-1')
    expect(read.plan).toBeUndefined()
    expect(read.plan === undefined && read.why !== '').toBe(true)
    const verdict = await guardOn(url)
    expect(verdict.result).toBe('held')
    expect(verdict.outcomes.map(o => [o.rule, o.result])).toEqual([['no_destroy', 'unevaluable']])
  })

  it('a plan that is there and destroys nothing passes the same rule: what an unreadable answer must never pass as', async () => {
    const url = await api(toDownload, '{"resource_changes":[{"address":"a.b","change":{"actions":["create"]}}]}')
    const read = await readPlan({ client: clientOf(url), baseUrl: url, token: 'tok' }, 'plan-1')
    expect(read.plan?.resources.map(r => r.address)).toEqual(['a.b'])
    const verdict = await guardOn(url)
    expect(verdict.result).toBe('passed')
    expect(verdict.outcomes.map(o => [o.rule, o.result])).toEqual([['no_destroy', 'passed']])
  })
})

describe('the JSON plan model', () => {
  it('skips what is not the documented shape', () => {
    const p = parsePlan({
      resource_changes: [null, 7, { address: 3 }, { address: 'ok.one', change: { actions: ['update', 5] } }, { address: 'no.change' }],
      output_changes: { a: null, b: { actions: ['delete'] }, c: 'x' },
      provider_schemas: 'nope'
    })
    expect(p.resources.map(r => [r.address, r.change.actions])).toEqual([
      ['ok.one', ['update']],
      ['no.change', []]
    ])
    expect(changedOutputs(p)).toEqual(['b'])
    expect(p.schema('x', 'managed', 'y')).toBeUndefined()
    expect(parsePlan('garbage').resources).toEqual([])
    expect(actionWord(['delete', 'create'])).toBe('replace')
    expect(actionWord(['create', 'forget'])).toBe('replace-forget')
  })
})

describe('cost estimates', () => {
  const doc = (attributes: Record<string, unknown>): { data: Resource } => ({ data: { id: 'ce-1', type: 'cost-estimates', attributes } })
  it('reads the decimal strings the API writes', () => {
    const ce = toCostEstimate(
      doc({
        status: 'finished',
        'prior-monthly-cost': '10.00',
        'proposed-monthly-cost': '25.50',
        'delta-monthly-cost': '15.50',
        'resources-count': 4,
        'matched-resources-count': 3,
        'unmatched-resources-count': 1
      })
    )
    expect(ce).toMatchObject({ status: 'finished', priorMonthly: 10, proposedMonthly: 25.5, deltaMonthly: 15.5, matched: 3, resources: 4 })
  })
  it('turns anything else into no amount, never a number it made up', () => {
    const ce = toCostEstimate(doc({ status: 7, 'delta-monthly-cost': 'lots', 'prior-monthly-cost': '1e400', 'resources-count': -1 }))
    expect(ce).toMatchObject({ status: '', deltaMonthly: undefined, priorMonthly: undefined, resources: undefined })
  })
})

describe('policies and run tasks', () => {
  const outcome: Resource = {
    id: 'psout-1',
    type: 'policy-set-outcomes',
    attributes: {
      'policy-set-name': 'prod',
      overridable: true,
      outcomes: [
        { policy_name: 'tags', enforcement_level: 'advisory', status: 'failed' },
        { policy_name: 'regions', enforcement_level: 'mandatory', status: 'failed' },
        { policy_name: 'buckets', enforcement_level: 'soft-mandatory', status: 'passed' },
        'junk'
      ]
    }
  }
  it('names each policy with its set, enforcement level and result; an overridable failure is a soft failure', () => {
    const rows = policyRows(outcome)
    expect(rows.map(r => [r.policy, r.enforcement, r.result, r.overridable])).toEqual([
      ['tags', 'advisory', 'failed', false],
      ['regions', 'mandatory', 'failed', true],
      ['buckets', 'soft-mandatory', 'passed', false],
      ['policy', 'unknown', 'unknown', false]
    ])
    expect(policyRowLine(rows[1] as never)).toContain('prod/regions')
    const check = policyCheckRow({
      id: 'p',
      type: 'policy-checks',
      attributes: { status: 'overridden', result: { 'soft-failed': 1, passed: 2 } }
    })
    // The soft failures: the policy check's count with its status, then the overridable policy by set/name.
    const [fromCheck = '', ...policies] = softFailures({ policyChecks: [check], policies: rows, tasks: [], unfinished: false })
    expect([/^\d+/.exec(fromCheck)?.[0], /\((\w+)\)$/.exec(fromCheck)?.[1], policies]).toEqual(['1', 'overridden', ['prod/regions']])
  })
  it('keeps a run task link only when it is a web link', () => {
    const stage: Resource = {
      id: 'ts-1',
      type: 'task-stages',
      attributes: { stage: 'post_plan' },
      relationships: {
        'task-results': {
          data: [
            { id: 'tr-1', type: 'task-results' },
            { id: 'tr-missing', type: 'task-results' }
          ]
        }
      }
    }
    const result: Resource = {
      id: 'tr-1',
      type: 'task-results',
      attributes: { 'task-name': 'scan', status: 'failed', message: 'm'.repeat(2000), url: 'javascript:alert(1)' }
    }
    const rows = taskRows([stage], [result])
    expect(rows).toHaveLength(1)
    expect(rows[0]?.url).toBe('')
    expect(rows[0]?.message.length).toBe(500)
  })
})
