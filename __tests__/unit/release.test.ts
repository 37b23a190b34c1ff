/** The release and the install it rests on: version, CHANGELOG, release workflow and README agree; Node 24 is checked. */
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { actionYml, RepoRoot } from '../helpers/action-runner.ts'

type Entry = { version: string; date: string; notes: string }
type ReleaseNotes = { changelogEntries: (text: string) => Entry[]; releaseNotes: (text: string, version?: string) => string }
type ReleaseCheck = { isIsoDate: (text: string) => boolean; releaseProblems: (version: string, pkg: string, changelog: string) => string[] }
type CheckNode = { RequiredMajor: number; nodeProblem: (version: string, execPath?: string, required?: number) => string | null }
type Step = { name?: string; uses?: string; run?: string }
type Workflow = {
  on: { workflow_dispatch: { inputs: Record<string, { required?: boolean; type?: string }> } }
  permissions: Record<string, string>
  jobs: Record<string, { steps: Step[] }>
}

// The scripts are plain .mjs (check-node.mjs must run on any Node); a computed path keeps the
// type checker from asking for their declarations.
const script = async <T>(file: string): Promise<T> => (await import(join(RepoRoot, 'scripts', file))) as T
const read = (file: string): string => readFileSync(join(RepoRoot, file), 'utf8')
const pkg = (): {
  version: string
  scripts: Record<string, string>
  devDependencies: Record<string, string>
  allowScripts: Record<string, boolean>
} => JSON.parse(read('package.json'))

/**
 * The commands of a step's `run:` script, each as its words (quotes taken off, `$VARS` left as
 * written): lines and `;`, `|`, `&&`, `||` and `$( … )` separate commands, and the shell's
 * keywords in front of one (`if`, `then`, `do`, `!`) are dropped. `>` and its target go to
 * `stdout`. Enough for the release workflow's scripts, which is all it reads.
 */
type Command = { words: string[]; stdout?: string }
function commands(run: string): Command[] {
  const out: Command[] = []
  let words: string[] = []
  let stdout: string | undefined
  let word: string | undefined
  let redirect = false
  let quote: string | undefined
  const endWord = (): void => {
    if (word !== undefined && redirect) stdout = word
    else if (word !== undefined) words.push(word)
    if (word !== undefined) redirect = false
    word = undefined
  }
  const endCommand = (): void => {
    endWord()
    while (['if', 'then', 'else', 'do', '!'].includes(words[0] ?? '')) words.shift()
    if (words.length > 0 && !['fi', 'done'].includes(words[0] ?? '')) out.push(stdout === undefined ? { words } : { words, stdout })
    words = []
    stdout = undefined
  }
  const text = run.replace(/\\\n\s*/g, ' ')
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quote) {
      if (c === quote) quote = undefined
      else word = (word ?? '') + c
    } else if (c === "'" || c === '"') {
      quote = c
      word ??= ''
    } else if (c === '#' && word === undefined) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    } else if (c === '$' && text[i + 1] === '(') {
      // A command substitution: what comes before it (an assignment) and the command inside are apart.
      endCommand()
      i++
    } else if (c === '>') {
      endWord()
      redirect = true
    } else if (/[;|&()\n]/.test(c)) endCommand()
    else if (/\s/.test(c)) endWord()
    else word = (word ?? '') + c
  }
  endCommand()
  return out
}

const startsWith = (cmd: Command, words: string[]): boolean => words.every((w, i) => cmd.words[i] === w)

function readmeSection(heading: string): string {
  const readme = read('README.md')
  const start = readme.indexOf(`\n## ${heading}\n`)
  expect(start).toBeGreaterThan(0)
  return readme.slice(start, readme.indexOf('\n## ', start + 1))
}

const Changelog = '# Changelog\n\nIntro.\n\n## 1.1.0 – 2027-01-05\n\n- b\n  b2\n\n## 1.0.0 — 2026-12-02\n\n- a\n'
const Dated = '## 1.2.3 — 2026-12-02\n\n- x\n'
/** [version asked, package.json's version, CHANGELOG.md] that release-check.mjs refuses, one reason each. */
const Refusals: [string, string, string][] = [
  ['1.2.3', '1.2.2', Dated],
  ['1.2.4', '1.2.4', Dated],
  ['1.2.3', '1.2.3', '## 1.2.3 — unreleased\n\n- x\n'],
  ['1.2.3', '1.2.3', '## 1.2.3 — 2026-12-02\n']
]
/** The files, versions and quoted values a message names, in order. */
const mentions = (message: string): string[] => message.match(/package\.json|CHANGELOG\.md|\d+\.\d+\.\d+|"[^"]*"|YYYY-MM-DD/g) ?? []

