/**
 * End to end: the bundled dist/index.js, run as the GitHub runner runs it, against the stand-in
 * over real HTTP. Each test owns a workspace; the stand-in plays HCP Terraform and the "humans".
 */
import { describe, expect, it } from '@jest/globals'
import { StandInText, useStandIn } from '../helpers/stand-in.ts'
import { runStep, waitFor } from '../helpers/action-runner.ts'
import { kinds, lineFacts, only, stepFacts, summaryFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 150, applyMs: 150, applyQueueMs: 20, policyMs: 50, costEstimateMs: 50 }
const fixture = useStandIn('ws-e2e', { defaultTimings: fast, tokens: { 'test-token': '*', 'other-org-token': ['other-org'] } })
const { workspace, inputs } = fixture
/** The run's page on the stand-in, as the step links it. */
const runUrl = (ws: { name: string }, runId: string | undefined): string =>
  `${fixture.server.url}/app/demo-org/workspaces/${ws.name}/runs/${runId}`
/** The stop requests (discard, cancel, force-cancel) the stand-in saw for a run. */
const stopRequests = (runId: string): string[] =>
  fixture.server.requests
    .filter(
      q => q.method === 'POST' && q.path.startsWith(`/api/v2/runs/${runId}/`) && /\/actions\/(discard|cancel|force-cancel)$/.test(q.path)
    )
    .map(q => q.path)

