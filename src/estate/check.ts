/**
 * The staleness check: what the committed workflows should be (generated from the estate file)
 * against what they are, as a line diff a person can apply by hand. Pure; the files are read by cli.ts.
 */
import type { GeneratedFile } from './render.js'

export interface Staleness {
  path: string
  /** Missing: the workflow is not committed at all. */
  state: 'missing' | 'stale'
  diff: string
}

/** Past this many line pairs, the diff is one hunk from the first difference to the last. */
const MaxLcsCells = 4_000_000

/** A unified-style line diff of `before` → `after` ('-' removed, '+' added, ' ' kept, context trimmed to 3 lines). */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n')
  const b = after.split('\n')
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const midA = a.slice(start, endA)
  const midB = b.slice(start, endB)
  const ops: string[] = []
  if (midA.length * midB.length > MaxLcsCells) {
    ops.push(...midA.map(l => `-${l}`), ...midB.map(l => `+${l}`))
  } else {
    const w = midB.length + 1
    const lcs = new Uint32Array((midA.length + 1) * w)
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        lcs[i * w + j] =
          midA[i] === midB[j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0)
      }
    }
    let i = 0
    let j = 0
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        ops.push(` ${midA[i]}`)
        i++
        j++
      } else if (i < midA.length && (j >= midB.length || (lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0))) {
        // A removal before the addition that replaces it, as diff(1) shows a changed line.
        ops.push(`-${midA[i]}`)
        i++
      } else {
        ops.push(`+${midB[j]}`)
        j++
      }
    }
  }
  const before3 = a.slice(Math.max(0, start - 3), start).map(l => ` ${l}`)
  const after3 = a.slice(endA, endA + 3).map(l => ` ${l}`)
  return [`@@ line ${start + 1} @@`, ...before3, ...ops, ...after3].join('\n')
}

/** Every generated file whose committed text differs; empty when the workflows are current. */
export function staleFiles(generated: GeneratedFile[], committed: (path: string) => string | undefined): Staleness[] {
  const out: Staleness[] = []
  for (const g of generated) {
    const now = committed(g.path)
    if (now === undefined) out.push({ path: g.path, state: 'missing', diff: lineDiff('', g.text) })
    else if (now !== g.text) out.push({ path: g.path, state: 'stale', diff: lineDiff(now, g.text) })
  }
  return out
}
