/**
 * `.terraformignore`, decided exactly as HCP Terraform's own packer decides it (go-slug's
 * ignorefiles package): what the service would leave out, this step leaves out, no more, no less.
 *
 * go-slug does not implement glob matching. It rewrites each rule into a Go (RE2) regular
 * expression: `*`, `**`, `?` become regex pieces, `.` and `$` are escaped, a `\` escapes the next
 * character, and everything else is regex syntax as it stands: `[0-9]` and `[^a]` are classes
 * (`[!a]` is the class of `!` and `a`: there is no glob negation), `+`, `( )`, `|` and `{n}` are
 * operators. A rule RE2 refuses never matches. Both the rule and the path are NFC-normalised.
 * So this file translates the same rewrite into an equivalent JavaScript expression, following
 * RE2's syntax where JavaScript's differs (escapes, classes, `{`, what is an error).
 *
 * Rules: gitignore-like lines, `#` comments, `!` negations, a trailing `/` for directories, a
 * leading `/` anchors to the root and anything else may match at any depth. The defaults come
 * first: `.git/` and `.terraform/` are left out, but `.terraform/modules/` is kept. The last
 * matching rule wins; an excluded directory is skipped whole only when no negation follows it.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { log } from '../common/job-log.js'

interface Rule {
  /** The rule after anchoring (a leading `**` and `/` added, or the leading `/` removed), as go-slug keeps it. */
  pattern: string
  negated: boolean
  /** A negation comes after this rule: an excluded directory must still be walked. */
  negationsAfter: boolean
  /** Undefined when RE2 refuses the expression: go-slug then ignores the rule. */
  regex: RegExp | undefined
}

export interface Exclusion {
  excluded: boolean
  /** Excluded, and no later negation can bring anything below it back. */
  dominating: boolean
}

/** `.terraformignore` cannot be read as go-slug reads it. */
export class IgnoreFileError extends Error {
  override name = 'IgnoreFileError'
}

/** go-slug reads the file with Go's line scanner, which gives up on a line this long (bytes, with its `\n`). */
const MaxLineBytes = 64 * 1024

// ---- go-slug's rewrite of a rule into an RE2 expression ---------------------------------------

/** The RE2 expression go-slug builds for `pattern` (code points, after NFC). */
export function goSlugExpression(pattern: string): string {
  const chars = [...pattern.normalize('NFC')]
  // Go's text scanner drops a byte-order mark at the very start of what it scans.
  if (chars[0] === '\uFEFF') chars.shift()
  let re = '^'
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++
        if (chars[i + 1] === '/') i++
        re += i + 1 >= chars.length ? '.*' : '(.*/)?'
      } else {
        re += '[^/]*'
      }
    } else if (ch === '?') {
      re += '[^/]'
    } else if (ch === '.' || ch === '$') {
      re += `\\${ch}`
    } else if (ch === '\\') {
      // A trailing `\` stays, and then escapes the closing `$`: go-slug does exactly that.
      re += i + 1 < chars.length ? `\\${chars[++i] as string}` : '\\'
    } else {
      re += ch
    }
  }
  return `${re}$`
}

// ---- RE2 syntax, as JavaScript -----------------------------------------------------------------

class Refused extends Error {}

const MaxCodePoint = 0x10ffff
type Range = [number, number]

const cp = (n: number): string => `\\u{${n.toString(16)}}`
const rangesOf = (spec: string): Range[] => {
  const out: Range[] = []
  const c = [...spec]
  for (let i = 0; i < c.length; i++) {
    const lo = (c[i] as string).codePointAt(0) as number
    if (c[i + 1] === '-' && i + 2 < c.length) {
      out.push([lo, (c[i + 2] as string).codePointAt(0) as number])
      i += 2
    } else out.push([lo, lo])
  }
  return out
}
function complement(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: Range[] = []
  let next = 0
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1])
    next = Math.max(next, hi + 1)
  }
  if (next <= MaxCodePoint) out.push([next, MaxCodePoint])
  return out
}
const classBody = (ranges: Range[]): string => ranges.map(([lo, hi]) => (lo === hi ? cp(lo) : `${cp(lo)}-${cp(hi)}`)).join('')

