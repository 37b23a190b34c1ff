/**
 * The stand-in answers as the documented service does: what a client written to the API
 * documentation (go-tfe, HashiCorp's own actions) reads, it finds. Plain HTTP against it.
 */
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { useStandInApi } from '../helpers/stand-in-api.ts'

const fixture = useStandInApi()
const api = fixture.api.bind(fixture)

async function createRun(wsId: string): Promise<string> {
  const r = await api('POST', '/api/v2/runs', {
    data: { type: 'runs', attributes: {}, relationships: { workspace: { data: { type: 'workspaces', id: wsId } } } }
  })
  expect(r.status).toBe(201)
  expect(r.json.data.attributes.status).toBe('pending')
  return r.json.data.id as string
}

describe('the stand-in, as a documented-API client sees it', () => {
  it('answers discovery and ping without a token, and X-RateLimit headers on every API answer', async () => {
    const discovery = await fetch(`${fixture.server.url}/.well-known/terraform.json`)
    expect(discovery.status).toBe(200)
    expect(await discovery.json()).toMatchObject({ 'tfe.v2': '/api/v2/' })
    const ping = await fetch(`${fixture.server.url}/api/v2/ping`)
    expect(ping.status).toBe(204)
    expect(ping.headers.get('x-ratelimit-limit')).toBe('30')
    const ws = fixture.server.addWorkspace({ name: 'fidelity-1' })
    const read = await api('GET', `/api/v2/workspaces/${ws.id}`)
    expect(read.headers.get('content-type')).toBe('application/vnd.api+json')
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(read.headers.get(h)).not.toBeNull()
    const missing = await api('GET', '/api/v2/nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.json).toEqual({ errors: [{ status: '404', title: 'not found' }] })
  })

  it('a new run answers pending; every link it advertises resolves', async () => {
    const ws = fixture.server.addWorkspace({ name: 'fidelity-2' })
    const id = await createRun(ws.id)
    const run = await api('GET', `/api/v2/runs/${id}?include=plan,apply,workspace,created_by`)
    expect(run.json.included.map((i: { type: string }) => i.type).sort()).toEqual(['applies', 'plans', 'users', 'workspaces'])
    for (const rel of ['plan', 'apply']) {
      const related = run.json.data.relationships[rel].links.related as string
      expect([related, (await api('GET', related)).status]).toEqual([related, 200])
    }
    expect((await api('GET', run.json.data.links.self)).status).toBe(200)
    for (const rel of ['policy-checks', 'task-stages', 'run-events', 'comments']) {
      const related = run.json.data.relationships[rel].links.related as string
      expect([related, (await api('GET', related)).status]).toEqual([related, 200])
    }
    const plan = await api('GET', run.json.data.relationships.plan.links.related)
    expect((await api('GET', plan.json.data.links.self)).status).toBe(200)
  })

  it('force-cancel answers 409 and force-execute 403, as documented', async () => {
    const ws = fixture.server.addWorkspace({ name: 'fidelity-3', timings: { planMs: 5_000 } })
    const id = await createRun(ws.id)
    expect((await api('POST', `/api/v2/runs/${id}/actions/force-cancel`, {})).status).toBe(409)
    expect((await api('POST', `/api/v2/runs/${id}/actions/force-execute`)).status).toBe(403)
    expect((await api('POST', `/api/v2/runs/${id}/actions/cancel`, { comment: 'done' })).status).toBe(202)
  })

  it('locks and unlocks a workspace, 409 when it already is', async () => {
    const ws = fixture.server.addWorkspace({ name: 'fidelity-4' })
    expect((await api('POST', `/api/v2/workspaces/${ws.id}/actions/lock`, { reason: 'maintenance' })).json.data.attributes.locked).toBe(
      true
    )
    expect((await api('POST', `/api/v2/workspaces/${ws.id}/actions/lock`, {})).status).toBe(409)
    expect((await api('POST', `/api/v2/workspaces/${ws.id}/actions/unlock`)).json.data.attributes.locked).toBe(false)
    expect((await api('POST', `/api/v2/workspaces/${ws.id}/actions/unlock`)).status).toBe(409)
  })

  it('after an apply: the current state version (resources-processed false for a moment) and its outputs, one by one', async () => {
    const ws = fixture.server.addWorkspace({
      name: 'fidelity-5',
      outputs: { a: { value: ['x', 'y'] }, s: { value: 'secret', sensitive: true } },
      timings: { processingMs: 300 }
    })
    const id = await createRun(ws.id)
    for (let i = 0; i < 100 && fixture.server.runs.get(id)?.confirmable !== true; i++) await new Promise(r => setTimeout(r, 20))
    expect((await api('POST', `/api/v2/runs/${id}/actions/apply`, {})).status).toBe(202)
    for (let i = 0; i < 100 && fixture.server.runs.get(id)?.status !== 'applied'; i++) await new Promise(r => setTimeout(r, 20))
    const early = await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version`)
    expect(early.json.data.attributes['resources-processed']).toBe(false)
    expect((await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version-outputs`)).status).toBe(503)
    await new Promise(r => setTimeout(r, 350))
    const outputs = await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version-outputs`)
    const byName = Object.fromEntries(outputs.json.data.map((o: { attributes: { name: string } }) => [o.attributes.name, o]))
    expect(byName.a.attributes).toMatchObject({ value: ['x', 'y'], 'detailed-type': ['tuple', ['string', 'string']] })
    expect(byName.s.attributes).toMatchObject({ sensitive: true, value: null })
    const one = await api('GET', byName.s.links.self)
    expect(one.json.data.attributes).toMatchObject({ sensitive: true, value: 'secret' })
  })

  it('walks workspace → run → plan → apply → state version → outputs by the links and fields a client reads', async () => {
    const ws = fixture.server.addWorkspace({ name: 'fidelity-6', outputs: { url: { value: 'https://x' } } })
    const workspace = await api('GET', `/api/v2/organizations/demo-org/workspaces/${ws.name}`)
    const a = workspace.json.data.attributes
    for (const key of [
      'created-at',
      'environment',
      'queue-all-runs',
      'terraform-version',
      'working-directory',
      'vcs-repo',
      'allow-destroy-plan'
    ]) {
      expect([key, key in a]).toEqual([key, true])
    }
    for (const p of ['can-update', 'can-destroy', 'can-queue-destroy', 'can-read-state-outputs', 'can-lock'])
      expect([p, p in a.permissions]).toEqual([p, true])
    const id = await createRun(ws.id)
    const run = await api('GET', `/api/v2/runs/${id}`)
    for (const rel of [
      'created-by',
      'confirmed-by',
      'configuration-version',
      'cost-estimate',
      'policy-checks',
      'task-stages',
      'run-events',
      'comments'
    ]) {
      expect([rel, rel in run.json.data.relationships]).toEqual([rel, true])
    }
    for (const key of ['refresh', 'save-plan', 'terraform-version', 'error-text'])
      expect([key, key in run.json.data.attributes]).toEqual([key, true])
    for (let i = 0; i < 100 && fixture.server.runs.get(id)?.confirmable !== true; i++) await new Promise(r => setTimeout(r, 20))
    await api('POST', `/api/v2/runs/${id}/actions/apply`, {})
    for (let i = 0; i < 100 && fixture.server.runs.get(id)?.status !== 'applied'; i++) await new Promise(r => setTimeout(r, 20))
    const apply = await api('GET', (await api('GET', `/api/v2/runs/${id}`)).json.data.relationships.apply.links.related)
    expect(apply.json.data.attributes['status-timestamps']).toMatchObject({
      'started-at': expect.any(String),
      'finished-at': expect.any(String)
    })
    const svId = apply.json.data.relationships['state-versions'].data[0].id as string
    await new Promise(r => setTimeout(r, 50))
    const again = await api('GET', `/api/v2/workspaces/${ws.id}`)
    const related = again.json.data.relationships['current-state-version'].links.related as string
    const sv = await api('GET', `${related}?include=outputs`)
    expect(sv.json.data.id).toBe(svId)
    expect(sv.json.data.attributes['resources-processed']).toBe(true)
    expect(sv.json.included.map((o: { attributes: { name: string; value: unknown } }) => [o.attributes.name, o.attributes.value])).toEqual([
      ['url', 'https://x']
    ])
  })

  it('npm run stand-in: --help lists the options; a port in use is one clear line, not a stack trace', () => {
    const help = spawnSync(process.execPath, ['stand-in/cli.ts', '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    for (const option of ['--port', '--token', '--tls', 'PORT', 'STAND_IN_TOKEN']) expect(help.stdout).toContain(option)
    const port = new URL(fixture.server.url).port
    const busy = spawnSync(process.execPath, ['stand-in/cli.ts', '--port', port], { encoding: 'utf8', timeout: 10_000 })
    expect(busy.status).toBe(1)
    // One line, no stack trace: it names the port and the two ways to choose another.
    const said = busy.stderr.trim()
    expect([said.split('\n').length, said.match(/\d+|--port\b|\bPORT\b/g)]).toEqual([1, [port, '--port', 'PORT']])
  })
})
