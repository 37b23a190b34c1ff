/**
 * The live suite: the bundled action (dist/index.js) against a real organization with
 * `npm run test:live` (TFE_HOSTNAME, TFE_ORGANIZATION, TFE_TOKEN), and against a stand-in in
 * `npm test`. The tests only use what both hosts have, the API: they make their own workspaces,
 * read and confirm runs through it, and check what the step wrote against what the API says.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { runStep, waitFor, type StepResult } from '../helpers/action-runner.ts'
import { withoutNock } from '../helpers/hostile-host.ts'
import { only, stepFacts } from '../helpers/step-facts.ts'
import { Terminal } from './api.ts'
import { CheckoutWithDirectory, TwoResources, TwoResourcesOutputs } from './configurations.ts'
import { useLiveTarget } from './target.ts'

// Real sockets: against a real host nothing should sit between the suite and the network.
withoutNock()
const target = useLiveTarget()
const { testMs } = target.pace

function step(inputs: Record<string, string>, options: { checkout?: string; onStdout?: (text: string) => void } = {}): Promise<StepResult> {
  let printed = ''
  return runStep({
    inputs,
    env: { ...target.stepEnv(), ...(options.checkout ? { GITHUB_WORKSPACE: options.checkout } : {}) },
    killAfterMs: target.pace.testMs,
    onSpawn: child =>
      child.stdout?.on('data', d => {
        printed += String(d)
        options.onStdout?.(printed)
      })
  })
}

/** A checkout: files by path under a fresh directory. */
function checkout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'live-checkout-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

/** The step's error annotations: none for a step that went well (warnings, say of a log hiccup, are allowed). */
function errors(r: StepResult): string[] {
  return stepFacts(r.stdout).errors.map(e => e.text)
}

/** The run's page, as the step links it: /app/<org>/workspaces/<name>/runs/<id> on the target's host. */
function runPath(ws: { name: string }, runId: string | undefined): string {
  const organization = target.inputs(ws.name).organization as string
  return `/app/${organization}/workspaces/${ws.name}/runs/${runId}`
}

