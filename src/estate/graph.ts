/**
 * The estate's graph: what is wrong with it (duplicates, unknown names, cycles, outputs taken from
 * a workspace not needed, more workspaces than a workflow holds), and its order in each
 * direction. Apply follows `needs:`; destroy follows the same edges reversed.
 */
import { EstateError, MaxWorkspaces, SummaryJobId, type Estate, type EstateWorkspace } from './model.js'

export type Direction = 'apply' | 'destroy'

export interface Placed {
  workspace: EstateWorkspace
  /** 0 for a workspace that waits for nothing in this direction; else 1 + the deepest of what it waits for. */
  level: number
  /** Estate keys this workspace's job waits for in this direction, in file order. */
  waitsFor: string[]
}

function identity(w: EstateWorkspace): string {
  const host = w.settings.hostname ?? ''
  return w.id ? `${host} ${w.id}` : `${host} ${w.settings.organization ?? ''}/${w.name ?? ''}`
}

function describe(w: EstateWorkspace): string {
  return w.id ?? `${w.settings.organization}/${w.name}`
}

/** One cycle through `start`'s component, as keys from a workspace back to itself; undefined when there is none. */
function findCycles(byKey: Map<string, EstateWorkspace>): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[][] = []
  for (const start of byKey.keys()) {
    if (state.has(start)) continue
    // Iterative depth-first walk: an estate can be a few hundred deep, and recursion is not needed.
    const path: string[] = []
    const stack: { key: string; next: number }[] = [{ key: start, next: 0 }]
    state.set(start, 'open')
    path.push(start)
    while (stack.length) {
      const top = stack[stack.length - 1]
      if (!top) break
      const needs = byKey.get(top.key)?.needs.filter(n => byKey.has(n)) ?? []
      if (top.next >= needs.length) {
        state.set(top.key, 'done')
        stack.pop()
        path.pop()
        continue
      }
      const n = needs[top.next++]
      if (n === undefined) continue
      const s = state.get(n)
      if (s === 'open') cycles.push([...path.slice(path.indexOf(n)), n])
      else if (s === undefined) {
        state.set(n, 'open')
        path.push(n)
        stack.push({ key: n, next: 0 })
      }
    }
  }
  return cycles
}

/** Everything `key` needs, directly or through what it needs. */
function upstreamOf(key: string, byKey: Map<string, EstateWorkspace>): Set<string> {
  const seen = new Set<string>()
  const todo = [...(byKey.get(key)?.needs ?? [])]
  while (todo.length) {
    const k = todo.pop()
    if (k === undefined) break
    if (seen.has(k) || !byKey.has(k)) continue
    seen.add(k)
    todo.push(...(byKey.get(k)?.needs ?? []))
  }
  return seen
}

/** Every problem of the graph; empty when the estate can be generated and run. */
export function graphProblems(estate: Estate): string[] {
  const problems: string[] = []
  const ws = estate.workspaces
  if (ws.length > MaxWorkspaces) {
    problems.push(
      `the estate has ${ws.length} workspaces; a workflow holds at most ${MaxWorkspaces} of them (GitHub runs at most 256 jobs per workflow run, one of them the estate summary). Split it into estates of at most ${MaxWorkspaces}.`
    )
  }
  const byKey = new Map<string, EstateWorkspace>()
  const byIdentity = new Map<string, EstateWorkspace>()
  const byJob = new Map<string, EstateWorkspace>()
  for (const w of ws) {
    const first = byKey.get(w.key)
    if (first) problems.push(`${w.where}: '${w.key}' is listed twice (first at ${first.where})`)
    else byKey.set(w.key, w)
    const same = byIdentity.get(identity(w))
    if (same && same !== first) problems.push(`${w.where}: workspace ${describe(w)} is listed twice (first at ${same.where})`)
    else byIdentity.set(identity(w), w)
    const job = w.jobId.toLowerCase()
    const clash = byJob.get(job)
    if (job === SummaryJobId)
      problems.push(`${w.where}: '${w.key}' is the name of the estate summary's job; give the workspace another key`)
    else if (clash && clash !== first && clash.key !== w.key)
      problems.push(`${w.where}: its job id '${w.jobId}' is also ${clash.where}'s; give one of them another key`)
    else byJob.set(job, w)
  }
  for (const w of ws) {
    for (const n of w.needs) if (!byKey.has(n)) problems.push(`${w.where}.needs: '${n}' is not a workspace of this file`)
  }
  for (const cycle of findCycles(byKey)) problems.push(`the needs form a cycle: ${cycle.join(' → ')}`)
  for (const w of ws) {
    const upstream = upstreamOf(w.key, byKey)
    for (const f of w.variablesFrom) {
      const up = byKey.get(f.from)
      if (!up) problems.push(`${w.where}.variables_from.${f.variable}: '${f.from}' is not a workspace of this file`)
      else if (!upstream.has(f.from)) {
        problems.push(
          `${w.where}.variables_from.${f.variable}: '${f.from}' is not among what '${w.key}' needs (directly or through what it needs), so its outputs may not exist yet on apply, or be gone already on destroy; add it to needs`
        )
      } else if ((up.settings.hostname ?? '') !== (w.settings.hostname ?? '')) {
        problems.push(
          `${w.where}.variables_from.${f.variable}: '${f.from}' is on another host; outputs are read with the step's own host and token`
        )
      }
    }
  }
  return problems
}

/** Throws EstateError with every problem of the graph. */
export function assertGraph(estate: Estate): void {
  const problems = graphProblems(estate)
  if (problems.length) throw new EstateError(estate.file, problems)
}

/**
 * The workspaces in the order a person reads the run: by level, then as the file lists them.
 * Call on a checked graph (assertGraph): a cycle would never be placed.
 */
export function placed(estate: Estate, direction: Direction): Placed[] {
  const keys = new Set(estate.workspaces.map(w => w.key))
  const waits = new Map<string, string[]>(estate.workspaces.map(w => [w.key, []]))
  for (const w of estate.workspaces) {
    for (const n of new Set(w.needs)) {
      if (!keys.has(n)) continue
      if (direction === 'apply') waits.get(w.key)?.push(n)
      else waits.get(n)?.push(w.key)
    }
  }
  const fileIndex = new Map(estate.workspaces.map((w, i) => [w.key, i]))
  for (const list of waits.values()) list.sort((a, b) => (fileIndex.get(a) ?? 0) - (fileIndex.get(b) ?? 0))
  const level = new Map<string, number>()
  // Kahn's algorithm, level by level: a workspace's level is one more than the deepest it waits for.
  let frontier = estate.workspaces.filter(w => (waits.get(w.key) ?? []).length === 0).map(w => w.key)
  let depth = 0
  const remaining = new Map([...waits].map(([k, v]) => [k, new Set(v)]))
  while (frontier.length) {
    for (const k of frontier) level.set(k, depth)
    const next: string[] = []
    for (const [k, left] of remaining) {
      if (level.has(k)) continue
      for (const f of frontier) left.delete(f)
      if (left.size === 0) next.push(k)
    }
    frontier = next
    depth++
  }
  return estate.workspaces
    .filter(w => level.has(w.key))
    .map(w => ({ workspace: w, level: level.get(w.key) ?? 0, waitsFor: waits.get(w.key) ?? [] }))
    .sort((a, b) => a.level - b.level || (fileIndex.get(a.workspace.key) ?? 0) - (fileIndex.get(b.workspace.key) ?? 0))
}

/** The longest chain of workspaces, as keys from a root: the estate's critical path by count. */
export function depthOf(estate: Estate): number {
  return Math.max(0, ...placed(estate, 'apply').map(p => p.level + 1))
}
