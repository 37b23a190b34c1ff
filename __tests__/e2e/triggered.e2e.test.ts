/**
 * Runs HCP Terraform queued itself, end to end (the bundle against the stand-in): the runs an
 * apply's run triggers queued, reported and followed; and adopting a VCS or trigger run instead
 * of queueing a duplicate, including the post step and the stops around an adopted run.
 */
import { describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep, waitFor } from '../helpers/action-runner.ts'
import { only, stepFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 150, applyMs: 150, applyQueueMs: 20, processingMs: 30 }
const fixture = useStandIn('ws-t', { defaultTimings: fast })
const { workspace, inputs } = fixture
/** The runner's GITHUB_SHA in action-runner.ts. */
const Sha = '0123456789abcdef0123456789abcdef01234567'
const changes = { changes: { add: 1, change: 0, destroy: 0 } }

const runsOf = (wsId: string) => fixture.server.runsOf(wsId)
const requests = (method: string, path: RegExp): string[] =>
  fixture.server.requests.filter(q => q.method === method && path.test(q.path)).map(q => q.path)
const url = (name: string, runId: string): string => `${fixture.server.url}/app/demo-org/workspaces/${name}/runs/${runId}`
const triggered = (outputs: Record<string, string>): { workspace: string; run_id: string; status: string; url: string; depth: number }[] =>
  JSON.parse(outputs.triggered_runs ?? 'null')

/** up → down (and optionally down → leaf), each triggered run held at planned unless the spec says otherwise. */
function chain(down: Record<string, unknown> = {}, leaf?: Record<string, unknown>) {
  const up = workspace(changes)
  const mid = workspace({ ...changes, ...down })
  fixture.server.addRunTrigger(mid.id, up.id)
  const end = leaf ? workspace({ ...changes, ...leaf }) : undefined
  if (end) fixture.server.addRunTrigger(end.id, mid.id)
  return { up, down: mid, leaf: end }
}

