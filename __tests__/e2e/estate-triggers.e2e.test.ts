/**
 * The estate and HCP Terraform's run triggers, through the bundle (dist/estate/index.js) on the
 * stand-in: `import` writes the estate file from the organization's triggers, and `check` (in a
 * shell and as the sub-action) warns where the file orders two workspaces opposite to a trigger.
 */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { RepoRoot } from '../helpers/action-runner.ts'
import { useStandIn } from '../helpers/stand-in.ts'
import { withoutNock } from '../helpers/hostile-host.ts'
import { stepFacts } from '../helpers/step-facts.ts'

withoutNock()
const fixture = useStandIn('estate-triggers')
const Cli = join(RepoRoot, 'dist', 'estate', 'index.js')
let orgs = 0

/** A fresh organization with net → platform → app joined by run triggers, and a workspace with none. */
function organization(): string {
  const org = `trig-${++orgs}`
  const id = (name: string): string => fixture.server.addWorkspace({ name, organization: org }).id
  const [net, platform, app] = [id('net'), id('platform'), id('app')]
  id('lone')
  fixture.server.addRunTrigger(platform, net)
  fixture.server.addRunTrigger(app, platform)
  return org
}

interface Ran {
  status: number | null
  stdout: string
  stderr: string
}

/** The bundle as a child, asynchronously: the stand-in answers from this very process. */
function spawnAsync(args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += String(d)))
    child.stderr.on('data', d => (stderr += String(d)))
    child.on('close', status => resolve({ status, stdout, stderr }))
  })
}

const cli = (dir: string, ...args: string[]): Promise<Ran> => spawnAsync([Cli, ...args], dir, { TFE_TOKEN: 'test-token' })

function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'estate-triggers-'))
  mkdirSync(join(dir, '.github'))
  return dir
}

interface EstateFile {
  defaults: { organization: string; hostname: string }
  workspaces: { name: string; needs?: string[] }[]
}

describe('estate from run triggers', () => {
  it('import writes each workspace joined by a trigger, needing its trigger sources, in apply order', async () => {
    const org = organization()
    const dir = checkout()
    const r = await cli(dir, 'import', '--organization', org, '--hostname', fixture.server.url, '--out', '.github/estate.yml')
    expect(r.status).toBe(0)
    const file = parse(readFileSync(join(dir, '.github', 'estate.yml'), 'utf8')) as EstateFile
    expect(file.defaults).toEqual({ organization: org, hostname: fixture.server.url })
    expect(file.workspaces).toEqual([{ name: 'net' }, { name: 'platform', needs: ['net'] }, { name: 'app', needs: ['platform'] }])
    // The imported file generates, and agrees with the triggers.
    expect((await cli(dir, 'generate')).status).toBe(0)
    const check = await cli(dir, 'check')
    expect([check.status, String(check.stderr)]).toEqual([0, ''])
  })

  it('import --all keeps the workspaces no trigger joins', async () => {
    const org = organization()
    const dir = checkout()
    expect((await cli(dir, 'import', '--organization', org, '--hostname', fixture.server.url, '--all', '--out', 'e.yml')).status).toBe(0)
    expect((parse(readFileSync(join(dir, 'e.yml'), 'utf8')) as EstateFile).workspaces.map(w => w.name).sort()).toEqual([
      'app',
      'lone',
      'net',
      'platform'
    ])
  })

  it('import without --out writes the estate file to stdout and nothing else: `import > estate.yml` is the file --out writes', async () => {
    const org = organization()
    const dir = checkout()
    const args = ['import', '--organization', org, '--hostname', fixture.server.url]
    const written = await cli(dir, ...args, '--out', 'e.yml')
    expect(written.status).toBe(0)
    const file = readFileSync(join(dir, 'e.yml'), 'utf8')
    const piped = await cli(dir, ...args)
    expect(piped.status).toBe(0)
    expect(parse(piped.stdout)).toEqual(parse(file))
    expect(piped.stdout).toBe(file)
    // With debug on, the client's log lines exist and go to stderr; stdout is still the file alone.
    const debug = await spawnAsync([Cli, ...args], dir, { TFE_TOKEN: 'test-token', RUNNER_DEBUG: '1' })
    expect([debug.status, debug.stdout]).toEqual([0, file])
    expect(debug.stderr).toContain('/run-triggers')
    // What was redirected is an estate file the generator takes.
    writeFileSync(join(dir, '.github', 'estate.yml'), piped.stdout)
    expect((await cli(dir, 'generate')).status).toBe(0)
  })

  it('import needs a token and an organization; an organization the token cannot see fails', async () => {
    const dir = checkout()
    expect((await spawnAsync([Cli, 'import', '--organization', 'x'], dir, {})).status).toBe(2)
    expect((await cli(dir, 'import', '--organization', 'no-such-org', '--hostname', fixture.server.url)).status).toBe(1)
  })

  it('check warns, naming both workspaces, where the file orders two opposite to a trigger; the check itself still passes', async () => {
    const org = organization()
    const dir = checkout()
    // The trigger says app runs after platform applies; this file applies app before platform.
    writeFileSync(
      join(dir, '.github', 'estate.yml'),
      `defaults:\n  organization: ${org}\n  hostname: ${fixture.server.url}\nworkspaces:\n  - name: net\n  - name: app\n    needs: [net]\n  - name: platform\n    needs: [app]\n`
    )
    expect((await cli(dir, 'generate')).status).toBe(0)
    const r = await cli(dir, 'check')
    expect(r.status).toBe(0)
    const warnings = String(r.stderr)
      .split('\n')
      .filter(l => l.startsWith('warning:'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/platform.*app|app.*platform/)
    expect(warnings[0]).not.toContain('net')

    // The sub-action: the same warning as an annotation, with the token input.
    const action = await spawnAsync([Cli], dir, {
      GITHUB_ACTIONS: 'true',
      INPUT_MODE: 'check',
      INPUT_FILE: '.github/estate.yml',
      INPUT_TOKEN: 'test-token'
    })
    expect(action.status).toBe(0)
    const facts = stepFacts(action.stdout)
    expect(facts.warnings).toHaveLength(1)
    expect(facts.errors).toEqual([])
    expect(facts.masks).toContain('test-token')
  })

  it('without a token the check reads no run trigger', async () => {
    const org = organization()
    const dir = checkout()
    writeFileSync(
      join(dir, '.github', 'estate.yml'),
      `defaults:\n  organization: ${org}\n  hostname: ${fixture.server.url}\nworkspaces:\n  - name: net\n`
    )
    expect((await cli(dir, 'generate')).status).toBe(0)
    const before = fixture.server.requests.length
    expect((await spawnAsync([Cli, 'check'], dir, {})).status).toBe(0)
    expect(fixture.server.requests.length).toBe(before)
  })
})
