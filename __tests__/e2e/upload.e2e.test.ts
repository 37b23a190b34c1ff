/**
 * Plan the checkout, and apply exactly the plan that was reviewed, end to end: the bundled action
 * packs a directory, uploads it to the stand-in as a configuration version, plans it, saves the
 * plan, and a second step applies that plan with run_id.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WorkspaceSpec } from '../../stand-in/server.ts'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep } from '../helpers/action-runner.ts'
import { only, stepFacts, type Annotation } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 200, applyMs: 200, applyQueueMs: 20, processingMs: 20 }
const fixture = useStandIn('ws-cv', { defaultTimings: fast })
/** API-driven workspaces: no configuration until the step uploads one. */
function workspace(spec: Partial<WorkspaceSpec> = {}): { name: string; id: string } {
  return fixture.workspace({ hasConfiguration: false, ...spec })
}

/** A checkout: files by path (relative), written under a fresh directory. */
function checkout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'checkout-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

const twoResources = 'resource "aws_vpc" "main" {}\nresource "aws_subnet" "a" {}\n'

function step(ws: { name: string }, root: string, extra: Record<string, string>, env: Record<string, string> = {}) {
  return runStep({
    inputs: fixture.inputs(ws.name, extra),
    env: { GITHUB_WORKSPACE: root, ...env }
  })
}

/** The paths of the archive the stand-in received for the step's configuration version. */
function uploaded(r: { outputs: Record<string, string> }): string[] {
  return fixture.server.configurationVersions.get(r.outputs.configuration_version_id as string)?.entries ?? []
}

/** The run's page on the stand-in, as the step links it. */
function runUrl(ws: { name: string }, runId: string | undefined): string {
  return `${fixture.server.url}/app/demo-org/workspaces/${ws.name}/runs/${runId}`
}

/** The step's only annotation, which must be an error. */
function theError(r: { stdout: string }): Annotation {
  const error = only(stepFacts(r.stdout).annotations)
  expect(error.kind).toBe('error')
  return error
}

/** Nothing was created on the workspace: no configuration version (not even asked for), no run. */
function nothingCreated(ws: { id: string }): void {
  expect([...fixture.server.configurationVersions.values()].filter(v => v.workspaceId === ws.id)).toEqual([])
  expect(
    fixture.server.requests.filter(q => q.method === 'POST' && q.path.includes(`/workspaces/${ws.id}/configuration-versions`))
  ).toEqual([])
  expect(fixture.server.runsOf(ws.id)).toEqual([])
}