describe('runs queued by run triggers', () => {
  it('reports the run a run trigger queued after the apply, and leaves it to its workspace', async () => {
    const { up, down } = chain()
    const r = await runStep({ inputs: inputs(up.name) })
    expect(r.code).toBe(0)
    const [downRun] = runsOf(down.id)
    expect(downRun?.source).toBe('tfe-run-trigger')
    expect(triggered(r.outputs)).toEqual([
      { workspace: `demo-org/${down.name}`, run_id: downRun?.id, status: expect.any(String), url: url(down.name, downRun!.id), depth: 1 }
    ])
    expect(
      requests('GET', new RegExp(`^/api/v2/workspaces/${up.id}/run-triggers\\?filter%5Brun-trigger%5D%5Btype%5D=outbound`))
    ).toHaveLength(1)
    // Reported, not touched: no confirmation, and it waits for its workspace's person.
    await waitFor(() => downRun?.confirmable === true, 10_000, 'the triggered run to plan')
    expect(requests('POST', new RegExp(`/runs/${downRun?.id}/actions/`))).toEqual([])
    const notice = only(stepFacts(r.stdout).notices)
    expect(notice.runIds).toEqual([downRun?.id])
    expect(r.summary).toContain(downRun!.id)
    expect(r.outputs.adopted).toBe('false')
  })

  it.each([
    ['a plan-only run', { operation: 'plan' }, {}, 0, 0],
    // An apply's run triggers are read while it plans (the fleet's quietest stretch), not after it.
    ['a run whose apply fails', { retry: 'false' }, { failApplies: 1 }, 1, 1]
  ])('finds nothing after %s, and does not look for runs downstream', async (_, extra, upSpec, code, triggerReads) => {
    const up = workspace({ ...changes, ...upSpec })
    const down = workspace(changes)
    fixture.server.addRunTrigger(down.id, up.id)
    const r = await runStep({ inputs: inputs(up.name, extra) })
    expect([r.code, triggered(r.outputs), runsOf(down.id)]).toEqual([code, [], []])
    expect(requests('GET', new RegExp(`^/api/v2/workspaces/${up.id}/run-triggers`))).toHaveLength(triggerReads)
    expect(requests('GET', new RegExp(`^/api/v2/workspaces/${down.id}/runs`))).toEqual([])
  })

  it('follows a triggered run to applied, confirming it as the step confirms its own', async () => {
    const { up, down } = chain()
    const r = await runStep({ inputs: inputs(up.name, { follow_triggered_runs: 'true' }) })
    expect(r.code).toBe(0)
    const [downRun] = runsOf(down.id)
    expect(downRun?.status).toBe('applied')
    expect(requests('POST', new RegExp(`/runs/${downRun?.id}/actions/apply`))).toHaveLength(1)
    expect(triggered(r.outputs)).toEqual([expect.objectContaining({ run_id: downRun?.id, status: 'applied', depth: 1 })])
  })

  it('fails the step when a followed triggered run errors, naming that run', async () => {
    const { up, down } = chain({ failPlans: 1 })
    const r = await runStep({ inputs: inputs(up.name, { follow_triggered_runs: 'true' }) })
    const [downRun] = runsOf(down.id)
    expect([r.code, r.outputs.status, downRun?.status]).toEqual([1, 'applied', 'errored'])
    const error = only(stepFacts(r.stdout).errors)
    expect(error.runIds).toContain(downRun?.id)
    expect(error.urls).toContain(url(down.name, downRun!.id))
    expect(triggered(r.outputs)).toEqual([expect.objectContaining({ run_id: downRun?.id, status: 'errored' })])
  })

  it.each([
    [1, ['applied', 'planned']],
    [2, ['applied', 'applied']]
  ])('follows transitive triggers to the depth asked (%i)', async (depth, statuses) => {
    const { up, down, leaf } = chain({}, {})
    const r = await runStep({ inputs: inputs(up.name, { follow_triggered_runs: 'true', triggered_runs_depth: String(depth) }) })
    expect(r.code).toBe(0)
    const [downRun] = runsOf(down.id)
    await waitFor(() => runsOf(leaf!.id)[0]?.confirmable === true || runsOf(leaf!.id)[0]?.status === 'applied', 10_000, 'the leaf run')
    const [leafRun] = runsOf(leaf!.id)
    expect([downRun?.status, leafRun?.status]).toEqual(statuses)
    expect(triggered(r.outputs).map(t => [t.run_id, t.depth])).toEqual(
      depth === 1
        ? [[downRun?.id, 1]]
        : [
            [downRun?.id, 1],
            [leafRun?.id, 2]
          ]
    )
  })

  it('with manual_confirm, waits for a person to confirm a triggered run and says where', async () => {
    const { up, down } = chain()
    const r = await runStep({
      inputs: inputs(up.name, { follow_triggered_runs: 'true', manual_confirm: 'true' }),
      onSpawn: child => {
        let out = ''
        child.stdout?.on('data', d => (out += String(d)))
        void waitFor(() => runsOf(up.id)[0]?.confirmable === true, 10_000, 'the upstream plan').then(async () => {
          fixture.server.confirm(runsOf(up.id)[0]!.id)
          await waitFor(() => runsOf(down.id)[0]?.confirmable === true, 10_000, 'the triggered plan')
          // The person confirms once the step has said where it waits.
          const id = runsOf(down.id)[0]!.id
          await waitFor(() => out.split('\n').some(l => l.startsWith('::notice') && l.includes(id)), 10_000, 'the notice')
          fixture.server.confirm(id)
        })
      }
    })
    const [downRun] = runsOf(down.id)
    expect([r.code, downRun?.status]).toEqual([0, 'applied'])
    expect(requests('POST', /\/actions\/apply$/)).not.toContain(`/api/v2/runs/${downRun?.id}/actions/apply`)
    expect(stepFacts(r.stdout).notices.some(n => n.urls.includes(url(down.name, downRun!.id)))).toBe(true)
  })

  it('a downstream workspace that disappears is a warning, not the step’s end', async () => {
    const { up, down } = chain()
    // The workspace goes, its run trigger stays listed (as a deletion racing the list would leave it).
    fixture.server.workspaces.delete(down.id)
    const r = await runStep({ inputs: inputs(up.name, { follow_triggered_runs: 'true' }) })
    expect([r.code, r.outputs.status, triggered(r.outputs)]).toEqual([0, 'applied', []])
    expect(stepFacts(r.stdout).warnings.some(w => w.statuses.includes(404))).toBe(true)
  })
})

