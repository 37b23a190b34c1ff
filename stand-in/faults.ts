/**
 * The faults tests inject: which request a rule hits, and the broken answers a proxy or an overloaded
 * service gives. What a fault does to the connection is the shell's (server.ts).
 */
import type http from 'node:http'
import { errorDocument } from './documents.ts'

export type FaultKind =
  | 'status-500'
  | 'status-502-json'
  | 'status-502-html'
  | 'status-503'
  | 'reset'
  /** The request is performed, then the connection is dropped before any answer. */
  | 'lost-response'
  /** A gateway answers 504 at once; the request reaches the backend `delayMs` later and is performed. */
  | 'status-504-late-commit'
  | 'slow'

export interface FaultRule {
  method?: string
  path: RegExp
  /** Several kinds are used in turn. */
  kind: FaultKind | FaultKind[]
  /** How many matching requests to hit; Infinity for all. */
  times?: number
  /** Chance that a matching request is hit (default 1). */
  probability?: number
  /** Hit every n-th matching request instead (deterministic: n = 4 fails a quarter). */
  every?: number
  /** For 'slow' and 'status-504-late-commit'. */
  delayMs?: number
  /** For the JSON error statuses: the error's detail (tests put hostile text here). */
  detail?: string
}

export interface PickedFault {
  kind: FaultKind
  delayMs?: number
  detail?: string
}

export class Faults {
  private rules: (FaultRule & { hits: number; seen: number })[] = []
  private readonly random: () => number

  constructor(random: () => number) {
    this.random = random
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, hits: 0, seen: 0 })
  }

  clear(): void {
    this.rules = []
  }

  hits(): number {
    return this.rules.reduce((n, f) => n + f.hits, 0)
  }

  /** The fault this request gets, if any; each rule counts the requests it saw and hit. */
  pick(method: string, path: string): PickedFault | undefined {
    for (const f of this.rules) {
      if (f.method && f.method !== method) continue
      if (!f.path.test(path)) continue
      if (f.hits >= (f.times ?? Infinity)) continue
      f.seen++
      if (f.every ? f.seen % f.every !== 0 : this.random() >= (f.probability ?? 1)) continue
      const kinds = Array.isArray(f.kind) ? f.kind : [f.kind]
      const kind = kinds[f.hits % kinds.length] as FaultKind
      f.hits++
      return { kind, delayMs: f.delayMs, detail: f.detail }
    }
    return undefined
  }
}

/** Writes the error answer of a status fault; returns its status for the request log. */
export function sendFault(res: http.ServerResponse, kind: FaultKind, detail?: string): number {
  if (kind === 'status-502-html') {
    res.writeHead(502, { 'Content-Type': 'text/html' })
    res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>corporate-proxy</body></html>')
    return 502
  }
  const status = kind === 'status-500' ? 500 : kind === 'status-503' ? 503 : 502
  res.writeHead(status, { 'Content-Type': 'application/vnd.api+json' })
  res.end(JSON.stringify(errorDocument(status, 'internal error', detail)))
  return status
}
