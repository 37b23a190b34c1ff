/**
 * The attribute-level diff of one object as the Terraform CLI prints it, from a JSON plan's
 * before/after values and their masks: `~ name = "a" -> "b"`, `+`/`-`, nested blocks, maps and
 * lists, `(known after apply)`, `(sensitive value)`, `# forces replacement`, and the counts of
 * unchanged attributes hidden. Bounded: depth, elements per collection and lines per resource
 * are capped, so a huge or hostile plan costs bounded CPU. Strings are always JSON-quoted, so no
 * value ever spans lines; escaping for Markdown is section.ts's.
 */
import type { BlockSchema } from '../../review/plan-json.js'

export const MaxDepth = 12
export const MaxElements = 200
export const MaxLinesPerResource = 400

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const absent = (v: unknown): boolean => v === null || v === undefined

/** The masks and replace paths that go along with a value, one level down at a time. */
export interface Masks {
  unknown: unknown
  beforeSensitive: unknown
  afterSensitive: unknown
  replacePaths: unknown[][]
}

function child(m: Masks, key: string | number): Masks {
  const at = (mask: unknown): unknown =>
    mask === true ? true : Array.isArray(mask) && typeof key === 'number' ? mask[key] : isObj(mask) ? mask[String(key)] : undefined
  return {
    unknown: at(m.unknown),
    beforeSensitive: at(m.beforeSensitive),
    afterSensitive: at(m.afterSensitive),
    replacePaths: m.replacePaths.filter(p => p.length > 0 && p[0] === key).map(p => p.slice(1))
  }
}

const forces = (m: Masks): boolean => m.replacePaths.some(p => p.length === 0)

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A primitive as HCL would show it; collections are rendered by lines, never here. */
export function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  // A collection where a primitive was expected: its JSON, on one line.
  return JSON.stringify(v)
}

export class Lines {
  readonly out: string[] = []
  cut = false
  push(line: string): void {
    if (this.out.length >= MaxLinesPerResource) {
      this.cut = true
      return
    }
    this.out.push(line)
  }
}

type Sym = '+' | '-' | '~' | ' '

function symbolOf(before: unknown, after: unknown, m: Masks): Sym {
  const unknown = m.unknown === true
  if (absent(before) && (!absent(after) || unknown)) return '+'
  if (!absent(before) && absent(after) && !unknown) return '-'
  if (!unknown && equal(before, after) && equal(m.beforeSensitive, m.afterSensitive)) return ' '
  return '~'
}

function hidden(n: number, what: string): string {
  return `# (${n} unchanged ${what}${n === 1 ? '' : 's'} hidden)`
}

const pad = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - s.length))

/** The one-line value of an attribute after its `=`, or undefined when it needs lines of its own. */
function inline(sym: Sym, before: unknown, after: unknown, m: Masks): string | undefined {
  const bs = m.beforeSensitive === true
  const as = m.afterSensitive === true
  const unknown = m.unknown === true
  const show = (v: unknown, sensitive: boolean): string | undefined =>
    sensitive ? '(sensitive value)' : typeof v === 'object' && v !== null ? undefined : literal(v)
  if (sym === '+') return unknown ? '(known after apply)' : show(after, as)
  if (sym === '-') return show(before, bs) === undefined ? undefined : `${show(before, bs)} -> null`
  if (sym === ' ') return show(after, as)
  const b = show(before, bs)
  const a = unknown ? '(known after apply)' : show(after, as)
  if (bs || as) return '(sensitive value)'
  if (b === undefined || a === undefined) return unknown && b !== undefined ? `${b} -> (known after apply)` : undefined
  return `${b} -> ${a}`
}