describe('adopting a run HCP Terraform queued', () => {
  it('adopts the VCS run of this commit instead of queueing one, and follows it to applied', async () => {
    const ws = workspace({ ...changes, vcsRepo: { identifier: 'acme/infra', branch: 'main' } })
    const vcs = fixture.server.queueVcsRun(ws.id, Sha)
    const r = await runStep({ inputs: inputs(ws.name, { adopt_queued_run: 'true' }) })
    expect(r.code).toBe(0)
    expect([r.outputs.run_id, r.outputs.run_ids, r.outputs.adopted, r.outputs.status]).toEqual([
      vcs.id,
      JSON.stringify([vcs.id]),
      'true',
      'applied'
    ])
    expect(requests('GET', new RegExp(`^/api/v2/workspaces/${ws.id}/runs\\?.*search%5Bcommit%5D=${Sha}`))).toHaveLength(1)
    expect(only(stepFacts(r.stdout).notices, n => n.runIds.includes(vcs.id)).urls).toEqual([url(ws.name, vcs.id)])
    expect(runsOf(ws.id)).toHaveLength(1)
  })

  it('adopts a run a run trigger queued', async () => {
    const { up, down } = chain()
    const first = await runStep({ inputs: inputs(up.name) })
    expect(first.code).toBe(0)
    const [held] = runsOf(down.id)
    const r = await runStep({ inputs: inputs(down.name, { adopt_queued_run: 'true' }) })
    expect([r.code, r.outputs.run_id, r.outputs.adopted, held?.status]).toEqual([0, held?.id, 'true', 'applied'])
    expect(runsOf(down.id)).toHaveLength(1)
  })

  it.each([
    ['another commit’s run', (id: string) => fixture.server.queueVcsRun(id, 'f'.repeat(40))],
    ['a speculative plan', (id: string) => fixture.server.queueVcsRun(id, Sha, true)]
  ])('never adopts %s: it queues its own', async (_, queue) => {
    const ws = workspace({ ...changes, autoApply: true, vcsRepo: { identifier: 'acme/infra', branch: 'main' } })
    const other = queue(ws.id)
    const r = await runStep({ inputs: inputs(ws.name, { adopt_queued_run: 'true' }) })
    expect([r.code, r.outputs.adopted]).toEqual([0, 'false'])
    expect(r.outputs.run_id).not.toBe(other.id)
    expect(
      runsOf(ws.id)
        .filter(x => x.source === 'tfe-api')
        .map(x => x.id)
    ).toEqual([r.outputs.run_id])
    expect(JSON.parse(r.outputs.run_ids ?? '[]')).not.toContain(other.id)
  })

  it('never adopts a run someone already confirmed', async () => {
    const ws = workspace({ ...changes, vcsRepo: { identifier: 'acme/infra', branch: 'main' }, timings: { applyMs: 600 } })
    const vcs = fixture.server.queueVcsRun(ws.id, Sha)
    await waitFor(() => vcs.confirmable, 10_000, 'the VCS plan')
    fixture.server.confirm(vcs.id)
    const r = await runStep({ inputs: inputs(ws.name, { adopt_queued_run: 'true' }) })
    expect([r.code, r.outputs.adopted]).toEqual([0, 'false'])
    expect(r.outputs.run_id).not.toBe(vcs.id)
    expect(requests('POST', new RegExp(`/runs/${vcs.id}/actions/`))).toEqual([])
  })

  it('with wait_for_run false, adopts the run and returns without touching it', async () => {
    const ws = workspace({ ...changes, vcsRepo: { identifier: 'acme/infra', branch: 'main' } })
    const vcs = fixture.server.queueVcsRun(ws.id, Sha)
    const r = await runStep({ inputs: inputs(ws.name, { adopt_queued_run: 'true', wait_for_run: 'false' }) })
    expect([r.code, r.outputs.run_id, r.outputs.adopted]).toEqual([0, vcs.id, 'true'])
    expect(runsOf(ws.id).map(x => x.id)).toEqual([vcs.id])
    expect(requests('POST', new RegExp(`/runs/${vcs.id}/actions/`))).toEqual([])
    expect(r.state.active_run_id ?? '').toBe('')
  })

  it('guarantee: never cancels a run it did not queue — an adopted run is left as it is on timeout_minutes, and stopped when the job is cancelled', async () => {
    const slow = { ...changes, vcsRepo: { identifier: 'acme/infra', branch: 'main' }, timings: { planMs: 3_000 } }
    const timedOut = workspace(slow)
    const a = fixture.server.queueVcsRun(timedOut.id, Sha)
    const r = await runStep({ inputs: inputs(timedOut.name, { adopt_queued_run: 'true', timeout_minutes: '0.02' }) })
    expect([r.code, r.outputs.adopted, r.outputs.run_id]).toEqual([1, 'true', a.id])
    expect(requests('POST', new RegExp(`/runs/${a.id}/actions/`))).toEqual([])
    expect(['discarded', 'canceled']).not.toContain(a.status)

    const cancelled = workspace(slow)
    const b = fixture.server.queueVcsRun(cancelled.id, Sha)
    const c = await runStep({
      inputs: inputs(cancelled.name, { adopt_queued_run: 'true' }),
      onSpawn: child => {
        void waitFor(() => requests('GET', new RegExp(`^/api/v2/runs/${b.id}`)).length > 0, 10_000, 'the adopted run followed').then(() =>
          child.kill('SIGINT')
        )
      }
    })
    expect(c.code).toBe(1)
    await waitFor(() => b.status === 'canceled' || b.status === 'discarded', 5_000, 'the adopted run stopped')
  })

  it('the post step knows an adopted run: it leaves it after a timeout, and stops it after a cancel', async () => {
    const spec = { ...changes, vcsRepo: { identifier: 'acme/infra', branch: 'main' }, timings: { planMs: 5_000 } }
    for (const [reason, stopped] of [
      ['timeout', false],
      ['cancelled', true]
    ] as const) {
      const ws = workspace(spec)
      const run = fixture.server.queueVcsRun(ws.id, Sha)
      await waitFor(() => run.status === 'planning', 5_000, 'planning')
      const state = {
        isPost: 'true',
        active_run_id: run.id,
        active_run_url: url(ws.name, run.id),
        adopted_run: 'true',
        stop_reason: reason
      }
      const post = await runStep({ inputs: inputs(ws.name, { adopt_queued_run: 'true' }), state })
      expect(post.code).toBe(0)
      expect([reason, requests('POST', new RegExp(`/runs/${run.id}/actions/`)).length > 0]).toEqual([reason, stopped])
      expect([reason, only(stepFacts(post.stdout).warnings).runIds]).toEqual([reason, [run.id]])
      fixture.server.cancel(run.id)
    }
  })
})
