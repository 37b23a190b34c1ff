/**
 * The RE2 reader's cursor and the escapes that stand for one character or a class (`\x41`, `\101`,
 * `\n`, `\d`, `\pL`), shared by the grammar in re2.ts (alternation, repetition, groups, classes).
 */
import { MaxCodePoint, PerlClasses, classBody, codeOf, complement } from './re2-classes.js'

/** What RE2 refuses to compile: the rule then matches nothing. */
export class Refused extends Error {}

const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c)

/** An expression's characters and the position read up to, with the escapes read at it. */
export class Re2Cursor {
  protected readonly c: string[]
  protected pos = 0

  constructor(source: string) {
    this.c = [...source]
  }

  protected peek(offset = 0): string | undefined {
    return this.c[this.pos + offset]
  }

  /** The character at the cursor, moving past it; only where the caller knows there is one. */
  protected take(): string {
    const ch = this.c[this.pos++]
    if (ch === undefined) throw new Error('internal: read past the end of the expression')
    return ch
  }

  protected startsWith(text: string): boolean {
    return this.c.slice(this.pos, this.pos + text.length).join('') === text
  }

  /** `\d \s \w` and their negations at the cursor, as class members; else undefined. */
  protected perlClass(): string | undefined {
    const letter = this.peek(1)
    if (this.peek() !== '\\' || letter === undefined) return undefined
    const ranges = PerlClasses[letter.toLowerCase()]
    if (!ranges || !'dswDSW'.includes(letter)) return undefined
    this.pos += 2
    return classBody(letter === letter.toUpperCase() ? complement(ranges) : ranges)
  }

  /** `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` at the cursor, as class members; else undefined. */
  protected unicodeClass(): string | undefined {
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
  protected escapedChar(): number {
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
        while (isHex(this.peek())) hex += this.take()
        if (this.peek() !== '}' || !hex || parseInt(hex, 16) > MaxCodePoint) throw new Refused('invalid escape sequence')
        this.pos++
        return parseInt(hex, 16)
      }
      if (!isHex(this.peek()) || !isHex(this.peek(1))) throw new Refused('invalid escape sequence')
      const value = parseInt(`${this.peek() ?? ''}${this.peek(1) ?? ''}`, 16)
      this.pos += 2
      return value
    }
    const named: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 }
    if (named[c] !== undefined) return named[c]
    // Any ASCII punctuation escapes itself; a letter RE2 does not know, or anything beyond ASCII, is an error.
    if (codeOf(c) < 0x80 && !isAlnum(c)) return codeOf(c)
    throw new Refused('invalid escape sequence')
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