// RE2's classes are ASCII, where JavaScript's \s is Unicode: spelled out.
const PerlClasses: Record<string, Range[]> = {
  d: rangesOf('0-9'),
  s: rangesOf('\t\n\f\r '),
  w: rangesOf('0-9A-Za-z_')
}
const PosixClasses: Record<string, Range[]> = {
  alnum: rangesOf('0-9A-Za-z'),
  alpha: rangesOf('A-Za-z'),
  ascii: [[0, 0x7f]],
  blank: rangesOf('\t '),
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f]
  ],
  digit: rangesOf('0-9'),
  graph: rangesOf('!-~'),
  lower: rangesOf('a-z'),
  print: rangesOf(' -~'),
  punct: rangesOf('!-/:-@[-`{-~'),
  space: rangesOf('\t\n\v\f\r '),
  upper: rangesOf('A-Z'),
  word: rangesOf('0-9A-Za-z_'),
  xdigit: rangesOf('0-9A-Fa-f')
}

const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c)

/** A recursive-descent reading of an RE2 expression, written out as a JavaScript (`u`) one. */
class Translator {
  private readonly c: string[]
  private pos = 0

  constructor(source: string) {
    this.c = [...source]
  }

  translate(): string {
    const out = this.alternation(0)
    if (this.pos < this.c.length) throw new Refused('unexpected )')
    return out
  }

  private peek(offset = 0): string | undefined {
    return this.c[this.pos + offset]
  }

  private startsWith(text: string): boolean {
    return this.c.slice(this.pos, this.pos + text.length).join('') === text
  }