describe('live: one workspace through its life (apply, outputs, plan-only, destroy)', () => {
  let ws: { id: string; name: string } | undefined
  let applied: StepResult | undefined

  it(
    'apply: the step queues a run on the uploaded configuration, confirms it itself, and the run is applied',
    async () => {
      ws = await target.workspace('life', TwoResources)
      const r = await step(target.inputs(ws.name))
      applied = r
      expect(errors(r)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({
        status: 'applied',
        has_changes: 'true',
        resource_additions: '2',
        attempts: '1',
        workspace_id: ws.id
      })
      expect(new URL(r.outputs.run_url as string).pathname).toBe(runPath(ws, r.outputs.run_id))
      const run = await target.api.readRun(r.outputs.run_id as string)
      expect([run.status, run.attributes['is-destroy'], run.attributes['plan-only']]).toEqual(['applied', false, false])
      expect(run.relationships.workspace.data.id).toBe(ws.id)
    },
    testMs
  )

  it(
    "outputs read: workspace_outputs holds the applied state's non-sensitive outputs, as the API serves them",
    async () => {
      if (!ws || !applied) throw new Error('the apply test did not run')
      expect(JSON.parse(applied.outputs.workspace_outputs as string)).toEqual(TwoResourcesOutputs)
      // The API has the sensitive one too, with its value withheld; the step left it out.
      const outputs = await target.api.currentOutputs(ws.id)
      expect(Object.keys(outputs).sort()).toEqual(['answer', 'greeting', 'secret'])
      expect(outputs.greeting).toEqual({ value: 'hello', sensitive: false })
      expect(outputs.secret).toEqual({ value: null, sensitive: true })
    },
    testMs
  )

  it(
    "plan-only: a speculative run plans the workspace's configuration, finds nothing to change, and applies nothing",
    async () => {
      if (!ws || !applied) throw new Error('the apply test did not run')
      const r = await step(target.inputs(ws.name, { operation: 'plan' }))
      expect(errors(r)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({
        status: 'planned_and_finished',
        has_changes: 'false',
        resource_additions: '0',
        workspace_outputs: '{}'
      })
      const run = await target.api.readRun(r.outputs.run_id as string)
      expect([run.status, run.attributes['plan-only']]).toEqual(['planned_and_finished', true])
      // Nothing applied: the state and its outputs are still the apply's.
      expect((await target.api.currentOutputs(ws.id)).greeting).toEqual({ value: 'hello', sensitive: false })
    },
    testMs
  )

  it(
    'destroy: a destroy run removes both resources, and the step reads no outputs',
    async () => {
      if (!ws || !applied) throw new Error('the apply test did not run')
      const r = await step(target.inputs(ws.name, { operation: 'destroy' }))
      expect(errors(r)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({ status: 'applied', resource_destructions: '2', resource_additions: '0', workspace_outputs: '{}' })
      const run = await target.api.readRun(r.outputs.run_id as string)
      expect([run.status, run.attributes['is-destroy']]).toEqual(['applied', true])
    },
    testMs
  )
})

describe('live: configuration from the checkout', () => {
  it(
    'directory upload: the step packs the directory, uploads it as a speculative configuration version and plans it',
    async () => {
      const ws = await target.workspace('directory')
      const r = await step(target.inputs(ws.name, { operation: 'plan', directory: 'infra' }), { checkout: checkout(CheckoutWithDirectory) })
      expect(errors(r)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({ status: 'planned_and_finished', has_changes: 'true', resource_additions: '2' })
      const cvId = r.outputs.configuration_version_id as string
      expect(cvId).toMatch(/^cv-/)
      const cv = await target.api.readConfigurationVersion(cvId)
      expect([cv.attributes.status, cv.attributes.speculative]).toEqual(['uploaded', true])
      const run = await target.api.readRun(r.outputs.run_id as string)
      expect([run.attributes['plan-only'], run.relationships['configuration-version'].data.id]).toEqual([true, cvId])
    },
    testMs
  )

  it(
    'save_plan then run_id: a saved plan is applied, exactly that run, by a second step',
    async () => {
      const ws = await target.workspace('saved-plan')
      const root = checkout({ 'main.tf': TwoResources['main.tf'] })
      const plan = await step(target.inputs(ws.name, { directory: '.', save_plan: 'true' }), { checkout: root })
      expect(errors(plan)).toEqual([])
      expect(plan.code).toBe(0)
      expect(plan.outputs).toMatchObject({ status: 'planned_and_saved', has_changes: 'true', resource_additions: '2' })
      const runId = plan.outputs.run_id as string
      const saved = await target.api.readRun(runId)
      expect([saved.status, saved.attributes['save-plan']]).toEqual(['planned_and_saved', true])

      const apply = await step(target.inputs(ws.name, { run_id: runId }), { checkout: root })
      expect(errors(apply)).toEqual([])
      expect(apply.code).toBe(0)
      expect(apply.outputs).toMatchObject({ status: 'applied', run_id: runId, attempts: '1' })
      expect(JSON.parse(apply.outputs.workspace_outputs as string)).toEqual(TwoResourcesOutputs)
      expect((await target.api.readRun(runId)).status).toBe('applied')
      // No other run: the second step applied the saved plan instead of queueing one.
      expect(await target.api.listRunIds(ws.id)).toEqual([runId])
    },
    testMs
  )
})

describe('live: a person and a clock', () => {
  it(
    'manual confirm: the step waits at the plan until the test confirms it through the API, then follows the apply',
    async () => {
      const ws = await target.workspace('confirm', TwoResources)
      // The step says which run waits, with its URL, as it starts to wait.
      let waiting: string | undefined
      const done = step(target.inputs(ws.name, { manual_confirm: 'true' }), {
        onStdout: text => (waiting ??= stepFacts(text).notices.find(n => n.inputs.includes('manual_confirm'))?.runIds[0])
      })
      await waitFor(() => waiting !== undefined, target.pace.runMs, "the step's notice that a run waits for confirmation")
      const runId = waiting as string
      const paused = await target.api.waitForRun(
        runId,
        (s, confirmable) => confirmable || Terminal.has(s),
        target.pace.runMs,
        target.pace.pollMs
      )
      // Paused for a person (after the plan, or its cost estimate or policy checks where the
      // organization has them): the step did not confirm it, so the test's confirmation is taken (202, not 409).
      expect(paused.confirmable).toBe(true)
      expect(['planned', 'cost_estimated', 'policy_checked', 'post_plan_completed']).toContain(paused.status)
      const comment = 'Confirmed by the live test suite of tfe-workspace-run'
      expect(await target.api.applyRun(runId, comment)).toBe(202)

      const r = await done
      expect(errors(r)).toEqual([])
      expect(r.code).toBe(0)
      expect(r.outputs).toMatchObject({ status: 'applied', run_id: runId, attempts: '1' })
      const notice = only(stepFacts(r.stdout).notices, n => n.inputs.includes('manual_confirm'))
      expect(notice.runIds).toEqual([runId])
      expect(new URL(notice.urls[0] as string).pathname).toBe(runPath(ws, runId))
      expect((await target.api.readRun(runId)).status).toBe('applied')
    },
    testMs
  )

  it(
    'timeout: timeout_minutes stops the run the step queued, and the step fails naming the input and the run',
    async () => {
      const ws = await target.workspace('timeout', TwoResources)
      // 3 s: the run is still queued or planning on the service, or waits for confirmation on the stand-in.
      const r = await step(target.inputs(ws.name, { manual_confirm: 'true', timeout_minutes: '0.05' }))
      expect(r.code).toBe(1)
      const runId = r.outputs.run_id as string
      expect(runId).toMatch(/^run-/)
      const error = only(stepFacts(r.stdout).errors)
      expect(error.inputs).toContain('timeout_minutes')
      expect(error.runIds).toEqual([runId])
      // Stopped: discarded while it waited, canceled while it planned; never applied.
      const end = await target.api.waitForRun(runId, s => Terminal.has(s), target.pace.runMs, target.pace.pollMs)
      expect(['discarded', 'canceled', 'force_canceled']).toContain(end.status)
    },
    testMs
  )
})
