/**
 * The stand-in answers what HashiCorp's Go client (go-tfe v1.109) and the Terraform CLI's `cloud`
 * backend ask of it: the same paths, query parameters and JSON:API bodies they send, and the
 * fields, relationships, statuses and headers they decode. Plain HTTP against the stand-in.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create as createTar } from 'tar'
import { useStandInApi } from '../helpers/stand-in-api.ts'

const fixture = useStandInApi()
const api = fixture.api.bind(fixture)

/** A run created as go-tfe's Runs.Create sends it. */
async function createRun(wsId: string, attributes: Record<string, unknown> = {}, cvId?: string): Promise<string> {
  const r = await api('POST', '/api/v2/runs', {
    data: {
      type: 'runs',
      attributes,
      relationships: {
        workspace: { data: { type: 'workspaces', id: wsId } },
        ...(cvId ? { 'configuration-version': { data: { type: 'configuration-versions', id: cvId } } } : {})
      }
    }
  })
  expect(r.status).toBe(201)
  return r.json.data.id as string
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 10))
  }
}

const status = (runId: string): string | undefined => fixture.server.runs.get(runId)?.status

/** A log read as go-tfe's LogReader makes it: its own `?limit=&offset=` in place of any query. */
async function readLog(logReadUrl: string, offset = 0): Promise<Buffer> {
  const u = new URL(logReadUrl)
  u.search = `limit=65536&offset=${offset}`
  const res = await fetch(u)
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

/** Uploads `files` as a configuration version, as go-tfe's ConfigurationVersions.Create and Upload do. */
async function uploadConfiguration(wsId: string, files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'stand-in-gotfe-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  const file = join(dir, '..', `${dir.split('/').pop() ?? 'cv'}.tar.gz`)
  createTar({ gzip: true, cwd: dir, sync: true, file }, Object.keys(files))
  const cv = await api('POST', `/api/v2/workspaces/${wsId}/configuration-versions`, {
    data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } }
  })
  expect(cv.status).toBe(201)
  const put = await fetch(cv.json.data.attributes['upload-url'] as string, { method: 'PUT', body: readFileSync(file) })
  expect(put.status).toBe(200)
  return cv.json.data.id as string
}

async function applied(wsId: string, attributes: Record<string, unknown> = {}, cvId?: string): Promise<string> {
  const id = await createRun(wsId, attributes, cvId)
  await until('a confirmable run', () => fixture.server.runs.get(id)?.confirmable === true)
  expect((await api('POST', `/api/v2/runs/${id}/actions/apply`, { comment: 'ship it' })).status).toBe(202)
  await until('the apply', () => status(id) === 'applied')
  return id
}

