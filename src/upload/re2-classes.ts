/**
 * The character classes of RE2's syntax as code point ranges (Perl `\d \s \w`, POSIX `[:alpha:]`),
 * and how ranges are written out in a JavaScript class. The reading of an expression: re2.ts.
 */
export const MaxCodePoint = 0x10ffff
export type Range = [number, number]

export const cp = (n: number): string => `\\u{${n.toString(16)}}`
/** The code point of one character; a missing one is a bug of the reader, never of the rule. */
export function codeOf(ch: string | undefined): number {
  const code = ch?.codePointAt(0)
  if (code === undefined) throw new Error('internal: read past the end of the expression')
  return code
}

/** `a-z0-9_` as ranges (only for the tables below, written here, never for a rule's text). */
const rangesOf = (spec: string): Range[] => {
  const out: Range[] = []
  const c = [...spec]
  for (let i = 0; i < c.length; i++) {
    const lo = codeOf(c[i])
    if (c[i + 1] === '-' && i + 2 < c.length) {
      out.push([lo, codeOf(c[i + 2])])
      i += 2
    } else out.push([lo, lo])
  }
  return out
}
export function complement(ranges: Range[]): Range[] {
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
export const classBody = (ranges: Range[]): string => ranges.map(([lo, hi]) => (lo === hi ? cp(lo) : `${cp(lo)}-${cp(hi)}`)).join('')

// RE2's classes are ASCII, where JavaScript's \s is Unicode: spelled out.
export const PerlClasses: Record<string, Range[]> = {
  d: rangesOf('0-9'),
  s: rangesOf('\t\n\f\r '),
  w: rangesOf('0-9A-Za-z_')
}
export const PosixClasses: Record<string, Range[]> = {
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