describe('the checkout as a configuration version', () => {
  it('a pull-request plan uploads the directory and plans it: speculative, never locking the workspace', async () => {
    const ws = workspace()
    const root = checkout({ 'infra/network/main.tf': twoResources })
    const r = await step(ws, root, { operation: 'plan', directory: 'infra/network' })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({ status: 'planned_and_finished', resource_additions: '2' })
    const cv = fixture.server.configurationVersions.get(r.outputs.configuration_version_id as string)
    expect(cv).toMatchObject({ status: 'uploaded', speculative: true, autoQueueRuns: false })
    expect(fixture.server.runsOf(ws.id)[0]?.configurationVersionId).toBe(cv?.id)
    expect(fixture.server.workspaces.get(ws.id)?.currentRunId).toBeUndefined()
    expect(rows(r.summary)).toEqual(['aws_subnet.a', 'aws_vpc.main'])
    expect(fixture.server.tokenLeaks).toBe(0)
    // The upload URL is a secret: masked, never printed.
    expect(r.stdout.split('\n').filter(l => l.includes('/v1/upload/') && !l.startsWith('::add-mask::'))).toEqual([])
  })

  it('honours .terraformignore (and keeps .terraform/modules while dropping the rest of .terraform)', async () => {
    const ws = workspace()
    const root = checkout({
      'main.tf': twoResources,
      '.terraformignore': '# local only\nsecrets.auto.tfvars\nbuild/\n!build/keep.txt\n',
      'secrets.auto.tfvars': 'password = "hunter2"',
      'build/out.bin': 'binary',
      'build/keep.txt': 'kept',
      '.terraform/providers/p': 'provider binary',
      '.terraform/modules/vpc/main.tf': 'variable "x" {}',
      '.git/HEAD': 'ref: refs/heads/main'
    })
    const r = await step(ws, root, { operation: 'plan', directory: '.' })
    expect(r.code).toBe(0)
    const entries = fixture.server.configurationVersions.get(r.outputs.configuration_version_id as string)?.entries ?? []
    expect(entries).toEqual(expect.arrayContaining(['main.tf', '.terraformignore', 'build/keep.txt', '.terraform/modules/vpc/main.tf']))
    for (const gone of ['secrets.auto.tfvars', 'build/out.bin', '.terraform/providers/p', '.git/HEAD']) expect(entries).not.toContain(gone)
  })

  it('a saved plan is applied, exactly, by a second step with run_id', async () => {
    const ws = workspace()
    const root = checkout({ 'main.tf': twoResources })
    const plan = await step(ws, root, { directory: '.', save_plan: 'true' })
    expect(plan.code).toBe(0)
    expect(plan.outputs.status).toBe('planned_and_saved')
    const runId = plan.outputs.run_id as string
    expect(fixture.server.runs.get(runId)?.savePlan).toBe(true)
    expect(fixture.server.configurationVersions.get(plan.outputs.configuration_version_id as string)?.provisional).toBe(true)
    expect(fixture.server.workspaces.get(ws.id)?.appliesSeen).toBe(0)

    const apply = await step(ws, root, { run_id: runId })
    expect(apply.code).toBe(0)
    expect(apply.outputs).toMatchObject({ status: 'applied', run_id: runId, attempts: '1' })
    expect(fixture.server.runsOf(ws.id)).toHaveLength(1)
    expect(fixture.server.workspaces.get(ws.id)?.stateAddresses).toEqual(['aws_subnet.a', 'aws_vpc.main'])
  })

  it('a saved plan made stale by another apply fails clearly: plan again, with both links', async () => {
    const ws = workspace()
    const root = checkout({ 'main.tf': twoResources })
    const plan = await step(ws, root, { directory: '.', save_plan: 'true' })
    const stale = plan.outputs.run_id as string
    const other = await step(ws, checkout({ 'main.tf': 'resource "aws_vpc" "main" {}\n' }), { directory: '.' })
    expect(other.code).toBe(0)
    const apply = await step(ws, root, { run_id: stale })
    expect(apply.code).toBe(1)
    expect(apply.outputs.status).toBe('discarded')
    // The error names the stale plan and the run applied since, with both links.
    const error = theError(apply)
    expect([error.runIds, error.urls]).toEqual([
      [stale, other.outputs.run_id],
      [runUrl(ws, other.outputs.run_id), runUrl(ws, stale)]
    ])
    expect(fixture.server.runs.get(stale)?.status).toBe('discarded')
  })

  it('a step given a saved plan that times out leaves the plan unconfirmed for another try, not discarded', async () => {
    const ws = workspace()
    const root = checkout({ 'main.tf': twoResources })
    const plan = await step(ws, root, { directory: '.', save_plan: 'true' })
    const runId = plan.outputs.run_id as string
    const r = await step(ws, root, { run_id: runId, manual_confirm: 'true', timeout_minutes: '0.03' })
    expect(r.code).toBe(1)
    // The error names the deadline's input, the run with its link and status, and that it came as run_id.
    const error = only(stepFacts(r.stdout).errors)
    expect([error.inputs, error.runIds, error.urls, error.quoted]).toEqual([
      ['timeout_minutes', 'run_id'],
      [runId],
      [runUrl(ws, runId)],
      ['timeout_minutes', 'planned_and_saved']
    ])
    expect(fixture.server.runs.get(runId)?.status).toBe('planned_and_saved')
    expect(fixture.server.requests.filter(q => q.method === 'POST' && q.path.startsWith(`/api/v2/runs/${runId}/actions/`))).toEqual([])
    expect(r.state.active_run_id).toBe('')
  })

  it('a run_id of another workspace is refused before anything is confirmed', async () => {
    const a = workspace()
    const b = workspace()
    const plan = await step(a, checkout({ 'main.tf': twoResources }), { directory: '.', save_plan: 'true' })
    const r = await step(b, tmpdir(), { run_id: plan.outputs.run_id as string })
    expect(r.code).toBe(1)
    // The error names the input, the run, the workspace it belongs to and the one the step was given.
    const error = theError(r)
    expect([error.inputs, error.runIds, error.workspaces]).toEqual([['run_id'], [plan.outputs.run_id], [`demo-org/${b.name}`]])
    expect(error.text).toContain(a.id)
    expect(fixture.server.runs.get(plan.outputs.run_id as string)?.status).toBe('planned_and_saved')
  })

  it('an upload that fails once is retried (the PUT is idempotent)', async () => {
    const ws = workspace()
    fixture.server.failUploads = 1
    const r = await step(ws, checkout({ 'main.tf': twoResources }), { operation: 'plan', directory: '.' })
    expect(r.code).toBe(0)
    const id = r.outputs.configuration_version_id as string
    expect(fixture.server.uploads.filter(u => u.configurationVersionId === id).map(u => u.accepted)).toEqual([false, true])
    const warning = only(stepFacts(r.stdout).annotations)
    expect([warning.kind, warning.statuses]).toEqual(['warning', [503]])
  })

  it('refuses a directory that does not exist, one without .tf files, and a symlink that escapes it', async () => {
    const ws = workspace()
    const root = checkout({ 'docs/README.md': 'no terraform here', 'infra/main.tf': twoResources })
    symlinkSync('/etc/passwd', join(root, 'infra', 'passwd'))
    const missing = await step(ws, root, { operation: 'plan', directory: 'nope' })
    expect([theError(missing).inputs, theError(missing).quoted]).toEqual([['directory'], ['directory', 'nope']])
    const empty = await step(ws, root, { operation: 'plan', directory: 'docs' })
    expect([theError(empty).inputs, theError(empty).quoted]).toEqual([['directory'], ['directory', join(root, 'docs')]])
    expect(theError(empty).text).toContain('.tf.json')
    const escaping = await step(ws, root, { operation: 'plan', directory: 'infra' })
    expect([theError(escaping).inputs, theError(escaping).quoted]).toEqual([['directory'], ['directory', 'passwd', '/etc/passwd']])
    for (const r of [missing, empty, escaping]) expect(r.code).toBe(1)
    expect(fixture.server.configurationVersions.size).toBeGreaterThan(0)
    expect([...fixture.server.configurationVersions.values()].filter(v => v.workspaceId === ws.id)).toEqual([])
  })

  it('packs the repository root when the workspace has a working directory, and says so when they disagree', async () => {
    const ws = workspace({ workingDirectory: 'infra/network' })
    const root = checkout({ 'infra/network/main.tf': twoResources, 'modules/vpc/main.tf': 'variable "x" {}' })
    const fromWd = await step(ws, root, { operation: 'plan', directory: 'infra/network' })
    expect(fromWd.code).toBe(0)
    const entries = fixture.server.configurationVersions.get(fromWd.outputs.configuration_version_id as string)?.entries ?? []
    expect(entries).toEqual(expect.arrayContaining(['infra/network/main.tf', 'modules/vpc/main.tf']))
    expect(fromWd.outputs.resource_additions).toBe('2')
    const elsewhere = await step(ws, checkout({ 'other/main.tf': twoResources }), { operation: 'plan', directory: 'other' })
    expect(elsewhere.code).toBe(1)
    // The error names the workspace, its working directory, the directory given and the input.
    const error = theError(elsewhere)
    expect([error.inputs, error.workspaces[0], error.quoted.slice(0, 3)]).toEqual([
      ['directory'],
      `demo-org/${ws.name}`,
      [`demo-org/${ws.name}`, 'infra/network', 'other']
    ])
  })
})