describe('the stand-in, as go-tfe and the Terraform CLI read it', () => {
  it('log-read-url is there while the plan is pending, and reads empty until the plan starts', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-log-1', timings: { queueMs: 300 } })
    fixture.server.lock(ws.id)
    const id = await createRun(ws.id)
    const pending = await api('GET', `/api/v2/runs/${id}/plan`)
    expect(pending.json.data.attributes.status).toBe('pending')
    const url = pending.json.data.attributes['log-read-url'] as string
    expect(url).toMatch(/^https?:\/\//)
    expect((await readLog(url)).length).toBe(0)
    fixture.server.unlock(ws.id)
    await until('plan_queued', () => status(id) === 'plan_queued')
    const queued = await api('GET', `/api/v2/plans/${pending.json.data.id}`)
    expect(queued.json.data.attributes).toMatchObject({ status: 'pending', 'log-read-url': url })
    expect((await readLog(url)).length).toBe(0)
    await until('the plan to finish', () => fixture.server.runs.get(id)?.plan.status === 'finished')
    const log = await readLog(url)
    expect([log[0], log[log.length - 1]]).toEqual([0x02, 0x03])
    expect(log.length).toBeGreaterThan(2)
  })

  it("the apply's log-read-url is there once the run is confirmed, before the apply starts", async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-log-2', timings: { applyQueueMs: 400 } })
    const id = await createRun(ws.id)
    await until('a confirmable run', () => fixture.server.runs.get(id)?.confirmable === true)
    expect((await api('POST', `/api/v2/runs/${id}/actions/apply`, {})).status).toBe(202)
    await until('apply_queued', () => status(id) === 'apply_queued')
    const apply = await api('GET', `/api/v2/runs/${id}/apply`)
    expect(apply.json.data.attributes.status).toBe('pending')
    const url = apply.json.data.attributes['log-read-url'] as string
    expect(url).toMatch(/^https?:\/\//)
    expect((await readLog(url)).length).toBe(0)
    await until('the apply', () => status(id) === 'applied')
    const log = await readLog(url)
    expect([log[0], log[log.length - 1]]).toEqual([0x02, 0x03])
  })

  it('a run that ends before its plan starts leaves the plan unreachable, so a log reader knows it is done', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-log-3' })
    fixture.server.lock(ws.id)
    const id = await createRun(ws.id)
    expect((await api('POST', `/api/v2/runs/${id}/actions/discard`, {})).status).toBe(202)
    const plan = await api('GET', `/api/v2/runs/${id}/plan`)
    const apply = await api('GET', `/api/v2/runs/${id}/apply`)
    expect([plan.json.data.attributes.status, apply.json.data.attributes.status]).toEqual(['unreachable', 'unreachable'])
    fixture.server.unlock(ws.id)
  })

  it('POST /runs/:id/comments makes a comment the run lists, and GET /comments/:id reads it', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-comment-1' })
    const id = await createRun(ws.id)
    const made = await api('POST', `/api/v2/runs/${id}/comments`, { data: { type: 'comments', attributes: { body: 'first look' } } })
    expect(made.status).toBe(201)
    expect(made.json.data).toMatchObject({ id: expect.stringMatching(/^wsc-/), type: 'comments', attributes: { body: 'first look' } })
    expect((await api('POST', `/api/v2/runs/${id}/comments`, { data: { type: 'comments', attributes: { body: '' } } })).status).toBe(422)
    const list = await api('GET', `/api/v2/runs/${id}/comments`)
    expect(list.json.data.map((c: { attributes: { body: string } }) => c.attributes.body)).toEqual(['first look'])
    const run = await api('GET', `/api/v2/runs/${id}`)
    expect(run.json.data.relationships.comments.data).toEqual([{ id: made.json.data.id, type: 'comments' }])
    const one = await api('GET', `/api/v2/comments/${made.json.data.id}`)
    expect([one.status, one.json.data.attributes.body]).toEqual([200, 'first look'])
    expect((await api('POST', '/api/v2/runs/run-NoSuchRun0000000/comments', { data: { attributes: { body: 'x' } } })).status).toBe(404)
  })

  it("GET /state-versions/:id answers at the state version's links.self", async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-sv-1', resources: 2 })
    const current = await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version`)
    const self = await api('GET', current.json.data.links.self)
    expect(self.status).toBe(200)
    expect(self.json.data).toMatchObject({ id: current.json.data.id, type: 'state-versions', attributes: { serial: 1 } })
    expect((await api('GET', '/api/v2/state-versions/sv-NoSuchStateVersion')).status).toBe(404)
  })

  it('ping answers TFP-AppName: HCP Terraform, so go-tfe takes the stand-in for HCP Terraform, not Terraform Enterprise', async () => {
    const ping = await fetch(`${fixture.server.url}/api/v2/ping`, {
      headers: { Authorization: 'Bearer test-token', Accept: 'application/vnd.api+json' }
    })
    expect(ping.headers.get('tfp-appname')).toBe('HCP Terraform')
    expect(ping.headers.get('tfp-api-version')).not.toBeNull()
  })

  it('refresh: false is read back as false, and true by default', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-refresh-1' })
    const off = await createRun(ws.id, { refresh: false, 'plan-only': true })
    const on = await createRun(ws.id, { 'plan-only': true })
    expect((await api('GET', `/api/v2/runs/${off}`)).json.data.attributes.refresh).toBe(false)
    expect((await api('GET', `/api/v2/runs/${on}`)).json.data.attributes.refresh).toBe(true)
  })

  it('the comment sent with apply, discard and cancel is a comment of the run, and the run has events for what happened', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-events-1' })
    const confirmed = await applied(ws.id)
    const discarded = await createRun(ws.id)
    await until('a confirmable run', () => fixture.server.runs.get(discarded)?.confirmable === true)
    // The older JSON:API shape of the action body, as some clients still send it.
    expect(
      (await api('POST', `/api/v2/runs/${discarded}/actions/discard`, { data: { type: '', attributes: { comment: 'not today' } } })).status
    ).toBe(202)
    const ws2 = fixture.server.addWorkspace({ name: 'gotfe-events-2', timings: { planMs: 5_000 } })
    const canceled = await createRun(ws2.id)
    await until('planning', () => status(canceled) === 'planning')
    expect((await api('POST', `/api/v2/runs/${canceled}/actions/cancel`, { comment: 'wrong branch' })).status).toBe(202)
    await until('canceled', () => status(canceled) === 'canceled')

    for (const [id, body, action] of [
      [confirmed, 'ship it', 'confirmed'],
      [discarded, 'not today', 'discarded'],
      [canceled, 'wrong branch', 'canceled']
    ] as const) {
      const comments = await api('GET', `/api/v2/runs/${id}/comments`)
      expect(comments.json.data.map((c: { attributes: { body: string } }) => c.attributes.body)).toEqual([body])
      const run = await api('GET', `/api/v2/runs/${id}`)
      expect(run.json.data.relationships.comments.data).toEqual([{ id: comments.json.data[0].id, type: 'comments' }])
      const events = await api('GET', `/api/v2/runs/${id}/run-events?include=actor,comment`)
      expect(events.status).toBe(200)
      const actions = events.json.data.map((e: { attributes: { action: string } }) => e.attributes.action)
      expect(actions).toEqual(expect.arrayContaining(['pending', action, 'commented']))
      for (const e of events.json.data) expect(e.attributes['created-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
      const commented = events.json.data.find((e: { attributes: { action: string } }) => e.attributes.action === 'commented')
      expect(commented.relationships.comment.data).toEqual({ id: comments.json.data[0].id, type: 'comments' })
      expect(commented.relationships.actor.data).toMatchObject({ type: 'users' })
      const included = events.json.included as { type: string; attributes: Record<string, unknown> }[]
      expect(included.find(i => i.type === 'comments')?.attributes.body).toBe(body)
      expect(included.find(i => i.type === 'users')?.attributes.username).toEqual(expect.any(String))
      expect(run.json.data.relationships['run-events'].data.map((e: { id: string }) => e.id)).toEqual(
        events.json.data.map((e: { id: string }) => e.id)
      )
      const one = await api('GET', `/api/v2/run-events/${commented.id}?include=comment`)
      expect([one.status, one.json.data.attributes.action, one.json.included[0].attributes.body]).toEqual([200, 'commented', body])
    }
  })

  it('filter[status] lists only the runs in those statuses', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-filter-1' })
    const done = await applied(ws.id)
    const waiting = await createRun(ws.id)
    await until('a confirmable run', () => fixture.server.runs.get(waiting)?.confirmable === true)
    const ids = async (q: string): Promise<string[]> =>
      (await api('GET', `/api/v2/workspaces/${ws.id}/runs?${q}`)).json.data.map((r: { id: string }) => r.id)
    expect(await ids('filter[status]=applied')).toEqual([done])
    expect(await ids('filter[status]=planned,errored')).toEqual([waiting])
    expect(await ids('filter[status]=applied,planned')).toEqual([waiting, done])
    const counted = await api('GET', `/api/v2/workspaces/${ws.id}/runs?filter[status]=errored`)
    expect([counted.json.data, counted.json.meta.pagination['total-count']]).toEqual([[], 0])
  })

  it('include on a runs list puts each run’s plan, apply, workspace and creator in included', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-include-1' })
    const a = await createRun(ws.id, { 'plan-only': true })
    const b = await createRun(ws.id, { 'plan-only': true })
    const list = await api('GET', `/api/v2/workspaces/${ws.id}/runs?filter[operation]=plan_only&include=plan,apply,workspace,created_by`)
    expect(list.status).toBe(200)
    const included = list.json.included as { id: string; type: string }[]
    const key = (r: { id: string; type: string }): string => `${r.type}/${r.id}`
    for (const id of [a, b]) {
      const run = list.json.data.find((r: { id: string }) => r.id === id)
      for (const rel of ['plan', 'apply', 'workspace', 'created-by'])
        expect([rel, included.some(i => key(i) === key(run.relationships[rel].data))]).toEqual([rel, true])
    }
    // Each resource once: both runs share the workspace and the creator.
    expect(new Set(included.map(key)).size).toBe(included.length)
    expect(included.filter(i => i.type === 'workspaces')).toHaveLength(1)
    expect((await api('GET', `/api/v2/workspaces/${ws.id}/runs?include=nonsense`)).status).toBe(400)
  })

  it('a cost-estimated run has a cost-estimate relationship that resolves, and include=cost_estimate brings it', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-cost-1', costEstimation: true, changes: { add: 3, change: 0, destroy: 0 } })
    const id = await createRun(ws.id)
    await until('cost_estimated', () => fixture.server.runs.get(id)?.confirmable === true)
    const run = await api('GET', `/api/v2/runs/${id}?include=cost_estimate`)
    const rel = run.json.data.relationships['cost-estimate'].data
    expect(rel).toMatchObject({ id: expect.stringMatching(/^ce-/), type: 'cost-estimates' })
    const ce = await api('GET', `/api/v2/cost-estimates/${rel.id}`)
    expect(ce.status).toBe(200)
    expect(ce.json.data.attributes).toMatchObject({
      status: 'finished',
      'resources-count': 3,
      'matched-resources-count': 3,
      'unmatched-resources-count': 0,
      'proposed-monthly-cost': expect.stringMatching(/^\d+\.\d\d$/),
      'prior-monthly-cost': expect.stringMatching(/^\d+\.\d\d$/),
      'delta-monthly-cost': expect.stringMatching(/^-?\d+\.\d\d$/)
    })
    expect(ce.json.data.attributes['status-timestamps']['finished-at']).toEqual(expect.any(String))
    expect(run.json.included).toEqual([expect.objectContaining({ id: rel.id, type: 'cost-estimates' })])
    const plain = fixture.server.addWorkspace({ name: 'gotfe-cost-2' })
    const other = await createRun(plain.id, { 'plan-only': true })
    expect((await api('GET', `/api/v2/runs/${other}`)).json.data.relationships['cost-estimate'].data).toBeNull()
  })

  it('a state version has hosted download URLs that serve its state, its terraform-version, size and run', async () => {
    const ws = fixture.server.addWorkspace({
      name: 'gotfe-sv-2',
      outputs: { region: { value: 'eu-west-1' }, key: { value: 'k', sensitive: true } }
    })
    const id = await applied(ws.id)
    await new Promise(r => setTimeout(r, 40))
    const current = await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version`)
    const sv = (await api('GET', `/api/v2/state-versions/${current.json.data.id}?include=run`)).json
    const a = sv.data.attributes
    expect(a['terraform-version']).toMatch(/^\d+\.\d+\.\d+$/)
    expect(sv.data.relationships.run.data).toEqual({ id, type: 'runs' })
    expect(sv.included).toEqual([expect.objectContaining({ id, type: 'runs' })])
    const raw = await fetch(a['hosted-state-download-url'] as string, { headers: { Accept: 'application/json' } })
    expect(raw.status).toBe(200)
    const bytes = Buffer.from(await raw.arrayBuffer())
    expect(a.size).toBe(bytes.length)
    const state = JSON.parse(bytes.toString('utf8'))
    expect(state).toMatchObject({ version: 4, serial: a.serial, terraform_version: a['terraform-version'], lineage: expect.any(String) })
    expect(state.outputs).toEqual({
      region: { value: 'eu-west-1', type: 'string' },
      key: { value: 'k', type: 'string', sensitive: true }
    })
    expect(state.resources.flatMap((r: { instances: unknown[] }) => r.instances)).toHaveLength(1)
    const json = await fetch(a['hosted-json-state-download-url'] as string)
    expect(json.status).toBe(200)
    const shown = (await json.json()) as { values: { outputs: Record<string, { value: unknown }>; root_module: { resources: unknown[] } } }
    expect(shown.values.outputs.region?.value).toBe('eu-west-1')
    expect(shown.values.root_module.resources).toHaveLength(1)
    // The state the workspace started with was made by no run.
    const seeded = fixture.server.addWorkspace({ name: 'gotfe-sv-3', resources: 2 })
    const first = await api('GET', `/api/v2/workspaces/${seeded.id}/current-state-version`)
    expect(first.json.data.relationships.run.data).toBeNull()
    expect((await fetch(first.json.data.attributes['hosted-state-download-url'] as string)).status).toBe(200)
  })

  it('outputs declared in an uploaded configuration reach the state version', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-sv-4' })
    const cv = await uploadConfiguration(ws.id, {
      'main.tf': [
        'resource "null_resource" "one" {}',
        'output "greeting" {',
        '  value = "hello"',
        '}',
        'output "replicas" { value = 3 }',
        'output "enabled" {',
        '  description = "a { brace in a string }"',
        '  value       = true',
        '}',
        'output "secret" {',
        '  value     = "s3cr3t"',
        '  sensitive = true',
        '}',
        'output "computed" {',
        '  value = null_resource.one.id',
        '}'
      ].join('\n')
    })
    await applied(ws.id, {}, cv)
    await new Promise(r => setTimeout(r, 40))
    const outputs = await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version-outputs`)
    const byName = Object.fromEntries(
      outputs.json.data.map((o: { attributes: { name: string; value: unknown; sensitive: boolean } }) => [o.attributes.name, o.attributes])
    )
    expect(Object.keys(byName).sort()).toEqual(['computed', 'enabled', 'greeting', 'replicas', 'secret'])
    expect(byName.greeting).toMatchObject({ value: 'hello', type: 'string', sensitive: false })
    expect(byName.replicas).toMatchObject({ value: 3, type: 'number' })
    expect(byName.enabled).toMatchObject({ value: true, type: 'boolean' })
    expect(byName.secret).toMatchObject({ sensitive: true, value: null })
    expect(byName.computed.value).toEqual(expect.any(String))
    const sv = await api('GET', `/api/v2/workspaces/${ws.id}/current-state-version`)
    const listed = await api('GET', `/api/v2/state-versions/${sv.json.data.id}/outputs`)
    expect(listed.json.data.map((o: { attributes: { name: string } }) => o.attributes.name).sort()).toEqual(Object.keys(byName).sort())
    const state = (await (await fetch(sv.json.data.attributes['hosted-state-download-url'] as string)).json()) as {
      outputs: Record<string, { value: unknown }>
    }
    expect(state.outputs.secret?.value).toBe('s3cr3t')
  })

  it('a workspace has updated-at and every permission go-tfe decodes', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-ws-1' })
    const before = (await api('GET', `/api/v2/workspaces/${ws.id}`)).json.data.attributes
    expect(before['updated-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    for (const p of [
      'can-destroy',
      'can-force-unlock',
      'can-lock',
      'can-manage-run-tasks',
      'can-manage-hyok',
      'can-queue-apply',
      'can-queue-destroy',
      'can-queue-run',
      'can-read-settings',
      'can-read-state-versions',
      'can-read-variable',
      'can-unlock',
      'can-update',
      'can-update-variable',
      'can-force-delete'
    ])
      expect([p, typeof before.permissions[p]]).toEqual([p, 'boolean'])
    await new Promise(r => setTimeout(r, 5))
    const locked = (await api('POST', `/api/v2/workspaces/${ws.id}/actions/lock`, {})).json.data.attributes
    expect(Date.parse(locked['updated-at'])).toBeGreaterThan(Date.parse(before['updated-at']))
  })

  it('keeps the lock reason go-tfe sends inside a JSON:API data.attributes body', async () => {
    const ws = fixture.server.addWorkspace({ name: 'gotfe-lock-1' })
    const locked = await api('POST', `/api/v2/workspaces/${ws.id}/actions/lock`, {
      data: { type: '', attributes: { reason: 'migrating state' } }
    })
    expect(locked.status).toBe(200)
    expect(locked.json.data.attributes).toMatchObject({ locked: true, 'locked-reason': 'migrating state' })
    expect((await api('GET', `/api/v2/workspaces/${ws.id}`)).json.data.attributes['locked-reason']).toBe('migrating state')
    expect((await api('POST', `/api/v2/workspaces/${ws.id}/actions/unlock`)).status).toBe(200)
    // The documented plain body still works.
    const plain = await api('POST', `/api/v2/workspaces/${ws.id}/actions/lock`, { reason: 'by hand' })
    expect(plain.json.data.attributes['locked-reason']).toBe('by hand')
  })
})
