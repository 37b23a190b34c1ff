/**
 * Finding and reporting the runs an apply's run triggers queued, against answers well-formed,
 * malformed, endless and failing (nock): a broken report is a warning, never the step's end.
 */
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import type { Settings } from '../../src/action/inputs.js'
import { TfeClient } from '../../src/tfe/client.js'
import { MaxRunTriggerPages } from '../../src/tfe/run-triggers.js'
import { listWorkspaceRuns } from '../../src/tfe/run-lists.js'
import { afterRunEnded, findTriggeredRuns } from '../../src/lifecycle/triggered.js'
import { Step, type Outcome } from '../../src/lifecycle/step.js'
import type { Run } from '../../src/tfe/runs.js'
import { resetOptionalWarnings } from '../../src/common/optional.js'
import { listDocument, runResource, runTriggerResource } from '../../stand-in/documents.ts'
import { useNockAndCapture } from '../helpers/env.ts'
import { stepFacts } from '../helpers/step-facts.ts'

const host = 'https://tfe.test'
const out = useNockAndCapture()
const appliedAt = '2026-12-01T10:00:00.000Z'
const later = '2026-12-01T10:00:02.000Z'
const upRun = 'run-UpstreamRun00001'

function step(over: Partial<Settings> = {}): { step: Step; client: TfeClient } {
  const client = new TfeClient({ baseUrl: host, token: 'tok', backoffBaseMs: 1, maxAttempts: 2 })
  const settings = {
    token: 'tok',
    baseUrl: host,
    operation: 'apply',
    manualConfirm: false,
    cancelOnAbort: true,
    retryBackoffMinMs: 1,
    retryBackoffMaxMs: 1,
    savePlan: false,
    ...over
  } as Settings // the parts of Settings the triggered-run code reads
  const s = new Step(
    settings,
    client,
    { creating: () => undefined, following: () => undefined, stopping: () => undefined, release: () => undefined },
    {
      triggeredAppearMs: 0,
      triggeredPollMs: 1,
      pollSchedule: { firstMs: 1, growth: 1, capMs: 1, pendingCapMs: 1, denseMs: 1, sparseMaxMs: 1, logLedMs: 1 }
    }
  )
  s.workspace = {
    id: 'ws-up',
    name: 'network',
    organization: 'acme'
  } as Step['workspace'] // only id, name and organization are read
  return { step: s, client }
}

const trigger = (down: string) =>
  runTriggerResource({ id: `rt-${down}`, workspace: { id: `ws-${down}`, name: down }, sourceable: { id: 'ws-up', name: 'network' } })
const downRun = (id: string, over: Record<string, unknown> = {}) =>
  runResource({ id, status: 'planned', source: 'tfe-run-trigger', createdAt: later, message: `Triggered from ${upRun}`, ...over })