describe('the bundled step decides .terraformignore as go-slug does', () => {
  it('guarantee: excluded files are never uploaded — classes, +, ( ) and a decomposed name decide as HCP Terraform does', async () => {
    const ws = workspace()
    const cafe = 'café.tfvars'
    const root = checkout({
      'main.tf': twoResources,
      '.terraformignore': ['secret[0-9].tfvars', '*.sw[op]', 'build+out/', 'foo(1).txt', cafe.normalize('NFC')].join('\n'),
      'secret1.tfvars': 'password = "hunter2"',
      '.main.tf.swp': 'swap',
      'notes.swo': 'swap',
      'build+out/x.txt': 'kept: `+` repeats the d',
      'buildout/x.txt': 'left out',
      'foo(1).txt': 'kept: ( ) group',
      'foo1.txt': 'left out',
      [cafe.normalize('NFD')]: 'password = "hunter2"'
    })
    const r = await step(ws, root, { operation: 'plan', directory: '.' })
    expect(r.code).toBe(0)
    const entries = uploaded(r)
    expect(entries).toEqual(expect.arrayContaining(['main.tf', 'build+out/x.txt', 'foo(1).txt']))
    for (const gone of [
      'secret1.tfvars',
      '.main.tf.swp',
      'notes.swo',
      'buildout/x.txt',
      'foo1.txt',
      cafe.normalize('NFD'),
      cafe.normalize('NFC')
    ]) {
      expect(entries).not.toContain(gone)
    }
  })

  it('a file name that is not UTF-8 is refused, naming it, before anything is created; left out by .terraformignore, it is no obstacle', async () => {
    const ws = workspace()
    const root = checkout({ 'main.tf': twoResources })
    // f\xff.tf: no string names this file, so the step must not pretend to read it by one.
    writeFileSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x66])]), 'variable "x" {}')
    const refused = await step(ws, root, { operation: 'plan', directory: '.' })
    expect(refused.code).toBe(1)
    expect([theError(refused).inputs, theError(refused).quoted]).toEqual([['directory'], ['directory', 'f\\xff.tf']])
    expect(refused.stdout).not.toMatch(/ENOENT|lstat/)
    nothingCreated(ws)
    writeFileSync(join(root, '.terraformignore'), 'f?.tf\n')
    const ignored = await step(ws, root, { operation: 'plan', directory: '.' })
    expect(ignored.code).toBe(0)
    expect(uploaded(ignored).sort()).toEqual(['.terraformignore', 'main.tf'])
  })
})

