#!/usr/bin/env node
/**
 * The estate's second entry point (bundled to dist/estate/index.js): `generate` and `check` from
 * a shell, and the estate sub-action (estate/action.yml: mode check or summary) on a runner.
 * File and process I/O only; what is generated, checked or summarised is in the modules beside it.
 */
import * as core from '@actions/core'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { log, logToShell } from '../common/job-log.js'
import { staleFiles } from './check.js'
import { DefaultEstateFile, EstateError } from './model.js'
import { parseEstate, MaxEstateFileBytes } from './parse.js'
import { generate, type GeneratedFile } from './render.js'
import { SummaryInputError, summaryHtml, summaryRows, summaryText } from './summary.js'
import { estateFromTriggers, triggerDisagreements } from './run-triggers.js'
import { estateTriggers, organizationTriggers } from './triggers-api.js'
import { TfeClient } from '../tfe/client.js'
import { parseHostname } from '../action/input-readers.js'
import { errorMessage } from '../common/errors.js'

const Usage = `usage: node dist/estate/index.js generate|check [--file ${DefaultEstateFile}]
       node dist/estate/index.js import --organization ORG [--hostname HOST] [--all] [--out ${DefaultEstateFile}]
  generate  write the apply and destroy workflows the estate file describes (nothing is written when it is invalid)
  check     fail, with the diff, when the committed workflows are not what the estate file generates; with
            TFE_TOKEN set, also warn where the file orders two workspaces opposite to a run trigger
  import    write an estate file from the organization's run triggers (TFE_TOKEN: a token that may read them)`

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

/** The check's warnings: triggers the file orders the other way (read only with a token). */
async function triggerWarnings(file: string, token: string): Promise<string[]> {
  const estate = parseEstate(readEstateFile(file), file)
  const clients = new Map<string, TfeClient>()
  const clientFor = (hostname: string | undefined): TfeClient => {
    const baseUrl = parseHostname(hostname ?? '')
    let c = clients.get(baseUrl)
    if (!c) clients.set(baseUrl, (c = new TfeClient({ baseUrl, token, hostSetting: `the hostname of ${file}` })))
    return c
  }
  try {
    const { edges, notes } = await estateTriggers(estate, clientFor)
    return [
      ...triggerDisagreements(estate, edges).map(
        d =>
          `A run trigger queues runs on ${d.downstream} after each apply of ${d.upstream}, but ${file} orders them the other way (${d.upstream} needs ${d.downstream}): the estate applies ${d.downstream} first, and the trigger then runs it again. Reverse the need, or remove the trigger.`
      ),
      ...notes.map(n => `Not checked against run triggers: ${n}.`)
    ]
  } finally {
    for (const c of clients.values()) c.dispose()
  }
}

async function runImport(flags: Map<string, string>): Promise<number> {
  const organization = flags.get('--organization')
  const token = (process.env.TFE_TOKEN ?? '').trim()
  if (!organization || !token) {
    process.stderr.write(`import needs --organization and a token in TFE_TOKEN\n${Usage}\n`)
    return 2
  }
  const hostname = flags.get('--hostname')
  const client = new TfeClient({ baseUrl: parseHostname(hostname ?? ''), token, hostSetting: '--hostname' })
  try {
    const found = await organizationTriggers(client, organization)
    // HCP Terraform answers an organization the token cannot see with an empty list as often as a 404.
    if (found.workspaces.length === 0) {
      process.stderr.write(
        `Organization ${organization} on ${client.host} has no workspace the token can see: check --organization, --hostname and the token's access.\n`
      )
      return 1
    }
    const text = estateFromTriggers(organization, found.workspaces, found.edges, { hostname, all: flags.has('--all') })
    for (const n of found.notes) process.stderr.write(`warning: ${n}\n`)
    const out = flags.get('--out')
    if (!out) process.stdout.write(text)
    else {
      mkdirSync(dirname(out), { recursive: true })
      writeFileSync(out, text)
      process.stdout.write(
        `wrote ${out}: ${found.edges.length} run triggers between ${new Set(found.edges.flatMap(e => [e.upstream, e.downstream])).size} workspaces\n`
      )
    }
    return 0
  } catch (err) {
    process.stderr.write(`Could not read the run triggers of organization ${organization}: ${errorMessage(err)}\n`)
    return 1
  } finally {
    client.dispose()
  }
}

async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const flags = new Map<string, string>()
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] ?? ''
    if (flag === '--all') flags.set(flag, 'true')
    else if (['--file', '--organization', '--hostname', '--out'].includes(flag) && rest[i + 1]) flags.set(flag, rest[++i] ?? '')
    else {
      process.stderr.write(`unknown argument '${flag}'\n${Usage}\n`)
      return 2
    }
  }
  const file = flags.get('--file') ?? DefaultEstateFile
  if (command === 'import') return await runImport(flags)
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
      const token = (process.env.TFE_TOKEN ?? '').trim()
      if (token) for (const w of await triggerWarnings(file, token)) process.stderr.write(`warning: ${w}\n`)
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
      const token = core.getInput('token').trim()
      if (token) {
        core.setSecret(token)
        // Advice, not the check: a run trigger the file contradicts is a warning each.
        try {
          for (const w of await triggerWarnings(file, token)) log.warning(w)
        } catch (err) {
          if (err instanceof EstateError) throw err
          log.warning(`Not checked against run triggers: ${errorMessage(err)}`)
        }
      }
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

if (process.argv.length > 2) {
  // stdout is the command's output (`import > estate.yml`): the client's log lines go to stderr.
  logToShell(line => void process.stderr.write(`${line}\n`))
  process.exitCode = await runCli(process.argv.slice(2))
} else await runAction()
