/**
 * The stand-in's review surfaces, as a documented-API client reads them: the redacted JSON plan
 * (204 until the plan finished, then the plan with sensitive values out and provider schemas in),
 * the unredacted JSON plan's attribute-level changes, policy evaluations with their policy set
 * outcomes of all three enforcement levels, and cost estimates with their deltas.
 */
import { describe, expect, it } from '@jest/globals'
import { useStandInApi } from '../helpers/stand-in-api.ts'
import { waitFor } from '../helpers/action-runner.ts'

const fixture = useStandInApi()
const api = fixture.api.bind(fixture)

async function plannedRun(spec: Parameters<typeof fixture.server.addWorkspace>[0]): Promise<{ runId: string; planId: string }> {
  const ws = fixture.server.addWorkspace(spec)
  const r = await api('POST', '/api/v2/runs', {
    data: { type: 'runs', attributes: {}, relationships: { workspace: { data: { type: 'workspaces', id: ws.id } } } }
  })
  const runId = r.json.data.id as string
  const planId = r.json.data.relationships.plan.data.id as string
  const early = await api('GET', `/api/v2/plans/${planId}/json-output-redacted`)
  expect(early.status).toBe(spec.redactedPlanMissing ? 404 : 204)
  await waitFor(() => fixture.server.runsOf(ws.id)[0]?.plan.status === 'finished', 10_000, 'the plan')
  return { runId, planId }
}

describe('review surfaces of the stand-in', () => {
  it('serves the redacted JSON plan to any reader of the run: attribute-level changes, no sensitive value, schemas', async () => {
    const { planId } = await plannedRun({
      name: 'review-1',
      planScenario: 'review',
      outputs: { pw: { value: 'pw-secret', sensitive: true } }
    })
    const r = await api('GET', `/api/v2/plans/${planId}/json-output-redacted`)
    expect(r.status).toBe(200)
    const text = JSON.stringify(r.json)
    expect(text).not.toMatch(/stand-in-db-secret|stand-in-user-data-secret|pw-secret/)
    const db = r.json.resource_changes.find((c: { address: string }) => c.address === 'aws_db_instance.main')
    expect(db).toMatchObject({
      action_reason: 'replace_because_cannot_update',
      change: { actions: ['delete', 'create'], replace_paths: [['engine_version']], after_sensitive: { password: true } }
    })
    const moved = r.json.resource_changes.find((c: { previous_address?: string }) => c.previous_address)
    expect(moved).toMatchObject({ address: 'module.network.aws_subnet.private[0]', change: { actions: ['no-op'] } })
    expect(r.json.provider_schemas['registry.terraform.io/hashicorp/aws'].resource_schemas.aws_instance.block.block_types).toHaveProperty(
      'root_block_device'
    )
    // The unredacted JSON plan (admins, via its 307) keeps the values and their sensitive marks.
    const unredacted = await fetch(`${fixture.server.url}/api/v2/plans/${planId}/json-output`, {
      headers: { Authorization: 'Bearer test-token' },
      redirect: 'manual'
    })
    expect(unredacted.status).toBe(307)
  })

  it('answers 404 for the redacted plan where a workspace says an older Terraform Enterprise has none', async () => {
    const { planId } = await plannedRun({ name: 'review-2', redactedPlanMissing: true })
    expect((await api('GET', `/api/v2/plans/${planId}/json-output-redacted`)).status).toBe(404)
  })

  it('lists policy evaluations on task stages and their policy set outcomes at advisory, soft- and hard-mandatory levels', async () => {
    const ws = fixture.server.addWorkspace({ name: 'review-3', policy: 'soft-fail', changes: { add: 1, change: 0, destroy: 0 } })
    await api('POST', '/api/v2/runs', {
      data: { type: 'runs', attributes: { 'plan-only': true }, relationships: { workspace: { data: { type: 'workspaces', id: ws.id } } } }
    })
    await waitFor(() => fixture.server.runsOf(ws.id)[0]?.status === 'policy_soft_failed', 10_000, 'the policy check')
    const runId = fixture.server.runsOf(ws.id)[0]?.id as string
    const stages = await api('GET', `/api/v2/runs/${runId}/task-stages?include=task_results,policy_evaluations`)
    const evaluation = stages.json.included.find((i: { type: string }) => i.type === 'policy-evaluations')
    expect(evaluation.attributes).toMatchObject({
      status: 'failed',
      'result-count': { 'advisory-failed': 1, 'mandatory-failed': 1, passed: 1 }
    })
    // Without the include, the answer is what it always was.
    expect((await api('GET', `/api/v2/runs/${runId}/task-stages`)).json.data).toEqual([])
    const outcomes = await api('GET', evaluation.relationships['policy-set-outcomes'].links.related)
    expect(outcomes.status).toBe(200)
    expect(
      outcomes.json.data[0].attributes.outcomes.map((o: { enforcement_level: string; status: string }) => [o.enforcement_level, o.status])
    ).toEqual([
      ['advisory', 'failed'],
      ['soft-mandatory', 'failed'],
      ['hard-mandatory', 'passed']
    ])
    expect(outcomes.json.data[0].attributes).toMatchObject({ 'policy-set-name': 'prod-guardrails', overridable: true })
  })
})
