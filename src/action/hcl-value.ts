/**
 * A JSON value (a state output, a value from the estate file) written as one HCL literal, the
 * form run variables take. Not a parser: hcl-literal.ts checks text a person wrote.
 */

/** Bounds a hostile or accidental value: nesting deeper than Terraform's own types reach, or text too large to send. */
export const MaxHclDepth = 64
export const MaxHclLength = 1024 * 1024

export class HclValueError extends Error {
  override name = 'HclValueError'
}

/**
 * HCL's escapes are \n \r \t \" \\ and \uNNNN (JSON's \b and \f are not among them), and a
 * string's `${` and `%{` would start a template, so they are doubled to stay literal.
 */
export function hclString(text: string): string {
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? ''
    const code = c.charCodeAt(0)
    if (c === '"') out += '\\"'
    else if (c === '\\') out += '\\\\'
    else if (c === '\n') out += '\\n'
    else if (c === '\r') out += '\\r'
    else if (c === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`
    else if ((c === '$' || c === '%') && text[i + 1] === '{') out += `${c}${c}`
    else out += c
  }
  return `${out}"`
}

/** One line of HCL for `value`; throws HclValueError for what JSON cannot hold or the bounds refuse. */
export function toHclLiteral(value: unknown): string {
  const out = write(value, 0)
  if (out.length > MaxHclLength)
    throw new HclValueError(`the value is ${out.length} characters as HCL, more than the ${MaxHclLength} this accepts`)
  return out
}

function write(value: unknown, depth: number): string {
  if (depth > MaxHclDepth) throw new HclValueError(`the value is nested more than ${MaxHclDepth} levels deep`)
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new HclValueError('the value is a number HCL cannot write (infinite or not a number)')
    return String(value)
  }
  if (typeof value === 'string') {
    if (value.length > MaxHclLength)
      throw new HclValueError(`the value is a string of ${value.length} characters, more than the ${MaxHclLength} this accepts`)
    return hclString(value)
  }
  if (Array.isArray(value)) return `[${value.map(v => write(v, depth + 1)).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    return `{${entries.map(([k, v]) => `${hclString(k)} = ${write(v, depth + 1)}`).join(', ')}}`
  }
  throw new HclValueError(`a ${typeof value} is not a value HCL can hold`)
}
