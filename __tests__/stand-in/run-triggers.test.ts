/**
 * The stand-in's run triggers as a documented-API client sees them: the routes and their limits,
 * and the runs HCP Terraform queues by itself (after a successful apply, for a VCS commit).
 */
import { describe, expect, it } from '@jest/globals'
import { useStandInApi } from '../helpers/stand-in-api.ts'

const fixture = useStandInApi()
const api = fixture.api.bind(fixture)
let n = 0
const workspace = (spec: Record<string, unknown> = {}): { id: string; name: string } => {
  const ws = fixture.server.addWorkspace({ name: `rt-${++n}`, ...spec })
  return { id: ws.id, name: ws.name }
}
const trigger = (downstream: string, source: string): ReturnType<typeof api> =>
  api('POST', `/api/v2/workspaces/${downstream}/run-triggers`, {
    data: { type: 'run-triggers', relationships: { sourceable: { data: { type: 'workspaces', id: source } } } }
  })
const until = async (fn: () => boolean): Promise<void> => {
  for (let i = 0; i < 250 && !fn(); i++) await new Promise(r => setTimeout(r, 20))
}
const status = (id: string): string | undefined => fixture.server.runs.get(id)?.status

/** Queues a run on the workspace through the API; auto-apply unless told otherwise. */
async function queue(wsId: string, attributes: Record<string, unknown> = { 'auto-apply': true }): Promise<string> {
  const r = await api('POST', '/api/v2/runs', {
    data: { type: 'runs', attributes, relationships: { workspace: { data: { type: 'workspaces', id: wsId } } } }
  })
  expect(r.status).toBe(201)
  return r.json.data.id as string
}

const downstreamRuns = (wsId: string): { id: string; source: string; status: string }[] =>
  fixture.server.runsOf(wsId).map(r => ({ id: r.id, source: r.source, status: r.status }))