describe('the bundled action against the stand-in', () => {
  it('reads the JSON plan and the run triggers while the apply runs: after the run ends, only its state version with the outputs', async () => {
    const ws = workspace({ timings: { ...fast, applyMs: 2500 }, outputs: { vpc_id: { value: 'vpc-1' } } })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    const run = fixture.server.runsOf(ws.id).at(-1)
    const endedAt = (run?.terminalAt ?? NaN) + performance.timeOrigin
    const mine = fixture.server.requests.filter(
      q => q.path.includes(ws.id) || q.path.includes(run?.id ?? '?') || q.path.includes(run?.plan.id ?? '?')
    )
    const after = mine.filter(q => q.at > endedAt).map(q => q.path.split('?')[0] ?? '')
    // The read that sees the run applied, and the state version; nothing else waits for the run's end.
    expect(after.filter(p => !p.startsWith(`/api/v2/runs/${run?.id}`))).toEqual([`/api/v2/workspaces/${ws.id}/current-state-version`])
    const before = mine.filter(q => q.at <= endedAt).map(q => q.path.split('?')[0] ?? '')
    expect(before).toContain(`/api/v2/plans/${run?.plan.id}/json-output-redacted`)
    expect(before).toContain(`/api/v2/workspaces/${ws.id}/run-triggers`)
  })

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
    // The run's message names the operation, the repository, the workflow, its run number and the commit.
    expect(runs[0]?.message).toMatch(/^Apply\b.*\bacme\/infra\b.*"deploy".*#17\b.*\b0123456/)
    for (const text of [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)]) expect(text).not.toContain('hunter2')
    // The outputs came with the processed state version, in one request: the outputs endpoint was not asked.
    const stateReads = fixture.server.requests.filter(q => q.path.startsWith(`/api/v2/workspaces/${ws.id}/current-state-version`))
    // (A read may come before the stand-in's 100 ms of processing; the outputs come with the one after.)
    expect(stateReads.length).toBeGreaterThanOrEqual(1)
    expect(new Set(stateReads.map(q => `${q.path.split('?')[0]} ${q.status}`))).toEqual(
      new Set([`/api/v2/workspaces/${ws.id}/current-state-version 200`])
    )
    const summary = summaryFacts(r.summary)
    expect(summary.heading).toMatch(new RegExp(`^✅ .*\\bapply\\b.*demo-org/${ws.name}$`))
    expect(summary.cells).toMatchObject({
      Workspace: `demo-org/${ws.name}`,
      Run: r.outputs.run_id,
      Operation: 'apply',
      Status: '✅ applied',
      Resources: '+3 ~1 -0'
    })
    expect(summary.links.Run).toEqual([r.outputs.run_url])
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
    // A warning per errored run, with its ID, its URL, its first diagnostic and the wait before the next.
    const facts = stepFacts(r.stdout)
    expect(kinds(facts)).toEqual(['warning', 'warning'])
    expect(facts.warnings.map(w => [w.runIds, w.urls, w.seconds])).toEqual([
      [[ids[0]], [runUrl(ws, ids[0])], [0.3]],
      [[ids[1]], [runUrl(ws, ids[1])], [0.4]]
    ])
    for (const w of facts.warnings) expect(w.text).toContain(`${StandInText.planError}, ${StandInText.planErrorWhere}`)
  })

  it('fails with the run URL when every run errors, and says it gave up', async () => {
    const ws = workspace({ failApplies: 5 })
    const r = await runStep({ inputs: inputs(ws.name, { retry_attempts: '1', retry_backoff_min: '0.1' }) })
    expect(r.code).toBe(1)
    expect(r.outputs).toMatchObject({ status: 'errored', attempts: '2' })
    // One warning for the first run, one error for the last: its ID, URL and diagnostic, and the input that bounded the tries.
    const facts = stepFacts(r.stdout)
    expect(kinds(facts)).toEqual(['warning', 'error'])
    const error = only(facts.errors)
    expect([error.runIds, error.urls, error.inputs]).toEqual([[r.outputs.run_id], [r.outputs.run_url], ['retry_attempts']])
    expect(error.text).toContain(StandInText.applyError)
    expect(summaryFacts(r.summary).cells.Status).toBe('❌ errored')
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
    // One notice, with the run's ID and URL and the input that made it wait.
    const notice = only(stepFacts(r.stdout).annotations)
    expect([notice.kind, notice.runIds, notice.urls, notice.inputs]).toEqual([
      'notice',
      [r.outputs.run_id],
      [r.outputs.run_url],
      ['manual_confirm']
    ])
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
    // One notice, with the run's ID and URL, and no input to blame (manual_confirm is false).
    const notice = only(stepFacts(r.stdout).annotations)
    expect([notice.kind, notice.runIds, notice.urls, notice.inputs]).toEqual(['notice', [r.outputs.run_id], [r.outputs.run_url], []])
    expect(fixture.server.runs.get(r.outputs.run_id as string)?.policyStatus).toBe('overridden')
  })

  it('fails on a hard-mandatory policy failure without retrying', async () => {
    const ws = workspace({ policy: 'hard-fail' })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(1)
    expect(r.outputs.attempts).toBe('1')
    expect(fixture.server.runsOf(ws.id).map(run => [run.status, run.policyStatus])).toEqual([['errored', 'hard_failed']])
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.runIds, error.urls]).toEqual(['error', [r.outputs.run_id], [r.outputs.run_url]])
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
    // Lines name the step's run, pending, and the run it waits behind, with that run's URL.
    const waiting = lineFacts(stepFacts(r.stdout)).filter(l => l.runIds.includes(blocker.data.id))
    expect(waiting.length).toBeGreaterThan(0)
    for (const line of waiting) {
      expect([line.runIds, line.urls]).toEqual([[r.outputs.run_id, blocker.data.id], [runUrl(ws, blocker.data.id)]])
      expect(line.text).toContain('pending')
    }
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
    // One notice naming the workspace and the lock's reason.
    const notice = only(stepFacts(r.stdout).annotations)
    expect([notice.kind, notice.workspaces]).toEqual(['notice', [`demo-org/${ws.name}`]])
    expect(notice.text).toContain('(maintenance window)')
  })

  it('times out, discards the run it queued, and fails with its URL', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { manual_confirm: 'true', timeout_minutes: '0.05' }) })
    expect(r.code).toBe(1)
    const run = fixture.server.runs.get(r.outputs.run_id as string)
    expect(run?.status).toBe('discarded')
    // The error names the input, the time, the run with its URL, where it was and where it ended.
    const error = only(stepFacts(r.stdout).errors)
    expect([error.inputs, error.seconds, error.runIds, error.urls]).toEqual([['timeout_minutes'], [3], [run?.id], [runUrl(ws, run?.id)]])
    expect(error.quoted).toEqual(['timeout_minutes', 'planned', 'discarded'])
    expect(stopRequests(run?.id as string)).toEqual([`/api/v2/runs/${run?.id}/actions/discard`])
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
    const runId = fixture.server.runsOf(ws.id)[0]?.id as string
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.runIds, error.urls, error.inputs]).toEqual(['error', [runId], [runUrl(ws, runId)], []])
    expect(error.quoted[0]).toBe('applying')
    expect(stopRequests(runId)).toEqual([`/api/v2/runs/${runId}/actions/cancel`])
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
    const warning = only(stepFacts(post.stdout).annotations)
    expect([warning.kind, warning.runIds, warning.urls, warning.quoted]).toEqual([
      'warning',
      [runId],
      [runUrl(ws, runId)],
      ['planned', 'discarded']
    ])
    expect(fixture.server.runs.get(runId)?.status).toBe('discarded')
    expect(stopRequests(runId)).toEqual([`/api/v2/runs/${runId}/actions/discard`])
    // Run again on the same state: the run had ended, nothing more is sent to stop it.
    const again = await runStep({ inputs: inp, state: main.state })
    const after = only(stepFacts(again.stdout).annotations)
    expect([after.kind, after.runIds, after.quoted]).toEqual(['warning', [runId], ['discarded', 'discarded']])
    expect(stopRequests(runId)).toHaveLength(1)
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
    const warning = only(stepFacts(post.stdout).annotations)
    expect([warning.kind, warning.runIds, warning.urls]).toEqual(['warning', [runId], [runUrl(ws, runId)]])
    expect(stopRequests(runId)).toEqual([])
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
    const warning = only(stepFacts(post.stdout).annotations)
    expect([warning.kind, warning.runIds, warning.urls, warning.quoted]).toEqual([
      'warning',
      [runs[0]?.id],
      [runUrl(ws, runs[0]?.id)],
      ['planned', 'discarded']
    ])
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
    const notice = only(stepFacts(r.stdout).annotations)
    expect([notice.kind, notice.workspaces, notice.runIds]).toEqual(['notice', [`demo-org/${ws.name}`], []])
    expect(r.outputs).toMatchObject({ run_id: '', attempts: '0', status: '' })
    expect(fixture.server.runsOf(ws.id)).toEqual([])
  })

  it('refuses bad input before sending any request, naming the input', async () => {
    const before = fixture.server.requests.length
    const r = await runStep({ inputs: inputs('x', { operation: 'deploy' }) })
    expect(r.code).toBe(1)
    // One error naming the input and the value, and the values it takes.
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.inputs, error.quoted]).toEqual(['error', ['operation'], ['operation', 'deploy']])
    expect(error.text).toMatch(/\bapply, destroy, plan\b/)
    expect(fixture.server.requests.length).toBe(before)
  })

  it('explains a rejected token (401)', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { token: 'expired-token' }) })
    expect(r.code).toBe(1)
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.statuses, error.inputs]).toEqual(['error', [401], ['token']])
    expect(error.text).toContain(new URL(fixture.server.url).host)
    expect(r.stdout.replace(/::add-mask::.*\n/, '')).not.toContain('expired-token')
  })

  it('explains a workspace the token cannot see (404)', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { token: 'other-org-token' }) })
    expect(r.code).toBe(1)
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.statuses, error.inputs]).toEqual(['error', [404], ['workspace', 'organization', 'hostname']])
    expect(error.quoted.slice(0, 2)).toEqual([ws.name, 'demo-org'])
  })

  // The wording of the step's messages, one test per family; the tests above assert facts.
  it('golden: a run that errored, was retried, and was given up on', async () => {
    const ws = workspace({ failApplies: 5 })
    const r = await runStep({ inputs: inputs(ws.name, { retry_attempts: '1', retry_backoff_min: '0.1' }) })
    const [first, last] = JSON.parse(r.outputs.run_ids as string) as string[]
    expect(stepFacts(r.stdout).annotations.map(a => [a.kind, a.text])).toEqual([
      [
        'warning',
        `Run ${first} errored during apply (Error: ${StandInText.applyError}): ${runUrl(ws, first)} Queueing run 2 of 2 in 0.1 s.`
      ],
      [
        'error',
        `Run ${last} errored during apply (Error: ${StandInText.applyError}): ${runUrl(ws, last)} Gave up after 2 runs (retry_attempts: 1).`
      ]
    ])
  })

  it('golden: a run that waits for a person, and the step that times out on it', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { manual_confirm: 'true', timeout_minutes: '0.05' }) })
    const id = r.outputs.run_id as string
    expect(stepFacts(r.stdout).annotations.map(a => [a.kind, a.text])).toEqual([
      ['notice', `Run ${id} is waiting for a person to confirm it (manual_confirm is true): ${runUrl(ws, id)}`],
      [
        'error',
        `Timed out after 3 s (input 'timeout_minutes') while run ${id} was 'planned'; it was discarded (now 'discarded'): ${runUrl(ws, id)}`
      ]
    ])
  })

  it('golden: a bad input', async () => {
    const r = await runStep({ inputs: inputs('x', { operation: 'deploy' }) })
    expect(stepFacts(r.stdout).annotations.map(a => [a.kind, a.text])).toEqual([
      ['error', "Input 'operation': 'deploy' is not one of: apply, destroy, plan."]
    ])
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
