/**
 * The estate and HCP Terraform's run triggers, pure: an estate file written from the triggers
 * (each trigger source becomes a need of its downstream workspace), and the pairs a file orders
 * opposite to a trigger. Reading the triggers is triggers-api.ts.
 */
import { stringify } from 'yaml'
import { placed } from './graph.js'
import type { Estate } from './model.js'

/** One trigger by workspace names: `downstream` gets a run after each successful apply of `upstream`. */
export interface TriggerEdge {
  upstream: string
  downstream: string
}

/**
 * The estate file's text for `organization`: the workspaces joined by a trigger (or every one
 * given, with `all`), each needing its trigger sources, in apply order then by name.
 */
export function estateFromTriggers(
  organization: string,
  workspaces: string[],
  edges: TriggerEdge[],
  options: { hostname?: string; all?: boolean } = {}
): string {
  const joined = new Set(edges.flatMap(e => [e.upstream, e.downstream]))
  const names = [...new Set(workspaces)].filter(n => options.all || joined.has(n)).sort()
  const needs = new Map(
    names.map(n => [n, [...new Set(edges.filter(e => e.downstream === n && names.includes(e.upstream)).map(e => e.upstream))].sort()])
  )
  // Apply order: a workspace after everything it needs (the triggers have no cycles: HCP Terraform refuses them).
  const ordered: string[] = []
  const done = new Set<string>()
  while (ordered.length < names.length) {
    const ready = names.filter(n => !done.has(n) && (needs.get(n) ?? []).every(u => done.has(u)))
    // A cycle (which the service refuses to create) would leave nothing ready: list the rest as they are.
    const next = ready.length ? ready : names.filter(n => !done.has(n))
    for (const n of next) done.add(n)
    ordered.push(...next)
  }
  const defaults: Record<string, unknown> = { organization }
  if (options.hostname) defaults.hostname = options.hostname
  const doc = {
    defaults,
    workspaces: ordered.map(n => ((needs.get(n) ?? []).length ? { name: n, needs: needs.get(n) } : { name: n }))
  }
  return `# Written from the run triggers of organization ${organization}: each workspace needs the workspaces whose applies trigger its runs.\n# Add variables_from, environments and settings, then generate the workflows.\n${stringify(doc, { lineWidth: 0, flowCollectionPadding: false })}`
}

export interface Disagreement {
  /** The trigger, by estate keys. */
  upstream: string
  downstream: string
}

/**
 * The triggers the file orders the other way: `upstream`'s applies trigger runs on `downstream`,
 * but in the file `upstream` needs `downstream` (directly or through what it needs), so the
 * estate applies downstream first and the trigger re-runs it afterwards. Edges are by estate key.
 */
export function triggerDisagreements(estate: Estate, edges: TriggerEdge[]): Disagreement[] {
  const keys = new Set(estate.workspaces.map(w => w.key))
  const needs = new Map(estate.workspaces.map(w => [w.key, w.needs]))
  const upstreamOf = (key: string): Set<string> => {
    const seen = new Set<string>()
    const todo = [...(needs.get(key) ?? [])]
    while (todo.length) {
      const k = todo.pop()
      if (k === undefined) break
      if (seen.has(k)) continue
      seen.add(k)
      todo.push(...(needs.get(k) ?? []))
    }
    return seen
  }
  const order = new Map(placed(estate, 'apply').map((p, i) => [p.workspace.key, i]))
  return edges
    .filter(e => keys.has(e.upstream) && keys.has(e.downstream) && upstreamOf(e.upstream).has(e.downstream))
    .sort((a, b) => (order.get(a.upstream) ?? 0) - (order.get(b.upstream) ?? 0) || a.downstream.localeCompare(b.downstream))
}