describe('release', () => {
  it("CHANGELOG's top entry is package.json's version, dated YYYY-MM-DD", async () => {
    const { changelogEntries } = await script<ReleaseNotes>('release-notes.mjs')
    const { isIsoDate, releaseProblems } = await script<ReleaseCheck>('release-check.mjs')
    const changelog = read('CHANGELOG.md')
    const [top] = changelogEntries(changelog)
    expect(top?.version).toBe(pkg().version)
    expect([top?.date, isIsoDate(top?.date ?? '')]).toEqual([top?.date, true])
    expect(releaseProblems(pkg().version, pkg().version, changelog)).toEqual([])
  })

  it('release-notes.mjs prints exactly the top entry, without its heading', async () => {
    const { releaseNotes } = await script<ReleaseNotes>('release-notes.mjs')
    const changelog = read('CHANGELOG.md')
    const heading = changelog.indexOf(`\n## ${pkg().version} `)
    const bodyStart = changelog.indexOf('\n', heading + 1) + 1
    const next = changelog.indexOf('\n## ', bodyStart)
    const expected = changelog.slice(bodyStart, next < 0 ? undefined : next).trim()
    expect(expected.length).toBeGreaterThan(100)
    expect(releaseNotes(changelog)).toBe(expected)
    expect(releaseNotes(changelog, pkg().version)).toBe(expected)
    const printed = execFileSync(process.execPath, ['scripts/release-notes.mjs', pkg().version], { cwd: RepoRoot, encoding: 'utf8' })
    expect(printed).toBe(`${expected}\n`)
  })

  it('release-notes.mjs splits entries at their headings and refuses a version it does not have', async () => {
    const { changelogEntries, releaseNotes } = await script<ReleaseNotes>('release-notes.mjs')
    expect(changelogEntries(Changelog)).toEqual([
      { version: '1.1.0', date: '2027-01-05', notes: '- b\n  b2' },
      { version: '1.0.0', date: '2026-12-02', notes: '- a' }
    ])
    expect(releaseNotes(Changelog, '1.0.0')).toBe('- a')
    // It throws, naming the version it lacks; run for one, it fails with one line on stderr and nothing on stdout.
    expect(() => releaseNotes(Changelog, '2.0.0')).toThrow('2.0.0')
    const run = spawnSync(process.execPath, ['scripts/release-notes.mjs', '0.0.1'], { cwd: RepoRoot, encoding: 'utf8' })
    expect([run.status, run.stdout, run.stderr.split('\n').length, run.stderr.includes('0.0.1')]).toEqual([1, '', 2, true])
  })

  it('release-check.mjs refuses a version that is not X.Y.Z, disagrees, or has an undated entry', async () => {
    const { releaseProblems } = await script<ReleaseCheck>('release-check.mjs')
    for (const bad of ['v1.2.3', '1.2', '01.2.3', '1.2.3-rc.1', '1.2.3 ', ''])
      expect([bad, releaseProblems(bad, bad, Dated).length]).toEqual([bad, 1])
    expect(releaseProblems('1.2.3', '1.2.3', Dated)).toEqual([])
    // One problem each, naming the file at fault and what it gives against what was asked.
    expect(Refusals.map(([version, pkg, changelog]) => releaseProblems(version, pkg, changelog).map(mentions))).toEqual([
      [['package.json', '1.2.2', '1.2.3']],
      [['CHANGELOG.md', '1.2.3', '1.2.4']],
      [['CHANGELOG.md', '"unreleased"', 'YYYY-MM-DD']],
      [['CHANGELOG.md']]
    ])
    expect(releaseProblems('1.2.3', '1.2.3', '## 1.2.3 — 2026-02-30\n\n- x\n')).toHaveLength(1)
    const run = spawnSync(process.execPath, ['scripts/release-check.mjs', pkg().version], { cwd: RepoRoot, encoding: 'utf8' })
    expect([run.status, run.stderr]).toEqual([0, ''])
  })

  it('golden: what the release scripts say when they refuse', async () => {
    const { releaseNotes } = await script<ReleaseNotes>('release-notes.mjs')
    const { releaseProblems } = await script<ReleaseCheck>('release-check.mjs')
    const run = spawnSync(process.execPath, ['scripts/release-notes.mjs', '0.0.1'], { cwd: RepoRoot, encoding: 'utf8' })
    const thrown = ((): string => {
      try {
        return releaseNotes(Changelog, '2.0.0')
      } catch (err) {
        return (err as Error).message
      }
    })()
    const said = [...Refusals.flatMap(([version, pkg, changelog]) => releaseProblems(version, pkg, changelog)), thrown, run.stderr]
    expect(said).toEqual([
      "package.json's version is 1.2.2, not 1.2.3",
      "CHANGELOG.md's top entry is 1.2.3, not 1.2.4",
      `CHANGELOG.md's top entry is dated "unreleased", not YYYY-MM-DD`,
      "CHANGELOG.md's top entry is empty",
      'CHANGELOG.md has no entry for 2.0.0',
      'CHANGELOG.md has no entry for 0.0.1\n'
    ])
  })

  it('the release workflow does what the README says, in that order', () => {
    const section = readmeSection('Versions and pinning')
    const wf = parse(read('.github/workflows/release.yml')) as Workflow
    const inputs = wf.on.workflow_dispatch.inputs
    expect(Object.keys(inputs)).toEqual(['version'])
    expect(inputs.version).toMatchObject({ required: true, type: 'string' })
    for (const name of Object.keys(inputs)) expect(section).toContain(`\`${name}\``)

    expect(wf.permissions).toEqual({ contents: 'write', actions: 'read' })
    for (const [scope, level] of Object.entries(wf.permissions)) expect(section).toContain(`\`${scope}: ${level}\``)

    const steps = Object.values(wf.jobs).flatMap(job => job.steps)
    for (const step of steps.filter(s => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/)
    const scripts = steps.map(s => commands(s.run ?? ''))
    // The step that runs `words` (the whole of its script when `alone`), and that command.
    const at = (words: string[], alone = false): { step: number; cmd: Command } => {
      const step = scripts.findIndex(cmds =>
        alone ? cmds.length === 1 && cmds[0]?.words.join(' ') === words.join(' ') : cmds.some(c => startsWith(c, words))
      )
      expect([words, step >= 0]).toEqual([words, true])
      return { step, cmd: scripts[step]?.find(c => startsWith(c, words)) as Command }
    }
    // The README's order: every check, then the tags, then the release.
    const order = [
      at(['node', 'scripts/release-check.mjs', '$VERSION']),
      at(['git', 'ls-remote', '--exit-code', '--tags', 'origin', 'refs/tags/v$VERSION']),
      at(['gh', 'run', 'list', '--commit', '$GITHUB_SHA']),
      at(['npm', 'run', 'build'], true),
      at(['npm', 'run', 'check-dist'], true),
      at(['node', 'scripts/release-notes.mjs', '$VERSION']),
      at(['git', 'tag', '-a', 'v$VERSION']),
      at(['gh', 'release', 'create', 'v$VERSION'])
    ].map(found => found.step)
    expect(order).toEqual([...order].sort((a, b) => a - b))

    // The major tag moves in the same step, and both tags are pushed in one atomic push.
    const tagging = scripts[at(['git', 'tag', '-a', 'v$VERSION']).step] ?? []
    const move = tagging.findIndex(c => startsWith(c, ['git', 'tag', '-f', '-a', '$major']))
    const push = tagging.findIndex(c => c.words.join(' ') === 'git push --atomic origin refs/tags/v$VERSION +refs/tags/$major')
    expect([move >= 0, push > move]).toEqual([true, true])

    // The release's notes are the file the notes step wrote.
    const notes = at(['node', 'scripts/release-notes.mjs', '$VERSION']).cmd
    const release = at(['gh', 'release', 'create', 'v$VERSION']).cmd
    expect(notes.stdout).toBe('$RUNNER_TEMP/notes.md')
    expect(release.words[release.words.indexOf('--notes-file') + 1]).toBe(notes.stdout)

    // The workflows the README says must be green are the ones checked, and they exist.
    const releasing = section.slice(section.indexOf('**Releasing**'))
    const named = [...releasing.matchAll(/`([\w-]+\.yml)`/g)].map(m => m[1] as string)
    const ci = scripts[at(['gh', 'run', 'list']).step] ?? []
    const loop = ci.find(c => c.words[0] === 'for' && c.words[2] === 'in')
    const checked = loop?.words.slice(3)
    expect(checked).toEqual(named)
    expect(checked).toContain('ci.yml')
    // …each by the loop's variable.
    const list = at(['gh', 'run', 'list']).cmd.words
    expect(list[list.indexOf('--workflow') + 1]).toBe(`$${loop?.words[1]}`)
    for (const file of named) expect(parse(read(`.github/workflows/${file}`))).toHaveProperty('on')
  })

  it('the README shows every way to pin: the major tag, the exact release, a full commit SHA', () => {
    const section = readmeSection('Versions and pinning')
    const version = pkg().version
    expect(section).toContain(`tfe-workspace-run@v${version.split('.')[0]}\``)
    expect(section).toContain(`tfe-workspace-run@v${version}\``)
    expect(section).toContain(`tfe-workspace-run@<full-commit-sha> # v${version}`)
    // Of the three, only the full commit SHA can never change under you.
    const rows = [...section.matchAll(/^\| `([^`]*@[^`]+)` +\|[^|]+\| ([^|]+?) +\|$/gm)].map(m => [m[1], m[2]])
    expect(rows.map(([uses]) => uses?.replace(/^.*@/, '@'))).toEqual([
      `@v${version.split('.')[0]}`,
      `@v${version}`,
      `@<full-commit-sha> # v${version}`
    ])
    expect(rows.map(([, changes]) => changes === 'never')).toEqual([false, false, true])
    expect(section).toContain(`\`${actionYml().runs.using}\``)
    expect(section).toMatch(/actions\/runner 2\.327\.1 or later/)
  })
})

describe('Node 24 for the tests', () => {
  it('check-node.mjs accepts Node 24 and refuses any other with one line: what it found, what it needs, how to fix it', async () => {
    const { nodeProblem } = await script<CheckNode>('check-node.mjs')
    for (const ok of ['v24.0.0', 'v24.21.0', '24.99.1']) expect([ok, nodeProblem(ok)]).toEqual([ok, null])
    for (const bad of ['v20.20.2', 'v22.1.0', 'v25.0.0', 'v2.4.0', 'v240.0.0', '', 'nonsense']) {
      const line = nodeProblem(bad, '/usr/bin/node')
      expect([bad, typeof line]).toEqual([bad, 'string'])
      expect(line).not.toContain('\n')
      // What it found (the version and the binary), what it needs (24), how to fix it (npm ci).
      const said = line as string
      expect([bad, said.includes(` ${bad} `), said.includes('/usr/bin/node'), /\b24\b/.test(said), said.includes('npm ci')]).toEqual([
        bad,
        true,
        true,
        true,
        true
      ])
    }
    expect(nodeProblem('v26.1.0', '', 26)).toBeNull()
  })

  it('check-node.mjs run by Node 24 passes silently, and npm test and test:unit start with it', () => {
    const run = spawnSync(process.execPath, ['scripts/check-node.mjs'], { cwd: RepoRoot, encoding: 'utf8' })
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '', ''])
    expect(pkg().scripts.test).toMatch(/^node scripts\/check-node\.mjs && /)
    expect(pkg().scripts['test:unit']).toMatch(/^node scripts\/check-node\.mjs && /)
  })

  it('the required Node is the one action.yml runs on and the exact one npm ci installs, by an install script allowed by name', async () => {
    const { RequiredMajor } = await script<CheckNode>('check-node.mjs')
    expect(actionYml().runs.using).toBe(`node${RequiredMajor}`)
    expect(Number(process.versions.node.split('.')[0])).toBe(RequiredMajor)
    const { devDependencies, allowScripts } = pkg()
    expect(devDependencies.node).toMatch(new RegExp(`^${RequiredMajor}\\.\\d+\\.\\d+$`))
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> }
    expect(lock.packages['node_modules/node']).toMatchObject({ version: devDependencies.node, hasInstallScript: true })
    // The approved script fetches the platform's binary at exactly that version.
    expect(read('node_modules/node/installArchSpecificPackage.js')).toContain(`"${devDependencies.node}"`)
    // Every install script has a decision, so npm ci warns of none and a stricter npm blocks none we need.
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    for (const name of withScripts) expect([name, typeof allowScripts[name]]).toEqual([name, 'boolean'])
    expect(allowScripts.node).toBe(true)
  })
})