describe('run triggers in the stand-in', () => {
  it('creates, lists (inbound and outbound, the filter required), shows and deletes a run trigger', async () => {
    const up = workspace()
    const down = workspace()
    const made = await trigger(down.id, up.id)
    expect(made.status).toBe(201)
    expect(made.json.data).toMatchObject({
      type: 'run-triggers',
      attributes: { 'workspace-name': down.name, 'sourceable-name': up.name },
      relationships: { workspace: { data: { id: down.id } }, sourceable: { data: { id: up.id } } }
    })
    const id = made.json.data.id as string
    const outbound = await api('GET', `/api/v2/workspaces/${up.id}/run-triggers?filter[run-trigger][type]=outbound`)
    expect(outbound.json.data.map((t: { id: string }) => t.id)).toEqual([id])
    expect(outbound.json.meta.pagination['total-count']).toBe(1)
    const inbound = await api('GET', `/api/v2/workspaces/${down.id}/run-triggers?filter[run-trigger][type]=inbound&include=sourceable`)
    expect(inbound.json.data.map((t: { id: string }) => t.id)).toEqual([id])
    expect(inbound.json.included.map((w: { id: string }) => w.id)).toEqual([up.id])
    expect((await api('GET', `/api/v2/workspaces/${down.id}/run-triggers?filter[run-trigger][type]=outbound`)).json.data).toEqual([])
    expect((await api('GET', `/api/v2/workspaces/${down.id}/run-triggers`)).status).toBe(400)
    expect((await api('GET', `/api/v2/run-triggers/${id}`)).json.data.id).toBe(id)
    expect((await api('DELETE', `/api/v2/run-triggers/${id}`)).status).toBe(204)
    expect((await api('GET', `/api/v2/run-triggers/${id}`)).status).toBe(404)
  })

  it('refuses a self-trigger, a duplicate, a 21st source, a cycle, a source of another organization and a malformed body', async () => {
    const down = workspace()
    expect((await trigger(down.id, down.id)).status).toBe(422)
    const sources = Array.from({ length: 20 }, () => workspace())
    for (const s of sources) expect((await trigger(down.id, s.id)).status).toBe(201)
    expect((await trigger(down.id, sources[0]!.id)).status).toBe(422)
    expect((await trigger(down.id, workspace().id)).status).toBe(422)
    expect((await trigger(sources[0]!.id, down.id)).status).toBe(422)
    expect((await trigger(workspace().id, workspace({ organization: 'other-org' }).id)).status).toBe(404)
    expect((await api('POST', `/api/v2/workspaces/${down.id}/run-triggers`, { data: { type: 'run-triggers' } })).status).toBe(422)
  })

  it('a successful apply queues a run on each downstream workspace, source tfe-run-trigger, waiting at planned', async () => {
    const up = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    const manual = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    const auto = workspace({ changes: { add: 1, change: 0, destroy: 0 }, autoApplyRunTrigger: true })
    expect((await trigger(manual.id, up.id)).status).toBe(201)
    expect((await trigger(auto.id, up.id)).status).toBe(201)
    const id = await queue(up.id)
    await until(() => status(id) === 'applied' && fixture.server.runsOf(auto.id).some(r => r.status === 'applied'))
    const [held] = downstreamRuns(manual.id)
    expect(held).toMatchObject({ source: 'tfe-run-trigger' })
    await until(() => fixture.server.runs.get(held!.id)?.confirmable === true)
    expect(status(held!.id)).toBe('planned')
    expect(downstreamRuns(auto.id)).toEqual([expect.objectContaining({ source: 'tfe-run-trigger', status: 'applied' })])
    const doc = await api('GET', `/api/v2/runs/${held!.id}`)
    expect(doc.json.data.attributes).toMatchObject({ source: 'tfe-run-trigger', 'auto-apply': false })
    expect(Date.parse(doc.json.data.attributes['created-at'])).toBeGreaterThanOrEqual(
      Date.parse(fixture.server.runs.get(id)!.statusTimestamps['applied-at']!)
    )
    const ws = await api('GET', `/api/v2/workspaces/${auto.id}`)
    expect(ws.json.data.attributes['auto-apply-run-trigger']).toBe(true)
  })

  it.each([
    ['a plan-only run', {}, { 'plan-only': true }, 'planned_and_finished'],
    ['a run whose plan errors', { failPlans: 1 }, { 'auto-apply': true }, 'errored'],
    ['a run whose apply errors', { failApplies: 1 }, { 'auto-apply': true }, 'errored'],
    ['a discarded run', {}, { 'auto-apply': false }, 'discarded'],
    ['a cancelled run', { timings: { planMs: 2_000 } }, { 'auto-apply': true }, 'canceled']
  ])('%s queues nothing downstream', async (_, spec, attributes, final) => {
    const up = workspace({ changes: { add: 1, change: 0, destroy: 0 }, ...spec })
    const down = workspace()
    expect((await trigger(down.id, up.id)).status).toBe(201)
    const id = await queue(up.id, attributes)
    if (final === 'discarded') {
      await until(() => fixture.server.runs.get(id)?.confirmable === true)
      fixture.server.discard(id)
    }
    if (final === 'canceled') {
      await until(() => status(id) === 'planning')
      fixture.server.cancel(id)
    }
    await until(() => status(id) === final)
    await new Promise(r => setTimeout(r, 50))
    expect([status(id), downstreamRuns(down.id)]).toEqual([final, []])
  })

  it('a push to a VCS-connected workspace queues a run that search[commit] finds among the non-final runs', async () => {
    const ws = workspace({ vcsRepo: { identifier: 'acme/network', branch: 'main' }, changes: { add: 1, change: 0, destroy: 0 } })
    const sha = 'a'.repeat(40)
    const pushed = await fetch(`${fixture.server.url}/_stand-in/workspaces/${ws.id}/vcs-runs`, {
      method: 'POST',
      body: JSON.stringify({ commit: sha })
    })
    expect(pushed.status).toBe(201)
    const { id } = (await pushed.json()) as { id: string }
    await queue(ws.id, {})
    const found = await api('GET', `/api/v2/workspaces/${ws.id}/runs?search[commit]=${sha}&filter[status_group]=non_final`)
    expect(found.json.data.map((r: { id: string }) => r.id)).toEqual([id])
    expect(found.json.data[0].attributes.source).toBe('tfe-configuration-version')
    expect((await api('GET', `/api/v2/workspaces/${ws.id}/runs?search[commit]=${'b'.repeat(40)}`)).json.data).toEqual([])
    expect((await api('GET', `/api/v2/workspaces/${ws.id}`)).json.data.attributes['vcs-repo']).toMatchObject({ identifier: 'acme/network' })
  })
})
