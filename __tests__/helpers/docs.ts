/** The README's inputs and outputs tables, generated from action.yml (`npm run docs`). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { actionYml, RepoRoot } from './action-runner.ts'

/** What the Default column says for inputs whose default is empty on purpose. */
const EmptyDefaults: Record<string, string> = { token: '`TFE_TOKEN` env', message: 'generated' }

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')

export function inputsTable(): string {
  const rows = Object.entries(actionYml().inputs).map(([name, spec]) => {
    const def = spec.default ? `\`${spec.default}\`` : (EmptyDefaults[name] ?? '')
    return `| \`${name}\` | ${def} | ${cell(spec.description)} |`
  })
  return ['## Inputs', '', '| input | default | meaning |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(): string {
  const rows = Object.entries(actionYml().outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`)
  return ['## Outputs', '', '| output | meaning |', '| --- | --- |', ...rows].join('\n')
}

export const ReadmePath = join(RepoRoot, 'README.md')

function between(text: string, marker: string): string | undefined {
  const m = text.match(new RegExp(`<!-- ${marker}:start -->([\\s\\S]*?)<!-- ${marker}:end -->`))
  return m?.[1]
}

export function readmeSections(text = readFileSync(ReadmePath, 'utf8')): { inputs?: string; outputs?: string } {
  return { inputs: between(text, 'inputs'), outputs: between(text, 'outputs') }
}

/** ```yaml blocks between <!-- example:NAME --> and <!-- /example --> hold examples/NAME verbatim. */
const ExampleBlock = /(<!-- example:([\w.-]+) -->)[\s\S]*?(<!-- \/example -->)/g

export function exampleBlocks(text: string): { name: string; block: string }[] {
  return [...text.matchAll(ExampleBlock)].map(m => ({ name: m[2] as string, block: m[0] }))
}

export function exampleBlock(name: string): string {
  const body = readFileSync(join(RepoRoot, 'examples', name), 'utf8').trimEnd()
  return `<!-- example:${name} -->\n\n\`\`\`yaml\n${body}\n\`\`\`\n\n<!-- /example -->`
}

export function withTables(text: string): string {
  return text
    .replace(ExampleBlock, (_m, _open: string, name: string) => exampleBlock(name))
    .replace(/(<!-- inputs:start -->)[\s\S]*?(<!-- inputs:end -->)/, `$1\n\n${inputsTable()}\n\n$2`)
    .replace(/(<!-- outputs:start -->)[\s\S]*?(<!-- outputs:end -->)/, `$1\n\n${outputsTable()}\n\n$2`)
}
