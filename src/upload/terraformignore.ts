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
import { fromRe2 } from './re2.js'
import { MaxCodePoint } from './re2-classes.js'
import { log } from '../common/job-log.js'
import { errorCode } from '../common/errors.js'

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
    // In bounds: the loop stops at the end.
    const ch = chars[i] ?? ''
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
      re += i + 1 < chars.length ? `\\${chars[++i] ?? ''}` : '\\'
    } else {
      re += ch
    }
  }
  return `${re}$`
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
    const b = bytes[i] ?? 0
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
        for (const earlier of [...rules].reverse()) {
          if (earlier.negationsAfter) break
          earlier.negationsAfter = true
        }
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
      if (errorCode(err) === 'ENOENT') return new IgnoreRules(DefaultRules.map(r => ({ ...r })))
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