/** Renders a value that needs lines (a map, an object, a list) after `prefix = `. */
function collection(
  lines: Lines,
  indent: string,
  sym: Sym,
  head: string,
  before: unknown,
  after: unknown,
  m: Masks,
  depth: number,
  comma = '',
  showAll = false
): void {
  const isList = Array.isArray(before) || Array.isArray(after)
  const [open, close] = isList ? ['[', ']'] : ['{', '}']
  lines.push(`${indent}${sym} ${head ? `${head} = ` : ''}${open}${forces(m) ? ' # forces replacement' : ''}`)
  const inner = `${indent}    `
  if (depth >= MaxDepth) {
    lines.push(`${inner}  # (nested too deep to show)`)
  } else if (isList) {
    const b = Array.isArray(before) ? before : []
    const a = Array.isArray(after) ? after : []
    const allPrimitive = [...b, ...a].every(v => typeof v !== 'object' || v === null)
    const masked = (mask: unknown): boolean => mask === true || (Array.isArray(mask) && mask.some(x => x !== false))
    if (allPrimitive && sym === '~' && !masked(m.beforeSensitive) && !masked(m.afterSensitive) && !masked(m.unknown)) {
      // Lists of primitives read best as what went and what came (the CLI's diff of a list).
      const bs = b.map(v => JSON.stringify(v))
      const as = a.map(v => JSON.stringify(v))
      let unchanged = 0
      let shown = 0
      for (const [i, v] of b.entries()) {
        if (as.includes(bs[i] ?? '')) {
          if (!showAll) unchanged++
          else if (shown++ < MaxElements) lines.push(`${inner}  ${literal(v)},`)
        } else if (shown++ < MaxElements) lines.push(`${inner}- ${literal(v)},`)
      }
      for (const [i, v] of a.entries()) if (!bs.includes(as[i] ?? '') && shown++ < MaxElements) lines.push(`${inner}+ ${literal(v)},`)
      if (shown > MaxElements) lines.push(`${inner}  # (${shown - MaxElements} more elements not shown)`)
      if (unchanged) lines.push(`${inner}  ${hidden(unchanged, 'element')}`)
    } else {
      const n = Math.max(b.length, a.length)
      for (let i = 0; i < Math.min(n, MaxElements); i++) element(lines, inner, '', b[i], a[i], child(m, i), depth + 1, ',', showAll)
      if (n > MaxElements) lines.push(`${inner}  # (${n - MaxElements} more elements not shown)`)
    }
  } else {
    const b = isObj(before) ? before : {}
    const a = isObj(after) ? after : {}
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()
    const width = Math.max(0, ...keys.map(k => JSON.stringify(k).length))
    let unchanged = 0
    for (const [i, k] of keys.entries()) {
      if (i >= MaxElements) {
        lines.push(`${inner}  # (${keys.length - MaxElements} more elements not shown)`)
        break
      }
      const cm = child(m, k)
      if (sym === '~' && !showAll && symbolOf(b[k], a[k], cm) === ' ') {
        unchanged++
        continue
      }
      element(lines, inner, pad(JSON.stringify(k), width), b[k], a[k], cm, depth + 1, '', showAll)
    }
    if (unchanged) lines.push(`${inner}  ${hidden(unchanged, 'element')}`)
  }
  lines.push(`${indent}  ${close}${comma}`)
}

function element(
  lines: Lines,
  indent: string,
  head: string,
  before: unknown,
  after: unknown,
  m: Masks,
  depth: number,
  comma: string,
  showAll = false
): void {
  const sym = symbolOf(before, after, m)
  const value = inline(sym, before, after, m)
  const eq = head ? `${head} = ` : ''
  if (value !== undefined) {
    lines.push(`${indent}${sym} ${eq}${value}${comma}${forces(m) ? ' # forces replacement' : ''}`)
    return
  }
  if (!head) {
    // An object or list inside a list: its own braces.
    collection(lines, indent, sym, '', before, after, m, depth, comma, showAll)
    return
  }
  collection(lines, indent, sym, head, before, after, m, depth, '', showAll)
}

