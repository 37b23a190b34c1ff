/**
 * The run in GitHub, end to end: plan and apply logs streamed into the job log while the stages
 * run, read from the stand-in's archivist, against the bundled action.
 */
import { describe, expect, it } from '@jest/globals'
import { StandInText, useStandIn } from '../helpers/stand-in.ts'
import { runStep } from '../helpers/action-runner.ts'
import { groupLines, kinds, only, stepFacts, textFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 400, applyMs: 400, applyQueueMs: 20, processingMs: 20 }
const fixture = useStandIn('ws-log', { defaultTimings: fast })
const { workspace, inputs } = fixture

/** The plain lines of the first group whose title starts with `title`. */
function group(stdout: string, title: string): string[] {
  return groupLines(stepFacts(stdout), title)
}

/** The policy check's line: its status and its numbers. */
function policyLines(stdout: string): [string | undefined, string[]][] {
  return stepFacts(stdout)
    .lines.filter(l => l.startsWith('Policy check:'))
    .map(l => [l.match(/\b(passed|soft_failed|hard_failed|overridden)\b/)?.[1], l.match(/\d+|\b[\w-]+-mandatory\b/g) ?? []])
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
            if (line.includes(StandInText.planned.create)) seen.push({ line, planStatus: fixture.server.runsOf(ws.id)[0]?.plan.status })
          }
        })
      }
    })
    expect(r.code).toBe(0)
    expect(seen.length).toBe(2)
    // The planned changes are written half-way through the plan: the step showed them before the plan ended.
    expect(seen.map(s => s.planStatus)).toEqual(['running', 'running'])
    const plan = group(r.stdout, `Plan: demo-org/${ws.name}`)
    expect(plan.some(l => l.includes(`aws_instance.web[1]: ${StandInText.planned.create}`))).toBe(true)
    const apply = group(r.stdout, `Apply: demo-org/${ws.name}`)
    expect(apply.some(l => l.includes(StandInText.applyTotals(2, 0, 0)))).toBe(true)
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
        expect.stringContaining(`aws_security_group.app_0: ${StandInText.planned.update}`),
        expect.stringContaining(`aws_s3_bucket.legacy_0: ${StandInText.planned.delete}`),
        expect.stringContaining(StandInText.planTotals(1, 1, 1))
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
      expect.arrayContaining(['Terraform v1.9.5', StandInText.plainCreate('aws_instance.web[0]')])
    )
  })

  it('ends a log that never gets its ETX when the stage ends, without slowing the step down', async () => {
    const ws = workspace({ logEtx: false })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(group(r.stdout, `Plan: demo-org/${ws.name}`)).toEqual(
      expect.arrayContaining([expect.stringContaining(StandInText.planTotals(1, 0, 0))])
    )
    expect(group(r.stdout, `Apply: demo-org/${ws.name}`)).toEqual(
      expect.arrayContaining([expect.stringContaining(StandInText.applyComplete)])
    )
    const run = fixture.server.runsOf(ws.id)[0]
    // The step noticed the end within the usual polling lag, not after a log timeout.
    expect(r.exitedAt - (run?.terminalAt ?? 0)).toBeLessThan(4_000)
  })

  it('a log the archivist refuses (403) is a warning, never a failure', async () => {
    const ws = workspace({ logForbidden: true })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    // A warning per stage, with the log host's status and the input that turns logs off; no log shown.
    const facts = stepFacts(r.stdout)
    expect(facts.warnings.map(w => [w.statuses, w.inputs, w.text.match(/\b(plan|apply)\b/)?.[1]])).toEqual([
      [[403], ['show_logs'], 'plan'],
      [[403], ['show_logs'], 'apply']
    ])
    expect(kinds(facts)).toEqual(['warning', 'warning'])
    expect(Object.keys(facts.groups)).toEqual([])
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
    // The only annotation: an error with the run, its URL, and the diagnostic with where it is.
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.runIds, error.urls]).toEqual(['error', [r.outputs.run_id], [r.outputs.run_url]])
    expect(error.text).toContain(`(Error: ${StandInText.planError}, ${StandInText.planErrorWhere})`)
    expect(fixture.server.runsOf(ws.id)).toHaveLength(1)
  })

  it('show_logs: false prints no log, but still reads it while the run goes on (its end is the stage’s end) and for the summary', async () => {
    const ws = workspace({ timings: { planMs: 3_000 } })
    const before = fixture.server.archivistReads.length
    const r = await runStep({ inputs: inputs(ws.name, { show_logs: 'false' }) })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('::group::Plan:')
    expect(r.stdout).not.toContain(StandInText.planned.create)
    const reads = fixture.server.archivistReads.slice(before)
    const ended = fixture.server.runsOf(ws.id)[0]?.terminalAt ?? Infinity
    expect(reads.some(at => at < ended)).toBe(true)
    expect(r.summary).toContain('aws_instance.web[0]')
  })

  it('a log whose ETX never comes costs at most the net between reads of the run, not a log timeout', async () => {
    // Long enough stages that the log leads (it opened with STX) and the run is read only as a net.
    const ws = workspace({ logEtx: false, timings: { planMs: 4_000, applyMs: 4_000 } })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    const run = fixture.server.runsOf(ws.id)[0]
    // The net is 5 s apart (poll-schedule.ts): the end is seen within it, plus the reads after the apply.
    expect(r.exitedAt - (run?.terminalAt ?? 0)).toBeLessThan(8_000)
  })

  it('gives policy check and run task outcomes a line each', async () => {
    const soft = workspace({ policy: 'soft-fail' })
    const plan = await runStep({ inputs: inputs(soft.name, { operation: 'plan' }) })
    expect(plan.code).toBe(0)
    expect(policyLines(plan.stdout)).toEqual([['soft_failed', ['2', '1', 'soft-mandatory']]])

    const advisory = workspace({ runTask: 'advisory-failed', policy: 'pass' })
    const applied = await runStep({ inputs: inputs(advisory.name) })
    expect(applied.code).toBe(0)
    // One line for the task: its name, stage, enforcement, result, message and link.
    const tasks = stepFacts(applied.stdout).lines.filter(l => l.includes('security-scan'))
    expect(tasks).toHaveLength(1)
    const task = textFacts(tasks[0] as string)
    expect(task.urls).toEqual([`https://scanner.example.test/results/${applied.outputs.run_id}`])
    expect(task.text).toMatch(new RegExp(`\\(post_plan, advisory\\): failed: ${StandInText.taskFindings.replace('.', '\\.')} `))
    expect(policyLines(applied.stdout)).toEqual([['passed', ['3']]])

    const mandatory = workspace({ runTask: 'mandatory-failed' })
    const failed = await runStep({ inputs: inputs(mandatory.name) })
    expect(failed.code).toBe(1)
    const taskLines = stepFacts(failed.stdout).lines.filter(l => l.includes('security-scan'))
    expect(taskLines).toEqual([expect.stringContaining('(post_plan, mandatory): failed')])
    const error = only(stepFacts(failed.stdout).annotations)
    expect([error.kind, error.runIds, error.urls]).toEqual(['error', [failed.outputs.run_id], [failed.outputs.run_url]])
    expect(fixture.server.runs.get(failed.outputs.run_id as string)).toMatchObject({ status: 'errored', taskResult: 'failed' })
  })
})
