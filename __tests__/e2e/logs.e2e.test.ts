/**
 * The run in GitHub, end to end: plan and apply logs streamed into the job log while the stages
 * run, read from the stand-in's archivist, against the bundled action.
 */
import { describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep } from '../helpers/action-runner.ts'

const fast = { queueMs: 20, planMs: 400, applyMs: 400, applyQueueMs: 20, processingMs: 20 }
const fixture = useStandIn('ws-log', { defaultTimings: fast })
const { workspace, inputs } = fixture

/** The lines between `::group::<title>` and the next `::endgroup::`. */
function group(stdout: string, title: string): string[] {
  const lines = stdout.split('\n')
  const start = lines.findIndex(l => l.startsWith(`::group::${title}`))
  if (start === -1) return []
  const end = lines.findIndex((l, i) => i > start && l === '::endgroup::')
  return lines.slice(start + 1, end === -1 ? undefined : end).filter(l => !l.startsWith('::debug::'))
}

describe('live plan and apply logs', () => {
  it('streams lines while the stage is still running, in a group per stage', async () => {
    const ws = workspace({ changes: { add: 2, change: 0, destroy: 0 }, timings: { planMs: 3_000 } })
    const seen: { line: string; planStatus: string | undefined }[] = []
    const r = await runStep({
      inputs: inputs(ws.name),
      onSpawn: child => {
        let buffer = ''
        child.stdout?.on('data', (d: Buffer) => {
          buffer += String(d)
          let nl: number
          while ((nl = buffer.indexOf('\n')) !== -1) {
            const line = buffer.slice(0, nl)
            buffer = buffer.slice(nl + 1)
            if (line.includes('Plan to create')) seen.push({ line, planStatus: fixture.server.runsOf(ws.id)[0]?.plan.status })
          }
        })
      }
    })
    expect(r.code).toBe(0)
    expect(seen.length).toBe(2)
    // The planned changes are written half-way through the plan: the step showed them before the plan ended.
    expect(seen.map(s => s.planStatus)).toEqual(['running', 'running'])
    const plan = group(r.stdout, `Plan: demo-org/${ws.name}`)
    expect(plan.some(l => l.includes('aws_instance.web[1]: Plan to create'))).toBe(true)
    const apply = group(r.stdout, `Apply: demo-org/${ws.name}`)
    expect(apply.some(l => l.includes('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.'))).toBe(true)
  })

  it('renders structured run output as text, not JSON; sensitive output values never appear', async () => {
    const ws = workspace({
      changes: { add: 1, change: 1, destroy: 1 },
      resources: 2,
      outputs: { vpc_id: { value: 'vpc-9' }, db_password: { value: 'hunter2-in-the-log', sensitive: true } }
    })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    const plan = group(r.stdout, `Plan: demo-org/${ws.name}`)
    expect(plan).toEqual(
      expect.arrayContaining([
        'Terraform 1.9.5',
        expect.stringContaining('aws_security_group.app_0: Plan to update'),
        expect.stringContaining('aws_s3_bucket.legacy_0: Plan to delete'),
        expect.stringContaining('Plan: 1 to add, 1 to change, 1 to destroy.')
      ])
    )
    expect(r.stdout).not.toContain('"@message"')
    expect(group(r.stdout, `Apply: demo-org/${ws.name}`)).toEqual(
      expect.arrayContaining(['  vpc_id = "vpc-9"', '  db_password = (sensitive value)'])
    )
    expect(r.stdout).not.toContain('hunter2')
  })

  it('passes plain logs through, ANSI colours included', async () => {
    const ws = workspace({ logFormat: 'plain' })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(group(r.stdout, `Plan: demo-org/${ws.name}`)).toEqual(
      expect.arrayContaining(['Terraform v1.9.5', '  \u001b[1m# aws_instance.web[0]\u001b[0m will be created'])
    )
  })

  it('ends a log that never gets its ETX when the stage ends, without slowing the step down', async () => {
    const ws = workspace({ logEtx: false })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(group(r.stdout, `Plan: demo-org/${ws.name}`)).toEqual(expect.arrayContaining([expect.stringContaining('Plan: 1 to add')]))
    expect(group(r.stdout, `Apply: demo-org/${ws.name}`)).toEqual(expect.arrayContaining([expect.stringContaining('Apply complete!')]))
    const run = fixture.server.runsOf(ws.id)[0]
    // The step noticed the end within the usual polling lag, not after a log timeout.
    expect(r.exitedAt - (run?.terminalAt ?? 0)).toBeLessThan(4_000)
  })

  it('a log the archivist refuses (403) is a warning, never a failure', async () => {
    const ws = workspace({ logForbidden: true })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(r.stdout).toMatch(/::warning::The plan log cannot be shown \(the log host answered 403\)/)
  })

  it('never prints the log URL, masks it, and never sends the token to the log host', async () => {
    const ws = workspace()
    const leaksBefore = fixture.server.tokenLeaks
    const readsBefore = fixture.server.archivistReads.length
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    const masked = r.stdout.split('\n').filter(l => l.startsWith('::add-mask::') && l.includes('/v1/object/'))
    expect(masked.length).toBe(2)
    const printed = r.stdout.split('\n').filter(l => !l.startsWith('::add-mask::') && l.includes('/v1/object/'))
    expect(printed).toEqual([])
    expect(r.stderr).not.toContain('/v1/object/')
    expect(r.summary).not.toContain('/v1/object/')
    expect(fixture.server.archivistReads.length).toBeGreaterThan(readsBefore)
    expect(fixture.server.tokenLeaks).toBe(leaksBefore)
  })

  it("an errored plan's first diagnostic is the step's error annotation, with the run URL", async () => {
    const ws = workspace({ failPlans: 5 })
    const r = await runStep({ inputs: inputs(ws.name, { retry: 'false' }) })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /::error::Run run-\w+ errored during plan \(Error: Reference to undeclared resource, main\.tf line 12\): http:\/\/127\.0\.0\.1:\d+\/app\/demo-org\/workspaces\/ws-log-\d+\/runs\/run-\w+ Not retried/
    )
  })

  it('show_logs: false prints no log, and reads the plan log only once the run has ended, for the summary', async () => {
    const ws = workspace()
    const before = fixture.server.archivistReads.length
    const r = await runStep({ inputs: inputs(ws.name, { show_logs: 'false' }) })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('::group::Plan:')
    expect(r.stdout).not.toContain('Plan to create')
    const reads = fixture.server.archivistReads.slice(before)
    const ended = fixture.server.runsOf(ws.id)[0]?.terminalAt ?? Infinity
    expect(reads.every(at => at >= ended)).toBe(true)
    expect(r.summary).toContain('aws_instance.web[0]')
  })

  it('gives policy check and run task outcomes a line each', async () => {
    const soft = workspace({ policy: 'soft-fail' })
    const plan = await runStep({ inputs: inputs(soft.name, { operation: 'plan' }) })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('Policy check: soft_failed (2 passed, 1 soft-mandatory failed)')

    const advisory = workspace({ runTask: 'advisory-failed', policy: 'pass' })
    const applied = await runStep({ inputs: inputs(advisory.name) })
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(
      /Run task security-scan \(post_plan, advisory\): failed: 2 high-severity findings\. https:\/\/scanner\.example\.test\/results\/run-\w+/
    )
    expect(applied.stdout).toContain('Policy check: passed (3 passed)')
    expect(applied.stdout.match(/Run task security-scan/g)).toHaveLength(1)

    const mandatory = workspace({ runTask: 'mandatory-failed' })
    const failed = await runStep({ inputs: inputs(mandatory.name) })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/Run task security-scan \(post_plan, mandatory\): failed/)
    expect(failed.stdout).toMatch(/::error::Run run-\w+ errored outside its plan and apply/)
  })
})
