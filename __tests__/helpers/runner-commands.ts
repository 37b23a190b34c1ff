/**
 * How the GitHub Actions runner finds workflow commands in a step's output, ported for tests:
 * the `::name props::data` form (at the start of a trimmed line) and the legacy `##[name props]data`
 * form (anywhere in a line), the known-command check, `stop-commands`, and the unescaping of data
 * and properties. Used to check that nothing the step writes holds a command it did not mean.
 *
 * Where the runner's matching is subtle, the port errs on the side of finding a command:
 * - The runner looks for `::` and `##[` with .NET's culture-sensitive StartsWith/IndexOf, which
 *   under ICU skip "completely ignorable" code points (zero-width spaces, soft hyphens, most
 *   control characters, ESC included). Ignorable here means the same ICU collator Node carries
 *   finds the code point equal to the empty string; a match is taken to start at its first
 *   non-ignorable character, the latest start and so the likeliest to reach a command name.
 * - The name and the `]` are then found with ordinal indexes, from a fixed offset after where the
 *   marker matched (2 for `::`, 3 for `##[`): that arithmetic is kept exactly.
 * - Command names compare OrdinalIgnoreCase: each UTF-16 unit upper-cased by its simple mapping,
 *   so `ſ` is `S` and `ı` is `I`.
 */

/** Every command the runner registers (`internal-set-repo-path` only while a plugin runs). */
export const KnownCommands: readonly string[] = [
  'stop-commands',
  'internal-set-repo-path',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo'
]

export interface RunnerCommand {
  form: '::' | '##['
  command: string
  properties: Record<string, string>
  data: string
  line: string
}

const collator = new Intl.Collator('und', { sensitivity: 'variant' })
const ignorable = new Map<number, boolean>()

/** Whether the code point at `i` is completely ignorable to ICU collation; its length in units. */
function ignorableAt(s: string, i: number): number {
  const cp = s.codePointAt(i) as number
  let known = ignorable.get(cp)
  if (known === undefined) {
    known = collator.compare(String.fromCodePoint(cp), '') === 0
    ignorable.set(cp, known)
  }
  return known ? (cp > 0xffff ? 2 : 1) : 0
}

/** Culture-sensitive: does `s` hold `value` at `i`, skipping ignorables? Returns the end index or -1. */
function matchAt(s: string, i: number, value: string): number {
  let k = i
  for (const ch of value) {
    for (let n = ignorableAt(s, k); k < s.length && n > 0; n = ignorableAt(s, k)) k += n
    if (s[k] !== ch) return -1
    k++
  }
  return k
}

/** Culture-sensitive IndexOf, reporting a match at its first non-ignorable character. */
function culturalIndexOf(s: string, value: string, from = 0): number {
  for (let i = from; i < s.length; i++) if (matchAt(s, i, value) >= 0 && ignorableAt(s, i) === 0) return i
  return -1
}

/** .NET's Char.IsWhiteSpace, which String.TrimStart() removes. */
const DotnetWhitespace = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/

function upper(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    const u = c.toUpperCase()
    out += u.length === 1 ? u : c
  }
  return out
}

function known(name: string, registered: readonly string[]): string | undefined {
  const n = upper(name)
  return registered.find(r => upper(r) === n)
}

function unescape(text: string, pairs: [string, string][]): string {
  let out = text
  for (const [token, escaped] of pairs) out = out.split(escaped).join(token)
  return out
}
const DataMappings: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25']
]
const PropertyMappings: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25']
]
const LegacyMappings: [string, string][] = [
  [';', '%3B'],
  ['\r', '%0D'],
  ['\n', '%0A'],
  [']', '%5D'],
  ['%', '%25']
]

function properties(text: string, separator: string, mappings: [string, string][]): Record<string, string> {
  const result: Record<string, string> = {}
  for (const part of text.split(separator).filter(p => p !== '')) {
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    if (key !== '' && value !== '') result[key] = unescape(value, mappings)
  }
  return result
}

/** ActionCommand.TryParseV2: `::name props::data` once leading whitespace is trimmed. */
function parseV2(raw: string, registered: readonly string[]): RunnerCommand | undefined {
  const message = raw.replace(DotnetWhitespace, '')
  if (matchAt(message, 0, '::') < 0) return undefined
  const end = culturalIndexOf(message, '::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = known(space < 0 ? info : info.slice(0, space), registered)
  if (!command) return undefined
  return {
    form: '::',
    command,
    properties: space > 0 ? properties(info.slice(space + 1).trim(), ',', PropertyMappings) : {},
    data: unescape(message.slice(matchAt(message, end, '::')), DataMappings),
    line: raw
  }
}

/** ActionCommand.TryParse: the first `##[` anywhere, the name up to a space, the data after `]`. */
function parseLegacy(line: string, registered: readonly string[]): RunnerCommand | undefined {
  const prefix = culturalIndexOf(line, '##[')
  if (prefix < 0) return undefined
  const rb = line.indexOf(']', prefix)
  if (rb < 0) return undefined
  const start = prefix + 3
  if (rb < start) return undefined
  const info = line.slice(start, rb)
  const space = info.indexOf(' ')
  const command = known(space < 0 ? info : info.slice(0, space), registered)
  if (!command) return undefined
  return {
    form: '##[',
    command,
    properties: space > 0 ? properties(info.slice(space + 1), ';', LegacyMappings) : {},
    data: unescape(line.slice(rb + 1), LegacyMappings),
    line
  }
}

/** The command the runner would read in one line, if any (the `::` form is tried first). */
export function parseLine(line: string, registered: readonly string[] = KnownCommands): RunnerCommand | undefined {
  if (line === '') return undefined
  return parseV2(line, registered) ?? parseLegacy(line, registered)
}

/** Output as the runner's StreamReader.ReadLine splits it: at `\r\n`, `\r` or `\n`. */
export function runnerLines(output: string): string[] {
  const lines = output.split(/\r\n|\r|\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/**
 * Every line of `output` with the command the runner would act on in it, if any, as
 * ActionCommandManager reads them: after `stop-commands` nothing but the stop token is read until
 * that token comes back (the lines in between are plain output).
 */
export function runnerOutput(output: string): { line: string; command?: RunnerCommand }[] {
  const read: { line: string; command?: RunnerCommand }[] = []
  let registered = [...KnownCommands]
  let stopToken: string | undefined
  for (const line of runnerLines(output)) {
    const command = parseLine(line, registered)
    if (!command) {
      read.push({ line })
      continue
    }
    if (stopToken !== undefined) {
      if (upper(command.command) === upper(stopToken)) {
        registered = registered.filter(r => r !== stopToken)
        stopToken = undefined
        read.push({ line, command })
      } else read.push({ line })
      continue
    }
    if (command.command === 'stop-commands') {
      stopToken = command.data
      registered = [...registered, stopToken]
    }
    read.push({ line, command })
  }
  return read
}

/** Every command the runner would act on in `output`, in order (see runnerOutput). */
export function runnerCommands(output: string): RunnerCommand[] {
  return runnerOutput(output).flatMap(r => (r.command ? [r.command] : []))
}