describe('input directory stays inside the checkout', () => {
  /** A checkout `repo` with a sibling `outside` holding a configuration and a credentials file. */
  function beside(): { root: string; outside: string } {
    const parent = mkdtempSync(join(tmpdir(), 'runner-work-'))
    const root = join(parent, 'repo')
    const outside = join(parent, 'outside')
    for (const [path, text] of Object.entries({
      'repo/main.tf': twoResources,
      'repo/infra/main.tf': twoResources,
      'outside/main.tf': twoResources,
      'outside/.credentials': 'aws_secret_access_key = AKIA...'
    })) {
      mkdirSync(join(parent, path, '..'), { recursive: true })
      writeFileSync(join(parent, path), text)
    }
    symlinkSync(outside, join(root, 'link'))
    return { root, outside }
  }

  it.each([['../outside'], ['<absolute>'], ['infra/../../outside'], ['link'], ['link/.']])(
    'guarantee: nothing outside the checkout is uploaded — directory %s is refused before anything is created',
    async directory => {
      const ws = workspace()
      const { root, outside } = beside()
      const r = await step(ws, root, { operation: 'plan', directory: directory === '<absolute>' ? outside : directory })
      expect(r.code).toBe(1)
      expect(theError(r).inputs).toEqual(['directory'])
      nothingCreated(ws)
    }
  )

  it('guarantee: nothing outside the checkout is uploaded — a workspace working directory cannot lift the archive above the checkout', async () => {
    const ws = workspace({ workingDirectory: 'repo' })
    const { root } = beside()
    // `repo` ends the path of the checkout itself: its parent would be the archive's root.
    const r = await step(ws, root, { operation: 'plan', directory: '.' })
    expect(r.code).toBe(1)
    expect(theError(r).inputs).toEqual(['directory'])
    nothingCreated(ws)
  })

  it('a directory inside the checkout, through a symlink that stays inside, is packed', async () => {
    const ws = workspace()
    const { root } = beside()
    symlinkSync(join(root, 'infra'), join(root, 'infra-link'))
    const r = await step(ws, root, { operation: 'plan', directory: 'infra-link' })
    expect(r.code).toBe(0)
    expect(uploaded(r)).toEqual(['main.tf'])
  })
})

describe('packing and the upload honour the deadline and cancel', () => {
  /** A checkout with a sparse file of zeros: instant to make, real gzip work to pack (a few MiB packed, under the cap). */
  function bigCheckout(): { root: string; temp: string } {
    const root = checkout({ 'main.tf': twoResources, 'big.bin': '' })
    truncateSync(join(root, 'big.bin'), 3 * 2 ** 30)
    return { root, temp: mkdtempSync(join(tmpdir(), 'runner-temp-')) }
  }

  it('a 3 GiB file and timeout_minutes of 3 s: the step ends within a few seconds of the deadline, nothing queued, no archive left', async () => {
    const ws = workspace()
    const { root, temp } = bigCheckout()
    const r = await step(ws, root, { operation: 'plan', directory: '.', timeout_minutes: '0.05' }, { RUNNER_TEMP: temp })
    expect(r.code).toBe(1)
    expect(r.durationMs).toBeLessThan(3000 + 3000)
    expect(fixture.server.runsOf(ws.id)).toEqual([])
    expect(
      fixture.server.uploads.filter(u => fixture.server.configurationVersions.get(u.configurationVersionId)?.workspaceId === ws.id)
    ).toEqual([])
    expect(readdirSync(temp)).toEqual([])
  }, 90_000)

  it('a cancelled job stops packing at once: nothing queued, no archive left', async () => {
    const ws = workspace()
    const { root, temp } = bigCheckout()
    let cancelledAt = 0
    const r = await runStep({
      inputs: fixture.inputs(ws.name, { operation: 'plan', directory: '.' }),
      env: { GITHUB_WORKSPACE: root, RUNNER_TEMP: temp },
      onSpawn: child =>
        setTimeout(() => {
          cancelledAt = performance.now()
          child.kill('SIGINT')
        }, 1500),
      killAfterMs: 80_000
    })
    expect(r.signal).toBeNull()
    expect(r.code).toBe(1)
    expect(r.exitedAt - cancelledAt).toBeLessThan(3000)
    expect(fixture.server.runsOf(ws.id)).toEqual([])
    expect(readdirSync(temp)).toEqual([])
  }, 90_000)
})

/** The addresses of the summary's change table. */
function rows(html: string): string[] {
  return [...html.matchAll(/<tr><td>[^<]+<\/td><td><code>([^<]+)<\/code><\/td><\/tr>/g)].map(m => m[1] as string).sort()
}
