/**
 * variables_from_outputs through the bundle on the stand-in: the upstream's current state outputs
 * become the run's variables (as HCL literals) on apply and on destroy; a sensitive, missing,
 * huge or too deeply nested output fails the step before anything is queued.
 */
import { describe, expect, it } from '@jest/globals'
import { runStep } from '../helpers/action-runner.ts'
import { StandInText, useStandIn } from '../helpers/stand-in.ts'
import { stepFacts } from '../helpers/step-facts.ts'
import { withoutNock } from '../helpers/hostile-host.ts'

withoutNock()
const fixture = useStandIn('upstream', { defaultTimings: { queueMs: 20, planMs: 60, applyMs: 60, applyQueueMs: 20, processingMs: 20 } })

const runsCreated = (): number => fixture.server.requests.filter(q => q.method === 'POST' && q.path === '/api/v2/runs').length

/** An upstream workspace with a current state that holds `outputs`. */
async function applied(outputs: Record<string, { value: unknown; sensitive?: boolean }>): Promise<{ name: string; id: string }> {
  const up = fixture.workspace({ outputs })
  const r = await runStep({ inputs: fixture.inputs(up.name) })
  expect(r.code).toBe(0)
  return up
}

describe('variables_from_outputs', () => {
  it('passes the upstream outputs as HCL literals, and the downstream plan that requires them succeeds', async () => {
    const up = await applied({
      vpc_id: { value: 'vpc-1' },
      subnets: { value: ['a', 'b'] },
      tags: { value: { team: 'net', 'cost-center': 42 } },
      count: { value: 3 },
      on: { value: true },
      tpl: { value: '${not.a.reference}' }
    })
    const down = fixture.workspace({ requiredVariables: ['vpc_id', 'subnets', 'tags', 'count', 'on', 'tpl'] })
    const lines = ['vpc_id', 'subnets', 'tags', 'count', 'on', 'tpl'].map(v => `${v}=${up.name}.${v}`).join('\n')
    const r = await runStep({ inputs: fixture.inputs(down.name, { variables: 'region="eu"', variables_from_outputs: lines }) })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    const [run] = fixture.server.runsOf(down.id)
    expect(run?.variables).toEqual([
      { key: 'region', value: '"eu"' },
      { key: 'vpc_id', value: '"vpc-1"' },
      { key: 'subnets', value: '["a", "b"]' },
      { key: 'tags', value: '{"team" = "net", "cost-center" = 42}' },
      { key: 'count', value: '3' },
      { key: 'on', value: 'true' },
      { key: 'tpl', value: '"$${not.a.reference}"' }
    ])
  })

  it('on destroy the variables come from the upstream current state, so the destroy plan has them', async () => {
    const up = await applied({ vpc_id: { value: 'vpc-2' } })
    const down = fixture.workspace({ requiredVariables: ['vpc_id'] })
    const inputs = fixture.inputs(down.name, { variables_from_outputs: `vpc_id=${up.name}.vpc_id`, retry: 'false' })
    expect((await runStep({ inputs })).code).toBe(0)
    const destroy = await runStep({ inputs: { ...inputs, operation: 'destroy' } })
    expect(destroy.code).toBe(0)
    const runs = fixture.server.runsOf(down.id)
    expect(runs.map(r => [r.isDestroy, r.status, r.variables])).toEqual([
      [false, 'applied', [{ key: 'vpc_id', value: '"vpc-2"' }]],
      [true, 'applied', [{ key: 'vpc_id', value: '"vpc-2"' }]]
    ])
  })

  it('without the variable, the destroy plan errors with Terraform\'s "No value for required variable"', async () => {
    const down = fixture.workspace({ requiredVariables: ['vpc_id'] })
    const r = await runStep({ inputs: fixture.inputs(down.name, { operation: 'destroy', retry: 'false' }) })
    expect(r.code).toBe(1)
    expect(r.outputs.status).toBe('errored')
    expect(r.stdout).toContain(StandInText.missingVariable)
  })

  it.each([
    ['a sensitive output', { token: { value: 'never-shown-4242', sensitive: true } }, 'token'],
    ['a missing output', { other: { value: 'x' } }, 'vpc_id'],
    ['a huge output', { blob: { value: 'x'.repeat(1024 * 1024 + 10) } }, 'blob'],
    ['a too deeply nested output', { deep: { value: JSON.parse(`${'['.repeat(80)}1${']'.repeat(80)}`) as unknown } }, 'deep']
  ])('%s fails the step before anything is queued, naming the output', async (_what, outputs, output) => {
    const up = await applied(outputs)
    const down = fixture.workspace()
    const before = runsCreated()
    const r = await runStep({ inputs: fixture.inputs(down.name, { variables_from_outputs: `v=${up.name}.${output}` }) })
    expect(r.code).toBe(1)
    expect(runsCreated()).toBe(before)
    expect(fixture.server.runsOf(down.id)).toEqual([])
    const [error] = stepFacts(r.stdout).errors
    expect(error?.quoted).toEqual(expect.arrayContaining(['variables_from_outputs', output]))
    expect(error?.workspaces).toContain(`demo-org/${up.name}`)
    expect(r.stdout).not.toContain('never-shown-4242')
  })

  it('guarantee: a sensitive output is never passed as a run variable (the step fails before queueing and points at tfe_outputs)', async () => {
    const up = await applied({ token: { value: 'sensitive-value-77', sensitive: true } })
    const down = fixture.workspace()
    const r = await runStep({ inputs: fixture.inputs(down.name, { variables_from_outputs: `t=${up.name}.token` }) })
    expect(r.code).toBe(1)
    expect(fixture.server.runsOf(down.id)).toEqual([])
    expect(stepFacts(r.stdout).errors[0]?.text).toContain('tfe_outputs')
    expect(`${r.stdout}${r.summary}${JSON.stringify(r.outputs)}`).not.toContain('sensitive-value-77')
  })

  it('an upstream workspace that does not exist, or has no state yet, fails before anything is queued', async () => {
    const down = fixture.workspace()
    const fresh = fixture.workspace({ outputs: { x: { value: 1 } } })
    const before = runsCreated()
    for (const line of ['v=nowhere.x', `v=${fresh.name}.x`]) {
      const r = await runStep({ inputs: fixture.inputs(down.name, { variables_from_outputs: line }) })
      expect(r.code).toBe(1)
      expect(stepFacts(r.stdout).errors[0]?.quoted).toContain('variables_from_outputs')
    }
    expect(runsCreated()).toBe(before)
  })
})
