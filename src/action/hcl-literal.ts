/**
 * Checks that a run variable's value is one HCL literal, as HCP Terraform parses it: a quoted
 * string, a number, true/false, null, or a list/object of those. Checked before the run is
 * queued, because the service accepts any text and the plan then errors on it, and a
 * deterministic error would be retried to no purpose. Messages never quote the value: it may be
 * a secret.
 */

const Identifier = /[A-Za-z_][A-Za-z0-9_-]*/y
const NumberLiteral = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const QuoteHint = 'a string is written in double quotes, e.g. name="text"'

class HclError extends Error {}

class Parser {
  private pos = 0
  private readonly text: string
  constructor(text: string) {
    this.text = text
  }

  parse(): void {
    this.space()
    if (this.pos === this.text.length) throw new HclError('the value is empty')
    this.value()
    this.space()
    if (this.pos < this.text.length) {
      throw new HclError(`unexpected text after the value at column ${this.pos + 1} (${QuoteHint})`)
    }
  }

  private space(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++
  }

  private peek(): string | undefined {
    return this.text[this.pos]
  }

  private value(): void {
    this.space()
    const c = this.peek()
    if (c === undefined) throw new HclError('a value is missing at the end')
    if (c === '"') return this.string()
    if (c === '[') return this.list()
    if (c === '{') return this.object()
    if (this.text.startsWith('<<', this.pos)) {
      throw new HclError(
        'heredocs (<<EOT) span several lines, which one line of this input cannot hold; write the text as a quoted string with \\n for line breaks'
      )
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NumberLiteral.lastIndex = this.pos
      const m = NumberLiteral.exec(this.text)
      if (!m) throw new HclError(`not a number at column ${this.pos + 1}`)
      this.pos += m[0].length
      return
    }
    Identifier.lastIndex = this.pos
    const m = Identifier.exec(this.text)
    if (m && ['true', 'false', 'null'].includes(m[0])) {
      this.pos += m[0].length
      return
    }
    if (m) throw new HclError(`a bare word is not a value (only true, false and null are); ${QuoteHint}`)
    throw new HclError(`unexpected character at column ${this.pos + 1} (${QuoteHint})`)
  }

  private string(): void {
    const start = this.pos
    this.pos++
    for (;;) {
      const c = this.peek()
      if (c === undefined) throw new HclError(`the string that starts at column ${start + 1} is not closed with a double quote`)
      this.pos++
      if (c === '"') return
      if (c === '\\') {
        const e = this.peek()
        this.pos++
        if (e === 'u' || e === 'U') {
          const digits = e === 'u' ? 4 : 8
          if (!new RegExp(`^[0-9A-Fa-f]{${digits}}`).test(this.text.slice(this.pos))) {
            throw new HclError(`\\${e} at column ${this.pos - 1} needs ${digits} hexadecimal digits`)
          }
          this.pos += digits
        } else if (e === undefined || !'nrt"\\'.includes(e)) {
          throw new HclError(`unknown escape sequence at column ${this.pos - 1} (known: \\n \\r \\t \\" \\\\ \\uNNNN)`)
        }
        continue
      }
      if ((c === '$' || c === '%') && this.peek() === '{') {
        throw new HclError(
          `a template sequence (${c}{) at column ${this.pos} would be evaluated, and run variables cannot refer to anything; write ${c}${c}{ for a literal ${c}{`
        )
      }
      if ((c === '$' || c === '%') && this.peek() === c && this.text[this.pos + 1] === '{') this.pos += 2
    }
  }

  private list(): void {
    this.pos++
    for (;;) {
      this.space()
      if (this.peek() === ']') {
        this.pos++
        return
      }
      this.value()
      this.space()
      if (this.peek() === ',') this.pos++
      else if (this.peek() !== ']') throw new HclError(`expected ',' or ']' in the list at column ${this.pos + 1}`)
    }
  }

  private object(): void {
    this.pos++
    for (;;) {
      this.space()
      if (this.peek() === '}') {
        this.pos++
        return
      }
      if (this.peek() === '"') this.string()
      else {
        Identifier.lastIndex = this.pos
        const m = Identifier.exec(this.text)
        if (!m) throw new HclError(`expected an attribute name in the object at column ${this.pos + 1}`)
        this.pos += m[0].length
      }
      this.space()
      if (this.peek() === '=' || this.peek() === ':') this.pos++
      else throw new HclError(`expected '=' after the attribute name at column ${this.pos + 1}`)
      this.value()
      this.space()
      if (this.peek() === ',') this.pos++
      else if (this.peek() !== '}') throw new HclError(`expected ',' or '}' in the object at column ${this.pos + 1}`)
    }
  }
}

/** Undefined when `text` is one HCL literal; otherwise what is wrong with it. */
export function hclLiteralProblem(text: string): string | undefined {
  try {
    new Parser(text).parse()
    return undefined
  } catch (err) {
    if (err instanceof HclError) return err.message
    throw err
  }
}
