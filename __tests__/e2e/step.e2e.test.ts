/**
 * End to end: the bundled dist/index.js, run as the GitHub runner runs it, against the stand-in
 * over real HTTP. Each test owns a workspace; the stand-in plays HCP Terraform and the "humans".
 */
import { describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep, waitFor } from '../helpers/action-runner.ts'

const fast = { queueMs: 20, planMs: 150, applyMs: 150, applyQueueMs: 20, policyMs: 50, costEstimateMs: 50 }
const fixture = useStandIn('ws-e2e', { defaultTimings: fast, tokens: { 'test-token': '*', 'other-org-token': ['other-org'] } })
const { workspace, inputs } = fixture

describe('the bundled action against the stand-in', () => {
  it('applies, confirms, and passes non-sensitive outputs on; the sensitive one appears nowhere', async () => {
    const ws = workspace({
      changes: { add: 3, change: 1, destroy: 0 },
      outputs: {
        vpc_id: { value: 'vpc-0a1b' },
        subnets: { value: ['a', 'b'] },
        db_password: { value: 'hunter2-very-secret', sensitive: true }
      }
    })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({
      status: 'applied',
      workspace_id: ws.id,
      has_changes: 'true',
      attempts: '1',
      resource_additions: '3',
      resource_changes: '1',
      resource_destructions: '0'
    })
    expect(JSON.parse(r.outputs.workspace_outputs as string)).toEqual({ vpc_id: 'vpc-0a1b', subnets: ['a', 'b'] })
    expect(r.outputs.run_url).toBe(`${fixture.server.url}/app/demo-org/workspaces/${ws.name}/runs/${r.outputs.run_id}`)
    expect(JSON.parse(r.outputs.run_ids as string)).toEqual([r.outputs.run_id])
    const runs = fixture.server.runsOf(ws.id)
    expect(runs).toHaveLength(1)
    expect(runs[0]?.autoApply).toBe(false)
    expect(runs[0]?.message).toMatch(/^Apply queued by GitHub Actions: acme\/infra, workflow "deploy" run #17, commit 0123456/)
    for (const text of [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)]) expect(text).not.toContain('hunter2')
    expect(r.summary).toContain('Terraform apply: demo-org/')
    expect(r.summary).toMatch(/<th>Status<\/th><td>✅ <code>applied<\/code>/)
    expect(r.summary).toMatch(/<th>Resources<\/th><td>\+3 ~1 -0/)
    expect(r.summary).toContain(`href="${r.outputs.run_url}"`)
    expect(r.state.active_run_id).toBe('')
  })

  it('destroys: is-destroy run, destroyed count, no outputs', async () => {
    const ws = workspace({ resources: 4, outputs: { a: { value: 1 } } })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'destroy' }) })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({ status: 'applied', resource_destructions: '4', workspace_outputs: '{}' })
    expect(fixture.server.runsOf(ws.id)[0]?.isDestroy).toBe(true)
    expect(fixture.server.workspaces.get(ws.id)?.resources).toBe(0)
  })

  it('runs a plan-only run that ends planned_and_finished with the plan counts', async () => {
    const ws = workspace({ changes: { add: 2, change: 0, destroy: 1 } })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({
      status: 'planned_and_finished',
      has_changes: 'true',
      resource_additions: '2',
      resource_destructions: '1'
    })
    expect(fixture.server.runsOf(ws.id)[0]?.planOnly).toBe(true)
    expect(fixture.server.requests.filter(q => q.path.includes(`/runs/${r.outputs.run_id}/actions/`))).toHaveLength(0)
  })

  it('ends successfully with no changes and applies nothing', async () => {
    const ws = workspace({ changes: { add: 0, change: 0, destroy: 0 } })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({ status: 'planned_and_finished', has_changes: 'false' })
    expect(fixture.server.workspaces.get(ws.id)?.appliesSeen).toBe(0)
  })

  it('retries a run that errored in its plan after retry_backoff_min seconds', async () => {
    const ws = workspace({ failPlans: 2 })
    const r = await runStep({ inputs: inputs(ws.name, { retry_backoff_min: '0.3', retry_backoff_max: '0.4' }) })
    expect(r.code).toBe(0)
    expect(r.outputs.attempts).toBe('3')
    const ids = JSON.parse(r.outputs.run_ids as string) as string[]
    expect(ids).toHaveLength(3)
    expect(ids.map(id => fixture.server.runs.get(id)?.status)).toEqual(['errored', 'errored', 'applied'])
    expect(r.stdout).toMatch(
      /::warning::Run run-\w+ errored during plan \(Error: Reference to undeclared resource, main.tf line 12\): .* Queueing run 2 of 4 in 0.3 s/
    )
    expect(r.stdout).toMatch(/Queueing run 3 of 4 in 0.4 s/)
  })

  it('fails with the run URL when every run errors, and says it gave up', async () => {
    const ws = workspace({ failApplies: 5 })
    const r = await runStep({ inputs: inputs(ws.name, { retry_attempts: '1', retry_backoff_min: '0.1' }) })
    expect(r.code).toBe(1)
    expect(r.outputs).toMatchObject({ status: 'errored', attempts: '2' })
    expect(r.stdout).toMatch(
      /::error::Run run-\w+ errored during apply \(Error: creating EC2 Instance: InsufficientInstanceCapacity\): http:\/\/127.0.0.1:\d+\/app\/demo-org\/workspaces\/ws-e2e-\d+\/runs\/run-\w+ Gave up after 2 runs \(retry_attempts: 1\)/
    )
    expect(r.summary).toMatch(/❌/)
  })

  it('with manual_confirm waits for a person to confirm', async () => {
    const ws = workspace()
    let confirmed = false
    const done = runStep({ inputs: inputs(ws.name, { manual_confirm: 'true' }) })
    await waitFor(() => fixture.server.runsOf(ws.id)[0]?.confirmable === true, 10_000, 'a confirmable run')
    await new Promise(r => setTimeout(r, 1500))
    expect(fixture.server.runsOf(ws.id)[0]?.status).toBe('planned')
    confirmed = fixture.server.confirm(fixture.server.runsOf(ws.id)[0]?.id as string)
    const r = await done
    expect(confirmed).toBe(true)
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(r.stdout).toMatch(/::notice::Run run-\w+ is waiting for a person to confirm it/)
  })

  it('waits for a policy override even with manual_confirm false, then confirms itself', async () => {
    const ws = workspace({ policy: 'soft-fail', costEstimation: true })
    const done = runStep({ inputs: inputs(ws.name) })
    await waitFor(() => fixture.server.runsOf(ws.id)[0]?.status === 'policy_override', 10_000, 'policy_override')
    await new Promise(r => setTimeout(r, 1200))
    fixture.server.overridePolicy(fixture.server.runsOf(ws.id)[0]?.id as string)
    const r = await done
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(r.stdout).toMatch(/::notice::Run run-\w+: a soft-mandatory policy failed. Someone allowed to override policies must override it/)
  })

  it('fails on a hard-mandatory policy failure without retrying', async () => {
    const ws = workspace({ policy: 'hard-fail' })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(1)
    expect(r.outputs.attempts).toBe('1')
    expect(r.stdout).toMatch(/hard-mandatory policy/)
  })

  it('with wait_for_run false queues an auto-apply run and returns at once', async () => {
    const ws = workspace({ timings: { planMs: 1500 } })
    const r = await runStep({ inputs: inputs(ws.name, { wait_for_run: 'false' }) })
    expect(r.code).toBe(0)
    const run = fixture.server.runs.get(r.outputs.run_id as string)
    expect(run?.autoApply).toBe(true)
    expect(['pending', 'plan_queued', 'planning']).toContain(r.outputs.status)
    expect(r.state.active_run_id ?? '').toBe('')
    await waitFor(() => run?.status === 'applied', 10_000, 'the run to apply by itself')
  })

  it('waits behind another run on the workspace, says so, and goes on when it ends', async () => {
    const ws = workspace()
    const blocker = await fetch(`${fixture.server.url}/api/v2/runs`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/vnd.api+json' },
      body: JSON.stringify({
        data: { type: 'runs', attributes: { message: 'someone else' }, relationships: { workspace: { data: { id: ws.id } } } }
      })
    }).then(res => res.json() as Promise<{ data: { id: string } }>)
    const done = runStep({ inputs: inputs(ws.name) })
    await waitFor(
      () => fixture.server.requests.some(q => q.path === `/api/v2/workspaces/${ws.id}` && q.method === 'GET'),
      20_000,
      'the queue check'
    )
    fixture.server.discard(blocker.data.id)
    const r = await done
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`is pending after \\d+ s: waiting for run ${blocker.data.id} to finish`))
  }, 40_000)

  it('says the workspace is locked, waits pending, and goes on once it is unlocked', async () => {
    const ws = workspace()
    fixture.server.lock(ws.id, 'user-AliceAliceAlice1', 'maintenance window')
    const done = runStep({ inputs: inputs(ws.name) })
    await waitFor(() => fixture.server.runsOf(ws.id).length === 1, 10_000, 'the run')
    await new Promise(r => setTimeout(r, 1500))
    expect(fixture.server.runsOf(ws.id)[0]?.status).toBe('pending')
    fixture.server.unlock(ws.id)
    const r = await done
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(r.stdout).toMatch(
      /::notice::Workspace demo-org\/ws-e2e-\d+ is locked \(maintenance window\): the run will stay pending until it is unlocked/
    )
  })

  it('times out, discards the run it queued, and fails with its URL', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { manual_confirm: 'true', timeout_minutes: '0.05' }) })
    expect(r.code).toBe(1)
    const run = fixture.server.runs.get(r.outputs.run_id as string)
    expect(run?.status).toBe('discarded')
    expect(r.stdout).toMatch(/::error::Timed out after 3 s \(input 'timeout_minutes'\) while run run-\w+ was 'planned'; it was discarded/)
    // The status output is where the run ended after the stop, not the last status polled.
    expect(r.outputs.status).toBe('discarded')
    expect(r.state.active_run_id).toBe('')
  })

  it('on a cancelled job (SIGINT) cancels the run while it applies', async () => {
    const ws = workspace({ timings: { applyMs: 5000 } })
    const r = await runStep({
      inputs: inputs(ws.name),
      onSpawn: child => {
        void waitFor(() => fixture.server.runsOf(ws.id)[0]?.status === 'applying', 10_000, 'applying').then(() => child.kill('SIGINT'))
      }
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/The job was cancelled while run run-\w+ was 'applying'; a cancel was requested/)
    await waitFor(() => fixture.server.runsOf(ws.id)[0]?.status === 'canceled', 5000, 'canceled')
    expect(r.state.active_run_id).toBe('')
  })

  it('the post step stops the run when the main step was killed outright', async () => {
    const ws = workspace()
    const inp = inputs(ws.name, { manual_confirm: 'true' })
    const main = await runStep({
      inputs: inp,
      onSpawn: child => {
        void waitFor(() => fixture.server.runsOf(ws.id)[0]?.confirmable === true, 10_000, 'confirmable').then(() => child.kill('SIGKILL'))
      }
    })
    expect(main.signal).toBe('SIGKILL')
    const runId = fixture.server.runsOf(ws.id)[0]?.id as string
    expect(main.state.active_run_id).toBe(runId)
    const post = await runStep({ inputs: inp, state: main.state })
    expect(post.code).toBe(0)
    expect(post.stdout).toMatch(new RegExp(`::warning::Run ${runId}\\b`))
    expect(post.stdout).toContain(`${fixture.server.url}/app/demo-org/workspaces/${ws.name}/runs/${runId}`)
    expect(fixture.server.runs.get(runId)?.status).toBe('discarded')
    const again = await runStep({ inputs: inp, state: main.state })
    expect(again.stdout).toMatch(/it had already ended \('discarded'\)/)
  })

  it('guarantee: never cancels an apply unless the job was cancelled or timed out with cancel_on_abort — a main step killed without a word (a crash) leaves its apply to finish', async () => {
    const ws = workspace({ timings: { applyMs: 2_500 } })
    const inp = inputs(ws.name)
    const main = await runStep({
      inputs: inp,
      onSpawn: child => {
        void waitFor(() => fixture.server.runsOf(ws.id)[0]?.status === 'applying', 10_000, 'applying').then(() => child.kill('SIGKILL'))
      }
    })
    expect(main.signal).toBe('SIGKILL')
    const runId = fixture.server.runsOf(ws.id)[0]?.id as string
    expect(main.state.active_run_id).toBe(runId)
    expect(main.state.stop_reason ?? '').toBe('')
    const post = await runStep({ inputs: inp, state: main.state })
    expect(post.code).toBe(0)
    // Said with the run's URL, as a warning, and nothing sent to stop it.
    expect(post.stdout).toMatch(
      new RegExp(`::warning::Run ${runId}\\b.*${fixture.server.url}/app/demo-org/workspaces/${ws.name}/runs/${runId}`)
    )
    expect(
      fixture.server.requests.filter(
        q => q.method === 'POST' && q.path.startsWith(`/api/v2/runs/${runId}/`) && /\/actions\/(discard|cancel|force-cancel)$/.test(q.path)
      )
    ).toEqual([])
    await waitFor(() => fixture.server.runs.get(runId)?.status === 'applied', 10_000, 'applied')
  })

  it('the post step finds and stops a run whose creation the killed main step never saw', async () => {
    const ws = workspace()
    const inp = inputs(ws.name, { manual_confirm: 'true' })
    fixture.server.injectFault({ method: 'POST', path: /^\/api\/v2\/runs$/, kind: 'slow', delayMs: 1500, times: 1 })
    const posted = (): boolean => fixture.server.requests.some(q => q.method === 'POST' && q.path === '/api/v2/runs' && q.fault === 'slow')
    const main = await runStep({
      inputs: inp,
      onSpawn: child => {
        void waitFor(posted, 10_000, 'the create request').then(() => setTimeout(() => child.kill('SIGKILL'), 200))
      }
    })
    expect(main.signal).toBe('SIGKILL')
    expect(main.state.active_run_id ?? '').toBe('')
    expect(main.state.queueing_marker).toMatch(/^\[tfe-workspace-run .+\.1\]$/)
    const post = await runStep({ inputs: inp, state: main.state })
    const runs = fixture.server.runsOf(ws.id)
    expect(runs).toHaveLength(1)
    expect(post.stdout).toMatch(new RegExp(`::warning::Run ${runs[0]?.id} was left in progress .*: it was discarded`))
    expect(post.stdout).toContain(`${fixture.server.url}/app/demo-org/workspaces/${ws.name}/runs/${runs[0]?.id}`)
    expect(runs[0]?.status).toBe('discarded')
  })

  it('the post step does nothing after a main step that finished', async () => {
    const ws = workspace()
    const main = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    const before = fixture.server.requests.length
    const post = await runStep({ inputs: inputs(ws.name), state: main.state })
    expect(post.code).toBe(0)
    expect(fixture.server.requests.length).toBe(before)
  })

  it('treats destroy on a workspace that never had configuration as a no-op', async () => {
    const ws = workspace({ hasConfiguration: false })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'destroy' }) })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/::notice::.*never had a configuration version, so there is nothing to destroy/)
    expect(r.outputs).toMatchObject({ run_id: '', attempts: '0', status: '' })
  })

  it('refuses bad input before sending any request, naming the input', async () => {
    const before = fixture.server.requests.length
    const r = await runStep({ inputs: inputs('x', { operation: 'deploy' }) })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/::error::Input 'operation': 'deploy' is not one of: apply, destroy, plan/)
    expect(fixture.server.requests.length).toBe(before)
  })

  it('explains a rejected token (401)', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { token: 'expired-token' }) })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/::error::127.0.0.1:\d+ rejected the token \(401 Unauthorized\).*Check the 'token' input/)
    expect(r.stdout.replace(/::add-mask::.*\n/, '')).not.toContain('expired-token')
  })

  it('explains a workspace the token cannot see (404)', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { token: 'other-org-token' }) })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /::error::Workspace 'ws-e2e-\d+' in organization 'demo-org' \(inputs 'workspace' and 'organization'\) was not found/
    )
  })

  it('accepts workspace_id and TFE_TOKEN from the environment', async () => {
    const ws = workspace()
    const r = await runStep({
      inputs: { hostname: fixture.server.url, workspace_id: ws.id, operation: 'plan' },
      env: { TFE_TOKEN: 'test-token' }
    })
    expect(r.code).toBe(0)
    expect(r.outputs.workspace_id).toBe(ws.id)
  })
})
