/**
 * The log module against a port of the runner's command parser: hostile text in every log
 * function, in both command forms the runner reads, comes out as text, never as a command.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { log, logToShell, neutralize } from '../../src/common/job-log.js'
import { captureStdout } from '../helpers/env.ts'
import { KnownCommands, parseLine, runnerCommands, runnerLines } from '../helpers/runner-commands.ts'

/** A name as written by someone who wants it to pass a case-sensitive filter. */
function spellings(name: string): string[] {
  const mixed = [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')
  // OrdinalIgnoreCase upper-cases the long s and the dotless i to S and I.
  const folded = name.replace(/s/g, 'ſ').replace(/i/g, 'ı')
  return [...new Set([name, name.toUpperCase(), mixed, folded])]
}

interface Hostile {
  text: string
  /** Whether the runner reads a command in it when written as it is. */
  live: boolean
}

function hostile(name: string): Hostile[] {
  const live = (text: string): Hostile => ({ text, live: true })
  const dead = (text: string): Hostile => ({ text, live: false })
  return [
    live(`::${name}::pwned`),
    live(`::${name} file=main.tf,line=1,title=Plan approved::pwned`),
    live(`   ::${name}::pwned`),
    live(`\t\u00a0\u3000::${name}::pwned`),
    // The runner finds `::` past a zero-width lead but takes the name from index 2, the second colon.
    dead(`\u200b::${name}::pwned`),
    dead(`\u001b::${name}::pwned`),
    live(`maintenance\n::${name}::pwned`),
    live(`maintenance\r::${name}::pwned`),
    live(`maintenance\r\n  ::${name}::pwned`),
    live(`::${name}::%0A::error::%0D`),
    dead(`maintenance\u2028::${name}::pwned`),
    dead(`maintenance%0A::${name}::pwned`),
    dead(`\u001b[31m::${name}::pwned`),
    dead(`:\u200b:${name}::pwned`),
    live(`##[${name}]pwned`),
    live(`  + aws_instance.web: ##[${name}]pwned`),
    live(`##[${name} file=main.tf;line=1]pwned`),
    live(`\u001b[31m\u001b[1m##[${name}]pwned\u001b[0m`),
    live(`Error: \u001b[0m##[${name}]pwned`),
    live(`maintenance\n##[${name}]pwned`),
    live(`maintenance%0A##[${name}]pwned`),
    live(`a]b ##[${name}]pwned%5D`),
    live(`\u200b##[${name}]pwned`),
    live(`###[${name}]pwned`),
    live(`##[${name}]::error::pwned`),
    dead(`#\u200b#[${name}]pwned`),
    dead(`##\u00ad[${name}]pwned`)
  ]
}

const Corpus: Hostile[] = KnownCommands.flatMap(name => spellings(name).flatMap(hostile))

/** What one log function writes for every hostile text, and the command it issues itself. */
const Writers: { name: string; own: string | undefined; write: (text: string) => Promise<void> }[] = [
  { name: 'info', own: undefined, write: async t => log.info(t) },
  { name: 'debug', own: 'debug', write: async t => log.debug(t) },
  { name: 'notice', own: 'notice', write: async t => log.notice(t) },
  { name: 'warning', own: 'warning', write: async t => log.warning(t) },
  { name: 'fail', own: 'error', write: async t => log.fail(t) },
  { name: 'startGroup', own: 'group', write: async t => log.startGroup(t) },
  { name: 'group', own: 'group', write: t => log.group(t, async () => undefined) }
]

afterEach(() => {
  // log.fail sets the exit code; the test process keeps its own.
  process.exitCode = undefined
})

describe('the log module', () => {
  it('the port of the runner reads a command in every live hostile text as it stands', () => {
    expect(Corpus.length).toBeGreaterThan(500)
    const missed = Corpus.filter(h => h.live && runnerCommands(`${h.text}\n`).length === 0).map(h => h.text)
    expect(missed).toEqual([])
  })

  it.each(Writers)(
    'guarantee: nothing from outside can start a workflow command — hostile text through log.$name, in both forms the runner reads',
    async ({ own, write }) => {
      const out = captureStdout()
      try {
        for (const h of Corpus) await write(h.text)
      } finally {
        out.restore()
      }
      const commands = runnerCommands(out.text())
      // Only the step's own command, one per message (a group also ends), with no properties.
      const foreign = commands.filter(c => c.command !== own && c.command !== 'endgroup')
      expect(foreign.map(c => c.line)).toEqual([])
      const mine = commands.filter(c => c.command === own)
      expect(mine).toHaveLength(own ? Corpus.length : 0)
      for (const c of mine) {
        expect(c.form).toBe('::')
        expect(c.properties).toEqual({})
        // What the runner shows (the annotation, the group title) is one line that holds no command either.
        expect([c.data, runnerLines(c.data).length <= 1, parseLine(c.data)]).toEqual([c.data, true, undefined])
      }
      if (!own) expect(runnerLines(out.text())).toHaveLength(Corpus.length)
    }
  )

  it('keeps lines readable: only zero-width spaces are added, and line breaks become spaces', () => {
    const text = 'fe80::1 ##[group] #[1]\n1\r\n2\u20283'
    const shown = neutralize(text)
    expect(shown.replace(/\u200b/g, '')).toBe('fe80::1 ##[group] #[1] 1 2 3')
    expect(shown).not.toMatch(/[\r\n]/)
    expect(neutralize('aws_instance.web[0]: Creating...')).toBe('aws_instance.web[0]: Creating...')
  })
})

describe('in a shell (the estate CLI)', () => {
  it('writes nothing to stdout: every log function goes to the shell sink, debug only with RUNNER_DEBUG=1, no mask command', async () => {
    const out = captureStdout()
    const lines: string[] = []
    const before = process.env.RUNNER_DEBUG
    logToShell(line => lines.push(line))
    try {
      delete process.env.RUNNER_DEBUG
      for (const w of Writers) await w.write(`${w.name} line`)
      log.debug('hidden')
      log.mask('s3cret')
      log.endGroup()
      process.env.RUNNER_DEBUG = '1'
      log.debug('shown')
    } finally {
      logToShell(undefined)
      if (before === undefined) delete process.env.RUNNER_DEBUG
      else process.env.RUNNER_DEBUG = before
      out.restore()
    }
    expect(out.text()).toBe('')
    // One line per message that is not debug (the debug one only once debug is on), none of them a command.
    expect(lines).toHaveLength(Writers.length)
    expect(lines.filter(l => l.includes('line'))).toHaveLength(Writers.length - 1)
    expect(lines.filter(l => l.includes('hidden'))).toEqual([])
    expect(lines.filter(l => l.includes('shown'))).toHaveLength(1)
    expect(lines.map(l => parseLine(l))).toEqual(lines.map(() => undefined))
    expect(process.exitCode).toBe(1)
  })
})

describe('a failed step', () => {
  it('exits non-zero by itself, also where core is a local stand-in that sets no exit code (npm run local)', () => {
    const out = captureStdout()
    const before = process.exitCode
    try {
      log.fail('the run errored')
      expect(process.exitCode).toBe(1)
    } finally {
      process.exitCode = before
      out.restore()
    }
  })
})