  /** Until an unmatched `)` (left for the caller) or the end. */
  private alternation(depth: number): string {
    let out = ''
    // The atoms of the current branch; a repetition applies to the last one.
    let last: 'none' | 'atom' | 'repeat' = 'none'
    while (this.pos < this.c.length) {
      const ch = this.peek() as string
      if (ch === ')') {
        if (depth === 0) throw new Refused('unexpected )')
        break
      }
      if (ch === '|') {
        this.pos++
        out += '|'
        last = 'none'
        continue
      }
      const repeat = this.repetition()
      if (repeat !== undefined) {
        if (last === 'none') throw new Refused('missing argument to repetition operator')
        if (last === 'repeat') throw new Refused('invalid nested repetition operator')
        out += repeat
        last = 'repeat'
        continue
      }
      if (ch === '(') {
        out += this.group(depth)
      } else if (ch === '[') {
        out += this.charClass()
      } else if (ch === '.') {
        // Only an escaped `\.` reaches here as a dot; RE2's `.` leaves out a line break only.
        this.pos++
        out += '[^\\n]'
      } else if (ch === '^' || ch === '$') {
        // The start and end of the text (RE2 without `m`); grouped, as RE2 lets a repetition follow.
        this.pos++
        out += `(?:${ch})`
      } else if (ch === '\\') {
        out += this.escapeAtom()
      } else {
        this.pos++
        out += this.literal(ch)
      }
      last = 'atom'
    }
    return out
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (each optionally lazy `?`) at the cursor, as JavaScript; else undefined. */
  private repetition(): string | undefined {
    const ch = this.peek()
    let op: string
    if (ch === '*' || ch === '+' || ch === '?') {
      this.pos++
      op = ch
    } else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.c.slice(this.pos).join(''))
      // Not a count (RE2 takes no leading zero either): RE2 reads `{` as itself.
      if (!m || /^0\d/.test(m[1] as string) || /^0\d/.test(m[3] ?? '')) return undefined
      // RE2 reads a number of more than 8 digits as -1.
      const int = (d: string): number => (d.length > 8 ? -1 : Number(d))
      const min = int(m[1] as string)
      const max = m[2] === undefined ? min : m[3] ? int(m[3]) : -1
      if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && max < min)) throw new Refused('invalid repeat count')
      this.pos += [...m[0]].length
      op = `{${m[1]}${m[2] ?? ''}}`
    } else return undefined
    if (this.peek() === '?') {
      this.pos++
      op += '?'
    }
    return op
  }

  /** A group at `(`. (go-slug turns every `?` into `[^/]`, so no `(?` group, flag or name, can be written.) */
  private group(depth: number): string {
    this.pos++
    const body = this.alternation(depth + 1)
    if (this.peek() !== ')') throw new Refused('missing closing )')
    this.pos++
    return `(?:${body})`
  }

  private literal(ch: string): string {
    return /^[0-9A-Za-z_ ]$/.test(ch) ? ch : cp(ch.codePointAt(0) as number)
  }

  /** An escape outside a class, at `\`. */
  private escapeAtom(): string {
    const next = this.peek(1)
    if (next === undefined) throw new Refused('trailing backslash')
    switch (next) {
      case 'A':
        this.pos += 2
        return '(?:^)'
      case 'z':
        this.pos += 2
        return '(?:$)'
      case 'b':
      case 'B':
        this.pos += 2
        return `(?:\\${next})`
      case 'Q': {
        this.pos += 2
        let text = ''
        while (this.pos < this.c.length && !this.startsWith('\\E')) text += this.literal(this.c[this.pos++] as string)
        if (this.startsWith('\\E')) this.pos += 2
        return `(?:${text})`
      }
    }
    const perl = this.perlClass()
    if (perl !== undefined) return `[${perl}]`
    const unicode = this.unicodeClass()
    if (unicode !== undefined) return `[${unicode}]`
    return cp(this.escapedChar())
  }

  /** `\d \s \w` and their negations at the cursor, as class members; else undefined. */
  private perlClass(): string | undefined {
    const letter = this.peek(1)
    if (this.peek() !== '\\' || letter === undefined) return undefined
    const ranges = PerlClasses[letter.toLowerCase()]
    if (!ranges || !'dswDSW'.includes(letter)) return undefined
    this.pos += 2
    return classBody(letter === letter.toUpperCase() ? complement(ranges) : ranges)
  }

  /** `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` at the cursor, as class members; else undefined. */
  private unicodeClass(): string | undefined {
    const letter = this.peek(1)
    if (this.peek() !== '\\' || (letter !== 'p' && letter !== 'P')) return undefined
    this.pos += 2
    let name: string
    if (this.peek() === '{') {
      const end = this.c.indexOf('}', this.pos)
      if (end < 0) throw new Refused('invalid character class range')
      name = this.c.slice(this.pos + 1, end).join('')
      this.pos = end + 1
    } else {
      const c = this.c[this.pos++]
      if (c === undefined) throw new Refused('invalid character class range')
      name = c
    }
    let negated = letter === 'P'
    if (name.startsWith('^')) {
      negated = !negated
      name = name.slice(1)
    }
    const p = negated ? 'P' : 'p'
    if (name === 'Any') return negated ? '' : '\\u{0}-\\u{10ffff}'
    for (const js of [`\\${p}{${name}}`, `\\${p}{Script=${name}}`]) {
      // RE2 knows the general categories and the scripts, by the same names as JavaScript.
      if (/^[A-Za-z_]+$/.test(name) && validJs(`[${js}]`)) return js
    }
    throw new Refused('invalid character class range')
  }

  /** The character of an escape that stands for one character (`\.`, `\x41`, `\n`, `\101`), at `\`. */
  private escapedChar(): number {
    this.pos++
    const c = this.c[this.pos++]
    if (c === undefined) throw new Refused('trailing backslash')
    if (c >= '1' && c <= '7' && !isOctal(this.peek())) throw new Refused('invalid escape sequence')
    if (isOctal(c)) {
      let value = Number(c)
      for (let n = 1; n < 3 && isOctal(this.peek()); n++) value = value * 8 + Number(this.c[this.pos++])
      return value
    }
    if (c === 'x') {
      if (this.peek() === '{') {
        let hex = ''
        this.pos++
        while (isHex(this.peek())) hex += this.c[this.pos++] as string
        if (this.peek() !== '}' || !hex || parseInt(hex, 16) > MaxCodePoint) throw new Refused('invalid escape sequence')
        this.pos++
        return parseInt(hex, 16)
      }
      if (!isHex(this.peek()) || !isHex(this.peek(1))) throw new Refused('invalid escape sequence')
      const value = parseInt(`${this.c[this.pos] as string}${this.c[this.pos + 1] as string}`, 16)
      this.pos += 2
      return value
    }
    const named: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 }
    if (named[c] !== undefined) return named[c]
    // Any ASCII punctuation escapes itself; a letter RE2 does not know, or anything beyond ASCII, is an error.
    if (c.codePointAt(0)! < 0x80 && !isAlnum(c)) return c.codePointAt(0) as number
    throw new Refused('invalid escape sequence')
  }

  /** A class at `[`, as a JavaScript class. */
  private charClass(): string {
    this.pos++
    let negated = false
    if (this.peek() === '^') {
      negated = true
      this.pos++
    }
    let body = ''
    // `]` right after `[` or `[^` is itself.
    let first = true
    for (;;) {
      const ch = this.peek()
      if (ch === undefined) throw new Refused('missing closing ]')
      if (ch === ']' && !first) break
      first = false
      if (ch === '[' && this.peek(1) === ':') {
        let end = this.pos + 2
        while (end + 1 < this.c.length && !(this.c[end] === ':' && this.c[end + 1] === ']')) end++
        if (end + 1 < this.c.length) {
          let name = this.c.slice(this.pos + 2, end).join('')
          this.pos = end + 2
          const not = name.startsWith('^')
          if (not) name = name.slice(1)
          const ranges = PosixClasses[name]
          if (!ranges) throw new Refused('invalid character class range')
          body += classBody(not ? complement(ranges) : ranges)
          continue
        }
      }
      const unicode = this.unicodeClass()
      if (unicode !== undefined) {
        body += unicode
        continue
      }
      const perl = this.perlClass()
      if (perl !== undefined) {
        body += perl
        continue
      }
      const lo = this.classChar()
      let hi = lo
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.pos++
        hi = this.classChar()
        if (hi < lo) throw new Refused('invalid character class range')
      }
      body += classBody([[lo, hi]])
    }
    this.pos++
    if (negated) return body ? `[^${body}]` : '[^]'
    return body ? `[${body}]` : '[]'
  }

  private classChar(): number {
    if (this.peek() === '\\') return this.escapedChar()
    return (this.c[this.pos++] as string).codePointAt(0) as number
  }
}

