/**
 * RE2 syntax (Go's regexp, which go-slug compiles `.terraformignore` rules with) read and written
 * out as an equivalent JavaScript regex, so a rule matches here exactly what it matches there. An
 * expression RE2 refuses comes back undefined: go-slug's rule then matches nothing. Not the rules
 * themselves (terraformignore.ts), nor the escapes and the cursor (re2-escapes.ts).
 */
import { PosixClasses, classBody, codeOf, complement, cp } from './re2-classes.js'
import { Re2Cursor, Refused } from './re2-escapes.js'

/** A recursive-descent reading of an RE2 expression, written out as a JavaScript (`u`) one. */
class Translator extends Re2Cursor {
  translate(): string {
    const out = this.alternation(0)
    if (this.pos < this.c.length) throw new Refused('unexpected )')
    return out
  }

  /** Until an unmatched `)` (left for the caller) or the end. */
  private alternation(depth: number): string {
    let out = ''
    // The atoms of the current branch; a repetition applies to the last one.
    let last: 'none' | 'atom' | 'repeat' = 'none'
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
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
      if (!m) return undefined
      const [whole, minText = '', comma, maxText = ''] = m
      if (/^0\d/.test(minText) || /^0\d/.test(maxText)) return undefined
      // RE2 reads a number of more than 8 digits as -1.
      const int = (d: string): number => (d.length > 8 ? -1 : Number(d))
      const min = int(minText)
      const max = comma === undefined ? min : maxText ? int(maxText) : -1
      if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && max < min)) throw new Refused('invalid repeat count')
      this.pos += [...whole].length
      op = `{${minText}${comma ?? ''}}`
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
    return /^[0-9A-Za-z_ ]$/.test(ch) ? ch : cp(codeOf(ch))
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
        while (this.pos < this.c.length && !this.startsWith('\\E')) text += this.literal(this.take())
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
    return codeOf(this.take())
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
