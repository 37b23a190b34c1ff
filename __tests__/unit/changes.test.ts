/** The change report's plan JSON download against hosts that hang, trickle or send too much. */
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { TfeClient } from '../../src/tfe/client.js'
import { changeReport, fromJsonPlan } from '../../src/run-logs/changes.js'
import type { Run } from '../../src/tfe/runs.js'
import { useNockAndCapture } from '../helpers/env.ts'
import { endless, useHostileHost } from '../helpers/hostile-host.ts'

const host = 'https://tfe.test'
const hostile = useHostileHost()
const run: Run = {
  id: 'run-1',
  status: 'planned_and_finished',
  message: '',
  hasChanges: true,
  savePlan: false,
  planOnly: true,
  workspaceId: 'ws-1',
  isConfirmable: false,
  isDiscardable: false,
  isCancelable: false,
  timestamps: {},
  positionInQueue: undefined,
  plan: { id: 'plan-1', status: 'finished', logReadUrl: '', additions: 3, changes: 0, destructions: 1 },
  apply: undefined
}

function redirectTo(url: string): void {
  nock(host).get('/api/v2/plans/plan-1/json-output').reply(307, '', { Location: url })
}

describe('the change report', () => {
  useNockAndCapture()

  it('reads the plan JSON a 307 points to, without the token', async () => {
    nock.enableNetConnect('127.0.0.1')
    const seen: Record<string, unknown>[] = []
    const url = await hostile.serve((req, res) => {
      seen.push(req.headers)
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ resource_changes: [{ address: 'aws_db_instance.main', change: { actions: ['delete'] } }] }))
    })
    redirectTo(`${url}/plan.json`)
    const client = new TfeClient({ baseUrl: host, token: 'secret-token' })
    const report = await changeReport(client, run, undefined)
    client.dispose()
    expect(report.source).toBe('json-output')
    expect(report.resources).toEqual([{ address: 'aws_db_instance.main', action: 'delete' }])
    expect(seen[0]).not.toHaveProperty('authorization')
  })

  it('falls back to the counts, with a reason, when the plan JSON host trickles and the step stops', async () => {
    nock.enableNetConnect('127.0.0.1')
    const url = await hostile.serve(endless(Buffer.from('{'), 100))
    redirectTo(`${url}/plan.json`)
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 300)
    const started = Date.now()
    const report = await changeReport(client, run, undefined, stop.signal)
    client.dispose()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(report.source).toBe('counts')
    expect(report.why).toBeTruthy()
  })

  it.each([
    ['a 307 without a Location', 307],
    ['a 200 without a body', 200]
  ])("falls back to the counts, with a reason, when the plan's JSON-output answer is %s", async (_what, status) => {
    nock(host).get('/api/v2/plans/plan-1/json-output').reply(status, '')
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const report = await changeReport(client, run, undefined)
    client.dispose()
    expect(report.source).toBe('counts')
    expect(report.why).toEqual(expect.any(String))
    expect(report.why).not.toBe('')
    expect(report.totals).toEqual({ add: 3, change: 0, remove: 1, import: 0, operation: 'plan' })
    expect(report.resources).toEqual([])
  })

  it('never throws on a JSON plan of the wrong shape', () => {
    const hostile = {
      resource_changes: [null, 7, { address: 5 }, { address: 'a.b', change: null }, { address: 'c.d', change: { actions: 'delete' } }],
      resource_drift: 'x',
      output_changes: { a: null, b: { actions: ['create'] } }
    }
    expect(fromJsonPlan(hostile as never)).toEqual({
      resources: [],
      drift: [],
      outputs: [{ name: 'b', action: 'create', sensitive: false }]
    })
    expect(fromJsonPlan({ output_changes: null } as never)).toEqual({ resources: [], drift: [], outputs: [] })
  })
})
