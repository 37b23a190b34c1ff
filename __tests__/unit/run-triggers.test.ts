/** listRunTriggers and createRunTrigger against answers well-formed, malformed and endless. */
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { TfeClient } from '../../src/tfe/client.js'
import { createRunTrigger, listRunTriggers, MaxRunTriggerPages } from '../../src/tfe/run-triggers.js'
import { listDocument, runTriggerResource } from '../../stand-in/documents.ts'
import { useNockAndCapture } from '../helpers/env.ts'

const host = 'https://tfe.example'
const ws = (id: string, name: string): { id: string; name: string } => ({ id, name })
const trigger = (i: number): ReturnType<typeof runTriggerResource> =>
  runTriggerResource({ id: `rt-${String(i).padStart(16, '0')}`, workspace: ws(`ws-down${i}`, `down-${i}`), sourceable: ws('ws-up', 'up') })

useNockAndCapture()

describe('listRunTriggers', () => {
  it('asks for the direction with the required filter and reads every page', async () => {
    const all = Array.from({ length: 150 }, (_, i) => trigger(i))
    const seen: string[] = []
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .times(2)
      .reply(uri => {
        const q = new URL(uri, host).searchParams
        seen.push(`${q.get('filter[run-trigger][type]')}:${q.get('page[number]')}`)
        return [200, listDocument(all, Number(q.get('page[number]')), Number(q.get('page[size]')))]
      })
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const list = await listRunTriggers(client, 'ws-up', 'outbound')
    client.dispose()
    expect(seen).toEqual(['outbound:1', 'outbound:2'])
    expect(list.complete).toBe(true)
    expect(list.items).toHaveLength(150)
    expect(list.items[3]).toEqual({
      id: all[3]!.id,
      workspaceId: 'ws-down3',
      workspaceName: 'down-3',
      sourceableId: 'ws-up',
      sourceableName: 'up',
      createdAt: expect.any(String)
    })
  })

  it('skips entries without a run trigger shape and does not fail on a data member that is no list', async () => {
    const good = trigger(1)
    const broken = [
      null,
      'rt-x',
      { id: 5 },
      { id: 'rt-nows', relationships: { sourceable: { data: { id: 'ws-up' } } } },
      { id: 'rt-array', relationships: { workspace: { data: [{ id: 'ws-a' }] }, sourceable: { data: { id: 'ws-up' } } } },
      { id: 'rt-numid', relationships: { workspace: { data: { id: 7 } }, sourceable: { data: { id: 'ws-up' } } } },
      good,
      good
    ]
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .reply(200, { data: broken, meta: { pagination: { 'next-page': 'two' } } })
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const list = await listRunTriggers(client, 'ws-up', 'outbound')
    expect(list.items.map(t => t.id)).toEqual([good.id])
    expect(list.skipped).toBe(6)
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .reply(200, { data: { id: 'rt-1' } })
    expect(await listRunTriggers(client, 'ws-up', 'inbound')).toEqual({ items: [], complete: true, skipped: 0 })
    client.dispose()
  })

  it('stops after its page bound when next-page never ends, and says the list is incomplete', async () => {
    let asked = 0
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .times(MaxRunTriggerPages + 5)
      .reply(uri => {
        asked++
        const page = Number(new URL(uri, host).searchParams.get('page[number]'))
        return [200, { data: [trigger(page)], meta: { pagination: { 'next-page': page + 1, 'total-pages': 1e9 } } }]
      })
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const list = await listRunTriggers(client, 'ws-up', 'outbound')
    client.dispose()
    expect([asked, list.items.length, list.complete]).toEqual([MaxRunTriggerPages, MaxRunTriggerPages, false])
  })

  it('stops when next-page goes backwards', async () => {
    let asked = 0
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .times(3)
      .reply(() => {
        asked++
        return [200, { data: [trigger(1)], meta: { pagination: { 'next-page': 1 } } }]
      })
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const list = await listRunTriggers(client, 'ws-up', 'outbound')
    client.dispose()
    expect([asked, list.items.length]).toEqual([1, 1])
  })
})

describe('createRunTrigger', () => {
  it('posts the sourceable workspace as a JSON:API relationship on the downstream workspace', async () => {
    let body: unknown
    nock(host)
      .post('/api/v2/workspaces/ws-down1/run-triggers', (b: unknown) => {
        body = b
        return true
      })
      .reply(201, { data: trigger(1) })
    const client = new TfeClient({ baseUrl: host, token: 'tok' })
    const made = await createRunTrigger(client, 'ws-down1', 'ws-up')
    client.dispose()
    expect(body).toEqual({ data: { type: 'run-triggers', relationships: { sourceable: { data: { type: 'workspaces', id: 'ws-up' } } } } })
    expect(made).toMatchObject({ workspaceId: 'ws-down1', sourceableId: 'ws-up' })
  })
})
