/**
 * The live suite's cleanup, which must leave nothing in a real organization: what it deletes and
 * what it keeps (against a stand-in, through the API as against the service), and how it deletes
 * a workspace that still manages resources when the token may not force delete (nock).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { StandIn } from '../../stand-in/server.ts'
import { TfeApi } from './api.ts'
import { TwoResources } from './configurations.ts'
import { cleanUp, createdAt, newPrefix, StaleAfterMs } from './target.ts'

describe('cleanUp against the stand-in', () => {
  let server: StandIn
  let api: TfeApi
  beforeAll(async () => {
    server = new StandIn({ defaultTimings: { queueMs: 10, planMs: 50, applyMs: 50, applyQueueMs: 10, processingMs: 10 } })
    api = new TfeApi(await server.start(), 'demo-org', 'test-token')
  })
  afterAll(() => server.stop())

  it("deletes the run's workspaces (created, lost, managing resources) and stale ones, and keeps a running suite's and others'", async () => {
    const now = new Date()
    const prefix = newPrefix(now)
    const applied = await api.createWorkspace(`${prefix}-applied`, '')
    await api.uploadConfiguration(applied.id, TwoResources, { withinMs: 5000, pollMs: 20 })
    const run = await api.createRun(applied.id, { 'auto-apply': true })
    await api.waitForRun(run, s => s === 'applied', 5000, 20)
    const lost = await api.createWorkspace(`${prefix}-lost`, '')
    const stale = await api.createWorkspace(`${newPrefix(new Date(now.getTime() - StaleAfterMs - 60_000))}-old`, '')
    const running = await api.createWorkspace(`${newPrefix(new Date(now.getTime() - 60_000))}-other`, '')
    const foreign = await api.createWorkspace('network-twr-live-', '')

    const result = await cleanUp(api, new Map([[applied.id, applied.name]]), prefix, { destroyWithinMs: 5000, now })

    expect(result.failed).toEqual([])
    expect(result.deleted.sort()).toEqual([applied.name, lost.name, stale.name].sort())
    expect([...server.workspaces.values()].map(w => w.name).sort()).toEqual([foreign.name, running.name].sort())
    // The one with resources: refused by the safe delete, then force-deleted.
    const deletes = server.requests.filter(
      q => q.path.startsWith(`/api/v2/workspaces/${applied.id}`) && /delete/i.test(`${q.method} ${q.path}`)
    )
    expect(deletes.map(q => [q.method, q.path.replace(applied.id, 'ws'), q.status])).toEqual([
      ['POST', '/api/v2/workspaces/ws/actions/safe-delete', 409],
      ['DELETE', '/api/v2/workspaces/ws', 204]
    ])
    // Its runs went with it.
    expect(server.runs.has(run)).toBe(false)
  })

  it('names encode the minute a run of the suite started; other names have no age', () => {
    expect(createdAt(newPrefix(new Date('2026-12-02T07:45:30Z')) + '-x')).toEqual(new Date('2026-12-02T07:45:00Z'))
    expect(createdAt('twr-live-notadate-abcd-x')).toBeUndefined()
    expect(createdAt('network')).toBeUndefined()
  })
})

describe('deleteWorkspace when the token may not force delete', () => {
  const origin = 'https://tfe.example.com'
  afterEach(() => {
    nock.cleanAll()
    nock.enableNetConnect()
  })

  it('empties the workspace with a destroy run, then safe-deletes it', async () => {
    nock.disableNetConnect()
    const sent: unknown[] = []
    const scope = nock(origin)
      .post('/api/v2/workspaces/ws-1/actions/safe-delete')
      .reply(409, { errors: [{ status: '409', title: 'conflict' }] })
      .delete('/api/v2/workspaces/ws-1')
      .reply(403, { errors: [{ status: '403', title: 'forbidden' }] })
      .post('/api/v2/runs', (body: unknown) => sent.push(body) > 0)
      .reply(201, { data: { id: 'run-1', type: 'runs', attributes: { status: 'pending' } } })
      .get('/api/v2/runs/run-1')
      .reply(200, { data: { id: 'run-1', type: 'runs', attributes: { status: 'applied' } } })
      .post('/api/v2/workspaces/ws-1/actions/safe-delete')
      .reply(204)
    await new TfeApi(origin, 'acme', 'secret').deleteWorkspace('ws-1', 5000)
    expect(scope.isDone()).toBe(true)
    expect(sent).toEqual([
      {
        data: {
          type: 'runs',
          attributes: expect.objectContaining({ 'is-destroy': true, 'auto-apply': true }),
          relationships: { workspace: { data: { type: 'workspaces', id: 'ws-1' } } }
        }
      }
    ])
  })

  it('fails, naming the workspace and the status, when the destroy run does not apply', async () => {
    nock.disableNetConnect()
    nock(origin)
      .post('/api/v2/workspaces/ws-2/actions/safe-delete')
      .reply(409, {})
      .delete('/api/v2/workspaces/ws-2')
      .reply(403, {})
      .post('/api/v2/runs')
      .reply(201, { data: { id: 'run-2', type: 'runs' } })
      .get('/api/v2/runs/run-2')
      .reply(200, { data: { id: 'run-2', type: 'runs', attributes: { status: 'errored' } } })
    await expect(new TfeApi(origin, 'acme', 'secret').deleteWorkspace('ws-2', 5000)).rejects.toThrow(/ws-2.*run-2.*'errored'/)
  })
})