function validJs(source: string): boolean {
  try {
    new RegExp(source, 'u')
    return true
  } catch {
    return false
  }
}

/** The JavaScript equivalent of an RE2 expression, or undefined where RE2 refuses it. */
export function fromRe2(source: string): RegExp | undefined {
  try {
    return new RegExp(new Translator(source).translate(), 'u')
  } catch {
    return undefined
  }
}

// ---- Reading the file and matching -------------------------------------------------------------

function rule(pattern: string, negated: boolean, negationsAfter = false): Rule {
  return { pattern, negated, negationsAfter, regex: fromRe2(goSlugExpression(pattern)) }
}

const DefaultRules: readonly Rule[] = [
  rule('**/.terraform/**', false, true),
  rule('**/.terraform/modules/**', true),
  rule('**/.git/**', false)
]

/** Go's strings.TrimSpace: Unicode White_Space plus NEL, but not the byte-order mark JavaScript's trim removes. */
function goTrim(text: string): string {
  return text.replace(
    /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g,
    ''
  )
}

/**
 * Bytes as Go's regexp reads them: UTF-8, where each byte that does not start a valid sequence
 * reads as one U+FFFD. (Node's decoder may fold several bad bytes into one, and `?` counts them.)
 */
export function goString(bytes: Uint8Array): string {
  const out: string[] = []
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need === 0) {
      out.push(String.fromCharCode(b))
      i++
      continue
    }
    let value = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07
    let ok = need > 0
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false
      else value = (value << 6) | (c & 0x3f)
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (
      ok &&
      ((need === 2 && value < 0x800) || (need === 3 && (value < 0x10000 || value > MaxCodePoint)) || (value >= 0xd800 && value <= 0xdfff))
    ) {
      ok = false
    }
    if (ok) {
      out.push(String.fromCodePoint(value))
      i += need + 1
    } else {
      out.push('\ufffd')
      i++
    }
  }
  return out.join('')
}

