/**
 * The stand-in's workspace create, list and delete (what the live suite needs of it), against the
 * workspaces API documentation: answers, refusals of malformed and hostile bodies, and what a
 * deleted workspace leaves (nothing that answers).
 */
import { describe, expect, it } from '@jest/globals'
import { StandIn } from '../../stand-in/server.ts'
import { StandInText } from '../helpers/stand-in.ts'
import { useStandInApi } from '../helpers/stand-in-api.ts'

const fixture = useStandInApi()
const { api } = fixture
const create = (name: unknown, extra: Record<string, unknown> = {}) =>
  api('POST', '/api/v2/organizations/demo-org/workspaces', { data: { type: 'workspaces', attributes: { name, ...extra } } })

describe('POST /organizations/:org/workspaces', () => {
  it('creates an API-driven workspace with no configuration: 201 and the workspace document, readable by name and ID', async () => {
    const res = await create('made-by-api', {
      'auto-apply': true,
      'execution-mode': 'remote',
      description: 'kept by the service, not here'
    })
    expect(res.status).toBe(201)
    const ws = res.json.data
    expect(ws.id).toMatch(/^ws-[A-Za-z0-9]{16}$/)
    expect(ws.attributes).toMatchObject({ name: 'made-by-api', 'auto-apply': true, 'execution-mode': 'remote', locked: false })
    expect(ws.relationships['current-configuration-version']).toEqual({ data: null })
    expect(ws.relationships['current-state-version']).toEqual({ data: null })
    expect((await api('GET', `/api/v2/workspaces/${ws.id}`)).json.data.attributes.name).toBe('made-by-api')
    expect((await api('GET', '/api/v2/organizations/demo-org/workspaces/made-by-api')).json.data.id).toBe(ws.id)
    // No configuration yet: a run needs one uploaded first, as on the service.
    const run = await api('POST', '/api/v2/runs', { data: { type: 'runs', relationships: { workspace: { data: { id: ws.id } } } } })
    expect([run.status, run.json.errors[0].detail]).toEqual([422, StandInText.noConfiguration])
  })

  it('refuses a taken name, a name with other characters than letters, digits, - and _, a wrong type and a body that is not JSON', async () => {
    expect((await create('taken')).status).toBe(201)
    const refused = [
      await create('taken'),
      await create('has space'),
      await create('../etc'),
      await create('x'.repeat(10_000)),
      await create(42),
      await create(undefined),
      await create('ok-name', { 'execution-mode': 'nowhere' }),
      await api('POST', '/api/v2/organizations/demo-org/workspaces', { data: { type: 'runs', attributes: { name: 'typed' } } })
    ]
    expect(refused.map(r => [r.status, r.json.errors[0].status])).toEqual(refused.map(() => [422, '422']))
    const notJson = await fetch(`${fixture.server.url}/api/v2/organizations/demo-org/workspaces`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/vnd.api+json' },
      body: '{"data":'
    })
    expect(notJson.status).toBe(422)
    expect(fixture.server.workspaceByName('typed')).toBeUndefined()
    expect(fixture.server.workspaceByName('ok-name')).toBeUndefined()
  })

  it('answers 404 for an organization the token may not see (create and list), and 401 without a token', async () => {
    const narrow = new StandIn({ tokens: { 'demo-only': ['demo-org'] } })
    const url = await narrow.start()
    try {
      const send = (method: string, path: string, token?: string) =>
        fetch(`${url}${path}`, {
          method,
          headers: { 'Content-Type': 'application/vnd.api+json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: method === 'POST' ? JSON.stringify({ data: { type: 'workspaces', attributes: { name: 'n' } } }) : undefined
        })
      expect((await send('POST', '/api/v2/organizations/other-org/workspaces', 'demo-only')).status).toBe(404)
      expect((await send('GET', '/api/v2/organizations/other-org/workspaces', 'demo-only')).status).toBe(404)
      expect((await send('POST', '/api/v2/organizations/demo-org/workspaces')).status).toBe(401)
      expect((await send('POST', '/api/v2/organizations/demo-org/workspaces', 'demo-only')).status).toBe(201)
      expect(narrow.workspaceByName('n', 'other-org')).toBeUndefined()
    } finally {
      await narrow.stop()
    }
  })
})

describe('GET /organizations/:org/workspaces', () => {
  it('lists the organization’s workspaces matching search[name], 20 a page by default, with pagination meta', async () => {
    for (let i = 0; i < 23; i++) expect((await create(`listed-${i}`)).status).toBe(201)
    const first = await api('GET', '/api/v2/organizations/demo-org/workspaces?search%5Bname%5D=listed-')
    expect(first.json.data).toHaveLength(20)
    expect(first.json.meta.pagination).toMatchObject({ 'current-page': 1, 'next-page': 2, 'total-count': 23 })
    const second = await api('GET', '/api/v2/organizations/demo-org/workspaces?search%5Bname%5D=listed-&page%5Bnumber%5D=2')
    expect(second.json.data.map((w: { attributes: { name: string } }) => w.attributes.name)).toEqual([
      'listed-20',
      'listed-21',
      'listed-22'
    ])
  })
})

describe('deleting a workspace', () => {
  it('force delete answers 204; the workspace, its configuration versions and its runs are gone (404)', async () => {
    const ws = (await create('to-force-delete')).json.data
    const cv = (await api('POST', `/api/v2/workspaces/${ws.id}/configuration-versions`, { data: { type: 'configuration-versions' } })).json
      .data
    const del = await api('DELETE', `/api/v2/workspaces/${ws.id}`)
    expect([del.status, del.json]).toEqual([204, undefined])
    expect((await api('GET', `/api/v2/workspaces/${ws.id}`)).status).toBe(404)
    expect((await api('GET', `/api/v2/configuration-versions/${cv.id}`)).status).toBe(404)
    expect((await api('DELETE', `/api/v2/workspaces/${ws.id}`)).status).toBe(404)
    expect((await api('POST', `/api/v2/workspaces/${ws.id}/actions/safe-delete`)).status).toBe(404)
  })

  it('safe delete answers 409 while the state holds resources, 204 once it does not; a run in progress stops with its workspace', async () => {
    const managing = fixture.server.addWorkspace({ name: 'managing', resources: 3 })
    const refused = await api('POST', `/api/v2/workspaces/${managing.id}/actions/safe-delete`)
    expect([refused.status, refused.json.errors[0].status]).toEqual([409, '409'])
    expect(fixture.server.workspaces.has(managing.id)).toBe(true)

    const busy = fixture.server.addWorkspace({ name: 'busy', timings: { planMs: 60_000 } })
    const run = await api('POST', '/api/v2/runs', { data: { type: 'runs', relationships: { workspace: { data: { id: busy.id } } } } })
    expect(run.status).toBe(201)
    expect((await api('POST', `/api/v2/workspaces/${busy.id}/actions/safe-delete`)).status).toBe(204)
    expect((await api('GET', `/api/v2/runs/${run.json.data.id}`)).status).toBe(404)
    expect(fixture.server.runs.has(run.json.data.id)).toBe(false)
  })
})