describe('findTriggeredRuns', () => {
  it('lists the outbound triggers, then each downstream workspace’s run-trigger runs, and links one run per workspace', async () => {
    const asked: string[] = []
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(q => (asked.push(String(q['filter[run-trigger][type]'])), true))
      .reply(200, listDocument([trigger('platform'), trigger('apps')], 1, 100))
      .get('/api/v2/workspaces/ws-platform/runs')
      .query(q => q['filter[source]'] === 'tfe-run-trigger')
      .reply(
        200,
        listDocument([downRun('run-PlatformRun00002'), downRun('run-Older'.padEnd(20, '0'), { createdAt: '2026-12-01T09:00:00Z' })], 1, 20)
      )
      .get('/api/v2/workspaces/ws-apps/runs')
      .query(true)
      .reply(200, listDocument([], 1, 20))
    const { step: s, client } = step()
    const found = await findTriggeredRuns(
      s,
      { runId: upRun, workspaceId: 'ws-up', appliedAt: Date.parse(appliedAt) },
      1,
      AbortSignal.timeout(5_000)
    )
    client.dispose()
    expect(asked).toEqual(['outbound'])
    expect(found).toEqual([
      {
        workspace: 'acme/platform',
        workspaceId: 'ws-platform',
        runId: 'run-PlatformRun00002',
        status: 'planned',
        url: `${host}/app/acme/workspaces/platform/runs/run-PlatformRun00002`,
        depth: 1
      }
    ])
  })

  it('skips malformed run trigger and run entries instead of failing on them', async () => {
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .reply(200, { data: [null, { id: 'rt-x' }, { id: 'rt-y', relationships: { workspace: 'ws-z' } }, trigger('platform')] })
      .get('/api/v2/workspaces/ws-platform/runs')
      .query(true)
      .reply(200, { data: [7, { id: 'run-noattributes' }, { attributes: {} }, downRun('run-PlatformRun00002')], included: 'nope' })
    const { step: s, client } = step()
    const found = await findTriggeredRuns(
      s,
      { runId: upRun, workspaceId: 'ws-up', appliedAt: Date.parse(appliedAt) },
      1,
      AbortSignal.timeout(5_000)
    )
    client.dispose()
    expect(found.map(f => f.runId)).toEqual(['run-PlatformRun00002'])
    expect(stepFacts(out.text()).warnings).toHaveLength(1)
  })

  it('reads at most its page bound of an outbound list whose next-page never ends', async () => {
    let pages = 0
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .times(MaxRunTriggerPages + 3)
      .reply(uri => {
        pages++
        const page = Number(new URL(uri, host).searchParams.get('page[number]'))
        return [200, { data: [], meta: { pagination: { 'next-page': page + 1, 'total-count': 1e9 } } }]
      })
    const { step: s, client } = step()
    const found = await findTriggeredRuns(
      s,
      { runId: upRun, workspaceId: 'ws-up', appliedAt: Date.parse(appliedAt) },
      1,
      AbortSignal.timeout(5_000)
    )
    client.dispose()
    expect([pages, found]).toEqual([MaxRunTriggerPages, []])
    expect(stepFacts(out.text()).warnings).toHaveLength(1)
  })

  it('a downstream workspace that answers 404 is a warning and the others are still read', async () => {
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .reply(200, listDocument([trigger('gone'), trigger('platform')], 1, 100))
      .get('/api/v2/workspaces/ws-gone/runs')
      .query(true)
      .reply(404, { errors: [{ status: '404', title: 'not found' }] })
      .get('/api/v2/workspaces/ws-platform/runs')
      .query(true)
      .reply(200, listDocument([downRun('run-PlatformRun00002')], 1, 20))
    const { step: s, client } = step()
    const found = await findTriggeredRuns(
      s,
      { runId: upRun, workspaceId: 'ws-up', appliedAt: Date.parse(appliedAt) },
      1,
      AbortSignal.timeout(5_000)
    )
    client.dispose()
    expect(found.map(f => f.runId)).toEqual(['run-PlatformRun00002'])
    const [warning] = stepFacts(out.text()).warnings
    expect([warning?.statuses, warning?.workspaces]).toEqual([[404], ['acme/gone']])
  })

  it('reads the commit of a run from its included ingress attributes', async () => {
    const run = runResource({
      id: 'run-VcsRun0000000001',
      status: 'planned',
      source: 'tfe-configuration-version',
      configurationVersionId: 'cv-1'
    })
    nock(host)
      .get('/api/v2/workspaces/ws-up/runs')
      .query(q => q['search[commit]'] === 'a'.repeat(40) && q.include === 'configuration_version.ingress_attributes')
      .reply(200, {
        ...listDocument([run], 1, 20),
        included: [
          {
            id: 'cv-1',
            type: 'configuration-versions',
            attributes: {},
            relationships: { 'ingress-attributes': { data: { id: 'ia-1', type: 'ingress-attributes' } } }
          },
          { id: 'ia-1', type: 'ingress-attributes', attributes: { 'commit-sha': 'a'.repeat(40) } }
        ]
      })
    const { client } = step()
    const [listed] = await listWorkspaceRuns(client, 'ws-up', { commit: 'a'.repeat(40), withIngress: true }, AbortSignal.timeout(5_000))
    client.dispose()
    expect([listed?.id, listed?.source, listed?.commitSha]).toEqual(['run-VcsRun0000000001', 'tfe-configuration-version', 'a'.repeat(40)])
  })
})

describe('afterRunEnded', () => {
  const applied = { action: 'succeed', end: 'applied' } as const
  const upstream = { id: upRun, status: 'applied', timestamps: { 'applied-at': appliedAt } } as unknown as Run // the fields afterRunEnded reads

  it('a run trigger list that keeps failing is one warning; the step’s success stands, with no triggered runs', async () => {
    resetOptionalWarnings()
    nock(host)
      .get('/api/v2/workspaces/ws-up/run-triggers')
      .query(true)
      .times(5)
      .reply(500, { errors: [{ status: '500', title: 'oops' }] })
    const { step: s, client } = step({ followTriggeredRuns: true })
    const outcome = s.outcome(true, 'applied')
    const after: Outcome = await afterRunEnded(s, outcome, applied, upstream, AbortSignal.timeout(10_000))
    client.dispose()
    expect([after.success, after.triggeredRuns]).toEqual([true, []])
    expect(stepFacts(out.text()).warnings).toHaveLength(1)
  })

  it('does not look for triggered runs after a run that did not apply', async () => {
    const { step: s, client } = step()
    const outcome = s.outcome(true, 'finished')
    const after = await afterRunEnded(s, outcome, { action: 'succeed', end: 'no-changes' }, upstream, AbortSignal.timeout(1_000))
    client.dispose()
    expect(after).toBe(outcome)
    expect(nock.pendingMocks()).toEqual([])
  })
})
