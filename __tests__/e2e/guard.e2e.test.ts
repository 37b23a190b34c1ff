/**
 * auto_confirm_if end to end: the bundle against the stand-in. A held plan is never confirmed (no
 * confirm request reaches the service, the run stays planned) and the step fails or waits as
 * on_guard_held says; a passed plan is confirmed and applied; a rule that cannot be evaluated holds.
 */
import { describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep, waitFor } from '../helpers/action-runner.ts'
import { stepFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 200, applyMs: 200, applyQueueMs: 20, processingMs: 20, costEstimateMs: 50, policyMs: 50 }
const fixture = useStandIn('ws-guard', { defaultTimings: fast })
const { workspace, inputs } = fixture

function confirms(runId: string): number {
  return fixture.server.requests.filter(q => q.method === 'POST' && q.path === `/api/v2/runs/${runId}/actions/apply`).length
}

function runOf(workspaceId: string): { id: string; status: string } | undefined {
  return fixture.server.runsOf(workspaceId).at(-1)
}

describe('auto_confirm_if', () => {
  it('guarantee: a plan a rule holds back is never confirmed — with on_guard_held fail the step fails, names the rule and the address, and leaves the run planned', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 1 }, resources: 1 })
    const r = await runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_destroy', on_guard_held: 'fail' }) })
    expect(r.code).toBe(1)
    const runId = r.outputs.run_id as string
    expect(runId).toMatch(/^run-/)
    expect(confirms(runId)).toBe(0)
    expect(runOf(ws.id)).toMatchObject({ id: runId, status: 'planned' })
    const facts = stepFacts(r.stdout)
    const error = facts.errors.at(-1)
    expect(error?.runIds).toContain(runId)
    expect(error?.inputs).toEqual(expect.arrayContaining(['auto_confirm_if', 'run_id']))
    expect(error?.text).toContain('aws_s3_bucket.legacy_0')
    expect(facts.warnings.some(w => w.text.includes('aws_s3_bucket.legacy_0') && w.inputs.includes('auto_confirm_if'))).toBe(true)
    // The summary says which rule held and which address.
    expect(r.summary).toContain('no_destroy')
    expect(r.summary).toContain('aws_s3_bucket.legacy_0')

    // The reviewed-plan recipe: a later step applies exactly that run.
    const later = await runStep({ inputs: inputs(ws.name, { run_id: runId }) })
    expect(later.code).toBe(0)
    expect(later.outputs.status).toBe('applied')
    expect(confirms(runId)).toBe(1)
  })

  it('with on_guard_held wait, the step waits for a person with a notice and the run URL, and follows the run once a person confirms it', async () => {
    const ws = workspace({ changes: { add: 0, change: 0, destroy: 2 }, resources: 2 })
    let stdout = ''
    const step = runStep({
      inputs: inputs(ws.name, { auto_confirm_if: 'never_destroy=aws_s3_bucket.*', timeout_minutes: '1' }),
      onSpawn: child => child.stdout?.on('data', d => (stdout += String(d)))
    })
    await waitFor(() => stdout.includes('::notice') && stdout.includes('auto_confirm_if'), 20_000, 'the notice')
    const notice = stepFacts(stdout).notices.at(-1)
    const runId = notice?.runIds[0] as string
    expect(notice?.urls.some(u => u.includes(runId))).toBe(true)
    expect(confirms(runId)).toBe(0)
    expect(runOf(ws.id)).toMatchObject({ id: runId, status: 'planned' })
    // A person confirms it in HCP Terraform: the step sent no confirm of its own.
    expect(fixture.server.confirm(runId)).toBe(true)
    const r = await step
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(confirms(runId)).toBe(0)
  })

  it('a plan every rule passes is confirmed and applied', async () => {
    const ws = workspace({ changes: { add: 2, change: 1, destroy: 0 }, resources: 1 })
    const r = await runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_destroy\nmax_destroy=0\nnever_destroy=aws_db_instance.*' }) })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(confirms(r.outputs.run_id as string)).toBe(1)
  })

  it('max_cost_increase reads the run cost estimate: over the amount holds, under it passes; without an estimate it cannot be evaluated and holds', async () => {
    const costly = workspace({ changes: { add: 20, change: 0, destroy: 0 }, costEstimation: true })
    const held = await runStep({ inputs: inputs(costly.name, { auto_confirm_if: 'max_cost_increase=100', on_guard_held: 'fail' }) })
    expect(held.code).toBe(1)
    expect(confirms(held.outputs.run_id as string)).toBe(0)
    // 20 resources at the stand-in's 7.30 a month.
    expect(stepFacts(held.stdout).errors.at(-1)?.text).toContain('146.00')

    const cheap = workspace({ changes: { add: 2, change: 0, destroy: 0 }, costEstimation: true })
    const passed = await runStep({ inputs: inputs(cheap.name, { auto_confirm_if: 'max_cost_increase=100' }) })
    expect(passed.code).toBe(0)
    expect(passed.outputs.status).toBe('applied')

    const unestimated = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    const broken = await runStep({ inputs: inputs(unestimated.name, { auto_confirm_if: 'max_cost_increase=100', on_guard_held: 'fail' }) })
    expect(broken.code).toBe(1)
    expect(confirms(broken.outputs.run_id as string)).toBe(0)
    expect(runOf(unestimated.id)).toMatchObject({ status: 'planned' })
  })

  it('no_policy_soft_failure holds a plan whose soft-mandatory policy failed, even once a person overrode it', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 }, policy: 'soft-fail' })
    const step = runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_policy_soft_failure', on_guard_held: 'fail' }) })
    await waitFor(() => runOf(ws.id)?.status === 'policy_override', 20_000, 'policy_override')
    const run = runOf(ws.id)
    // A person overrides the policy; the rule still holds the confirm back.
    expect(fixture.server.overridePolicy(run?.id as string)).toBe(true)
    const r = await step
    expect(r.code).toBe(1)
    expect(confirms(run?.id as string)).toBe(0)
  })

  it('nothing is confirmed after a stop: a job cancelled while the guard reads the plan sends no confirm and discards the run', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    fixture.server.injectFault({ method: 'GET', path: /json-output-redacted$/, kind: 'slow', delayMs: 4_000, times: 1 })
    const hitsBefore = fixture.server.faultHits()
    try {
      const r = await runStep({
        inputs: inputs(ws.name, { auto_confirm_if: 'no_destroy' }),
        onSpawn: child => {
          const timer = setInterval(() => {
            if (fixture.server.faultHits() > hitsBefore) {
              clearInterval(timer)
              child.kill('SIGINT')
            }
          }, 20)
          child.on('exit', () => clearInterval(timer))
        }
      })
      expect(r.code).not.toBe(0)
      const run = runOf(ws.id)
      expect(confirms(run?.id as string)).toBe(0)
      expect(run?.status).toBe('discarded')
    } finally {
      fixture.server.clearFaults()
    }
  })

  it('nothing is confirmed after timeout_minutes passes while the guard reads the plan', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    fixture.server.injectFault({ method: 'GET', path: /json-output-redacted$/, kind: 'slow', delayMs: 8_000, times: 1 })
    try {
      const r = await runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_destroy', timeout_minutes: '0.05' }) })
      expect(r.code).not.toBe(0)
      const run = runOf(ws.id)
      expect(confirms(run?.id as string)).toBe(0)
      expect(run?.status).toBe('discarded')
    } finally {
      fixture.server.clearFaults()
    }
  })

  it('a plan whose JSON is not ready yet is waited for, read again on the next poll, then confirmed when it passes', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 }, redactedPlanLateReads: 3, planJsonDenied: true, logFormat: 'plain' })
    const r = await runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_destroy', on_guard_held: 'fail' }) })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    const runId = r.outputs.run_id as string
    const plan = fixture.server.runsOf(ws.id)[0]?.plan.id as string
    const reads = fixture.server.requests.filter(q => q.path === `/api/v2/plans/${plan}/json-output-redacted`).map(q => q.status)
    expect(reads.filter(s => s === 204).length).toBeGreaterThanOrEqual(3)
    expect(reads.at(-1)).toBe(200)
    expect(confirms(runId)).toBe(1)
  })

  it('refuses rules it does not know, naming the input, before queueing anything', async () => {
    const ws = workspace()
    const r = await runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_destruction' }) })
    expect(r.code).toBe(1)
    expect(stepFacts(r.stdout).errors.at(-1)?.inputs).toContain('auto_confirm_if')
    expect(fixture.server.runsOf(ws.id)).toEqual([])
  })
})
