/** Documentation that cannot drift: README tables, constants and examples against action.yml. */
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { Inputs, Outputs } from '../../src/action/names.js'
import { actionYml, RepoRoot } from '../helpers/action-runner.ts'
import { exampleBlock, exampleBlocks, inputsTable, outputsTable, readmeSections } from '../helpers/docs.ts'

/** Prettier aligns table columns; compare the cells, not the padding. */
function cells(table: string | undefined): string[][] {
  return (table ?? '')
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line =>
      line
        .split(/(?<!\\)\|/)
        .map(c => c.trim())
        .map(c => (/^:?-+:?$/.test(c) ? '---' : c))
    )
}

describe('documentation', () => {
  it('README inputs and outputs tables match action.yml (run `npm run docs` to rewrite them)', () => {
    const sections = readmeSections()
    expect(cells(sections.inputs)).toEqual(cells(inputsTable()))
    expect(cells(sections.outputs)).toEqual(cells(outputsTable()))
  })

  it('README recipes are the files under examples/, verbatim (run `npm run docs`)', () => {
    const blocks = exampleBlocks(readFileSync(join(RepoRoot, 'README.md'), 'utf8'))
    expect(blocks.map(b => b.name).sort()).toEqual(readdirSync(join(RepoRoot, 'examples')).sort())
    for (const { name, block } of blocks) expect([name, block]).toEqual([name, exampleBlock(name)])
  })

  it('action.yml declares exactly the inputs and outputs the code reads and writes', () => {
    const yml = actionYml()
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.values(Inputs).sort())
    expect(Object.keys(yml.outputs).sort()).toEqual(Object.values(Outputs).sort())
    for (const [name, spec] of Object.entries(yml.inputs)) {
      expect([name, spec.description.length > 20]).toEqual([name, true])
      expect([name, spec.required]).toEqual([name, false])
    }
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js', 'post-if': 'always()' })
  })

  it('every workflow that uses the action passes only inputs it has', () => {
    const known = new Set(Object.keys(actionYml().inputs))
    const files = ['examples', '.github/workflows'].flatMap(dir =>
      readdirSync(join(RepoRoot, dir))
        .filter(f => f.endsWith('.yml'))
        .map(f => join(RepoRoot, dir, f))
    )
    let uses = 0
    for (const file of files) {
      const wf = parse(readFileSync(file, 'utf8')) as {
        jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>
      }
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (step.uses !== './' && !step.uses?.includes('/tfe-workspace-run@')) continue
          uses++
          for (const key of Object.keys(step.with ?? {})) expect([file, key, known.has(key)]).toEqual([file, key, true])
        }
      }
    }
    expect(uses).toBeGreaterThan(10)
  })

  it("every promise in the README's Guarantees section has a test named after it", () => {
    const readme = readFileSync(join(RepoRoot, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Guarantees'), readme.indexOf('\n## ', readme.indexOf('## Guarantees') + 1))
    const promises = [...section.matchAll(/^- \*\*(.+?)\*\*/gm)].map(m => normalise((m[1] as string).replace(/\.$/, '')))
    expect(promises.length).toBeGreaterThanOrEqual(4)
    const titles = (readdirSync(join(RepoRoot, '__tests__'), { recursive: true }) as string[])
      .filter(f => f.endsWith('.test.ts'))
      .flatMap(f =>
        [...readFileSync(join(RepoRoot, '__tests__', f), 'utf8').matchAll(/['"`]guarantee: ([^'"`]+)/g)].map(m => normalise(m[1] as string))
      )
    for (const promise of promises) expect([promise, titles.filter(t => t.startsWith(promise)).length > 0]).toEqual([promise, true])
  })
})

/** Promises and test titles compared without markdown and case. */
function normalise(text: string): string {
  return text.replace(/`/g, '').toLowerCase().trim()
}
