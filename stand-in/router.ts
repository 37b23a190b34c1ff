/**
 * The stand-in's router: a route is a method, a path pattern (`/api/v2/runs/:id/actions/:action`)
 * and a handler that gets the pattern's parameters by name, typed from the pattern itself.
 * Not the table of routes (routes.ts), nor anything about auth or faults (server.ts).
 */

/** A handler's answer: status, body (a document, a Buffer, or nothing), and headers of its own. */
export type Answer = [status: number, body: unknown, headers?: Record<string, string>]

/** `:name` takes any one non-empty segment; `:name(a|b)` only one of those words. */
type ParamOf<Segment extends string> = Segment extends `:${infer Name}(${string})` ? Name : Segment extends `:${infer Name}` ? Name : never
type ParamNames<Pattern extends string> = Pattern extends `${infer Head}/${infer Tail}`
  ? ParamOf<Head> | ParamNames<Tail>
  : ParamOf<Pattern>
export type Params<Pattern extends string> = { readonly [Name in ParamNames<Pattern>]: string }

/**
 * The parameters of `path` when it has the pattern's shape, segment by segment (the same as an
 * anchored regex with `([^/]+)` per parameter: no empty segment, no trailing slash); else undefined.
 */
export function match<Pattern extends string>(pattern: Pattern, path: string): Params<Pattern> | undefined {
  const want = pattern.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (const [i, segment] of want.entries()) {
    const value = got[i] ?? ''
    const param = segment.match(/^:(\w+)(?:\(([^)]*)\))?$/)
    if (!param) {
      if (value !== segment) return undefined
      continue
    }
    const [, name = '', words] = param
    if (!value || (words !== undefined && !words.split('|').includes(value))) return undefined
    params[name] = value
  }
  // Every name of the pattern got a value above: this is the one place the two types meet.
  return params as Params<Pattern>
}

export interface Route<Call> {
  method: string
  pattern: string
  /** Answered without a token (service discovery and the health check). */
  open: boolean
  /** The handler bound to this path's parameters, or undefined when the path is not this route's. */
  bind(path: string): ((call: Call) => Answer) | undefined
}

/** A row of a route table. */
export function route<Call, Pattern extends string>(
  method: string,
  pattern: Pattern,
  handler: (params: Params<Pattern>, call: Call) => Answer,
  options: { open?: boolean } = {}
): Route<Call> {
  return {
    method,
    pattern,
    open: options.open === true,
    bind: path => {
      const params = match(pattern, path)
      return params && (call => handler(params, call))
    }
  }
}

/** The first row of the table for this request, with its handler bound. */
export function find<Call>(
  table: readonly Route<Call>[],
  method: string,
  path: string
): { route: Route<Call>; answer: (call: Call) => Answer } | undefined {
  for (const r of table) {
    if (r.method !== method) continue
    const answer = r.bind(path)
    if (answer) return { route: r, answer }
  }
  return undefined
}