export class IgnoreRules {
  private readonly rules: Rule[]

  constructor(rules: Rule[]) {
    this.rules = rules
  }

  /** The rules of `.terraformignore` (its bytes, or text), after the defaults, as go-slug reads them. */
  static parse(content: string | Uint8Array): IgnoreRules {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    const rules = DefaultRules.map(r => ({ ...r }))
    let start = 0
    let line = 0
    while (start < bytes.length) {
      line++
      let end = bytes.indexOf(0x0a, start)
      if (end < 0) end = bytes.length
      if (end - start + 1 > MaxLineBytes) {
        // go-slug would drop every rule of the file and upload what they exclude: refused instead.
        throw new IgnoreFileError(
          `.terraformignore: line ${line} is longer than ${MaxLineBytes} bytes, which HCP Terraform's packer cannot read (it would ignore every rule of the file). Shorten the line.`
        )
      }
      let raw = bytes.subarray(start, end)
      start = end + 1
      if (raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, -1)
      if (raw.length === 0) continue
      let pattern = goTrim(goString(raw))
      // A line of spaces only: go-slug reads past its end (and crashes); here it is a blank line.
      if (!pattern || pattern.startsWith('#')) continue
      let negated = false
      if (pattern.startsWith('!')) {
        negated = true
        pattern = pattern.slice(1)
        for (let i = rules.length - 1; i >= 0 && !(rules[i] as Rule).negationsAfter; i--) (rules[i] as Rule).negationsAfter = true
      }
      if (!pattern) continue
      if (pattern.endsWith('/')) pattern += '**'
      pattern = pattern.startsWith('/') ? pattern.slice(1) : `**/${pattern}`
      rules.push(rule(pattern, negated))
    }
    return new IgnoreRules(rules)
  }

  /** `.terraformignore` of `directory`, or the defaults when it has none. */
  static async load(directory: string): Promise<IgnoreRules> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(directory, '.terraformignore'))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new IgnoreRules(DefaultRules.map(r => ({ ...r })))
      throw err
    }
    const rules = IgnoreRules.parse(bytes)
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      log.warning(
        `${join(directory, '.terraformignore')} starts with a byte-order mark, which HCP Terraform reads as part of the first rule (so that rule matches nothing). Save the file as UTF-8 without BOM.`
      )
    }
    for (const r of rules.rules) {
      if (!r.regex)
        log.warning(
          `.terraformignore: the rule '${r.pattern}' is not a valid pattern for HCP Terraform, which ignores it; so does this step.`
        )
    }
    return rules
  }

  /** `path` is relative to the root, with `/` separators; a directory is asked about with a trailing `/`. */
  excludes(path: string): Exclusion {
    const normalized = path.normalize('NFC')
    let excluded = false
    let dominating = false
    for (const r of this.rules) {
      if (r.regex?.test(normalized)) {
        excluded = !r.negated
        dominating = excluded && !r.negationsAfter
      }
    }
    return { excluded, dominating }
  }
}