/** Whether a key holds nested blocks: the schema says so, else a list of objects (or one object without one). */
function blockNesting(key: string, before: unknown, after: unknown, schema: BlockSchema | undefined): string | undefined {
  if (schema) return schema.blockTypes[key]?.nesting
  const v = Array.isArray(after) && after.length ? after : before
  return Array.isArray(v) && v.length > 0 && v.every(isObj) ? 'list' : undefined
}

// The CLI keeps these in view, whole, even when unchanged: they name the object being changed.
const Important = new Set(['id', 'name', 'tags'])

/**
 * The body of a resource or nested block: its attributes (aligned, unchanged ones counted) then
 * its nested blocks. `showAll` (an import, as the CLI shows it) hides nothing unchanged.
 */
export function objectBody(
  lines: Lines,
  indent: string,
  before: unknown,
  after: unknown,
  m: Masks,
  schema: BlockSchema | undefined,
  depth: number,
  showAll = false
): void {
  const b = isObj(before) ? before : {}
  const a = isObj(after) ? after : {}
  // Attributes known only after apply are in the unknown mask alone.
  const unknownMask = m.unknown
  const unknownKeys = isObj(unknownMask) ? Object.keys(unknownMask).filter(k => unknownMask[k] === true) : []
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a), ...unknownKeys])].sort()
  const blocks = keys.filter(k => blockNesting(k, b[k], a[k], schema) !== undefined)
  const attrs = keys.filter(k => !blocks.includes(k))
  let unchangedAttrs = 0
  let width = 0
  const shown: { k: string; cm: Masks }[] = []
  for (const k of attrs) {
    const cm = child(m, k)
    if (schema?.attributes[k]?.sensitive) {
      cm.beforeSensitive = true
      cm.afterSensitive = true
    }
    if (absent(b[k]) && absent(a[k]) && cm.unknown !== true) continue
    // Aligned as the CLI aligns them: on the longest name of the block, hidden ones included.
    width = Math.max(width, k.length)
    if (symbolOf(b[k], a[k], cm) === ' ' && !Important.has(k) && !showAll) {
      unchangedAttrs++
      continue
    }
    shown.push({ k, cm })
  }
  for (const { k, cm } of shown) element(lines, indent, pad(k, width), b[k], a[k], cm, depth + 1, '', showAll || Important.has(k))
  if (unchangedAttrs) lines.push(`${indent}  ${hidden(unchangedAttrs, 'attribute')}`)
  if (depth >= MaxDepth) return
  let unchangedBlocks = 0
  for (const k of blocks) {
    const cm = child(m, k)
    const nested = schema?.blockTypes[k]?.block
    const bk: unknown = b[k]
    const ak: unknown = a[k]
    const bl: unknown[] = Array.isArray(bk) ? bk : absent(bk) ? [] : [bk]
    const al: unknown[] = Array.isArray(ak) ? ak : absent(ak) ? [] : [ak]
    const n = Math.max(bl.length, al.length)
    for (let i = 0; i < Math.min(n, MaxElements); i++) {
      const em = Array.isArray(b[k]) || Array.isArray(a[k]) ? child(cm, i) : cm
      const sym = symbolOf(bl[i], al[i], em)
      if (sym === ' ' && !showAll) {
        unchangedBlocks++
        continue
      }
      lines.push('')
      lines.push(`${indent}${sym} ${k} {${forces(em) ? ' # forces replacement' : ''}`)
      objectBody(lines, `${indent}    `, bl[i], al[i], em, nested, depth + 1, showAll)
      lines.push(`${indent}  }`)
    }
    if (n > MaxElements) lines.push(`${indent}  # (${n - MaxElements} more blocks not shown)`)
  }
  if (unchangedBlocks) {
    lines.push('')
    lines.push(`${indent}  ${hidden(unchangedBlocks, 'block')}`)
  }
}

/** One output's line(s): `+ name = value`, masked when sensitive, unknown when not known yet. */
export function outputLines(lines: Lines, name: string, width: number, before: unknown, after: unknown, m: Masks): void {
  element(lines, '  ', pad(name, width), before, after, m, 0, '')
}
