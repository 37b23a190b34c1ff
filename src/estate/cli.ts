#!/usr/bin/env node
/**
 * The estate's second entry point (bundled to dist/estate/index.js): `generate` and `check` from
 * a shell, and the estate sub-action (estate/action.yml: mode check or summary) on a runner.
 * File and process I/O only; what is generated, checked or summarised is in the modules beside it.
 */
import * as core from '@actions/core'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { log } from '../common/job-log.js'
import { staleFiles } from './check.js'
import { DefaultEstateFile, EstateError } from './model.js'
import { parseEstate, MaxEstateFileBytes } from './parse.js'
import { generate, type GeneratedFile } from './render.js'
import { SummaryInputError, summaryHtml, summaryRows, summaryText } from './summary.js'

const Usage = `usage: node dist/estate/index.js generate|check [--file ${DefaultEstateFile}]
  generate  write the apply and destroy workflows the estate file describes (nothing is written when it is invalid)
  check     fail, with the diff, when the committed workflows are not what the estate file generates`

function readEstateFile(file: string): string {
  if (!existsSync(file)) throw new EstateError(file, ['the file does not exist (give its path with --file, or the file input)'])
  const text = readFileSync(file)
  if (text.length > MaxEstateFileBytes) throw new EstateError(file, [`the file is larger than ${MaxEstateFileBytes} bytes`])
  return text.toString('utf8')
}

function generated(file: string): GeneratedFile[] {
  return generate(parseEstate(readEstateFile(file), file))
}

function committed(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

/** `check`: true when current; the diff goes to `out` one line at a time. */
function check(file: string, out: (line: string) => void): boolean {
  const stale = staleFiles(generated(file), committed)
  for (const s of stale) {
    out(
      `${s.path} is ${s.state === 'missing' ? 'missing' : 'stale'}: it is not what ${file} generates. Regenerate it (node dist/estate/index.js generate --file ${file}) and commit it.`
    )
    for (const line of s.diff.split('\n')) out(line)
  }
  return stale.length === 0
}

function runCli(argv: string[]): number {
  const [command, ...rest] = argv
  let file = DefaultEstateFile
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--file' && rest[i + 1]) file = rest[++i] as string
    else {
      process.stderr.write(`unknown argument '${rest[i]}'\n${Usage}\n`)
      return 2
    }
  }
  // A shell, not a runner: plain lines on stdout and stderr, no workflow commands.
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  try {
    if (command === 'generate') {
      for (const f of generated(file)) {
        mkdirSync(dirname(f.path), { recursive: true })
        writeFileSync(f.path, f.text)
        out(`wrote ${f.path}`)
      }
      return 0
    }
    if (command === 'check') {
      const ok = check(file, line => void process.stderr.write(`${line}\n`))
      if (ok) out(`the workflows generated from ${file} are current`)
      return ok ? 0 : 1
    }
    process.stderr.write(`${Usage}\n`)
    return 2
  } catch (err) {
    if (err instanceof EstateError) {
      process.stderr.write(`${err.message}\nNothing was written.\n`)
      return 1
    }
    throw err
  }
}

async function runAction(): Promise<void> {
  const mode = core.getInput('mode').trim()
  const file = core.getInput('file').trim() || DefaultEstateFile
  try {
    if (mode === 'check') {
      const lines: string[] = []
      if (check(file, line => lines.push(line))) log.info(`The workflows generated from ${file} are current.`)
      else {
        for (const line of lines) log.info(line)
        log.fail(
          `The committed estate workflows are not what ${file} generates: ${lines
            .filter(l => / is (missing|stale):/.test(l))
            .map(l => l.split(' ')[0])
            .join(', ')}. The diff is above.`
        )
      }
      return
    }
    if (mode === 'summary') {
      const operation = core.getInput('operation').trim() || 'apply'
      const rows = summaryRows(core.getInput('needs'), core.getInput('graph'))
      for (const line of summaryText(rows)) log.info(line)
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summaryHtml(operation, rows), true).write()
      return
    }
    log.fail(`Input 'mode': '${mode}' is not one of: check, summary.`)
  } catch (err) {
    if (err instanceof EstateError || err instanceof SummaryInputError) log.fail(err.message)
    else throw err
  }
}

if (process.argv.length > 2) process.exitCode = runCli(process.argv.slice(2))
else await runAction()
