/**
 * The JSON plan (`terraform show -json`, the redacted form HCP Terraform serves, or json-output)
 * as the typed records the guard and the diff renderer read. Outside data: anything that is not
 * the documented shape is skipped, never thrown on; values are kept as they are (the renderer
 * masks what the plan marks sensitive), addresses and actions are checked to be strings.
 */
import { isRecord } from '../common/json.js'

export interface PlanChange {
  actions: string[]
  before: unknown
  after: unknown
  afterUnknown: unknown
  beforeSensitive: unknown
  afterSensitive: unknown
  /** Paths (lists of keys and indexes) whose change forces the replacement. */
  replacePaths: unknown[][]
  importing: { id: string } | undefined
}

export interface PlanResource {
  address: string
  previousAddress: string | undefined
  mode: 'managed' | 'data'
  type: string
  name: string
  providerName: string
  deposed: string | undefined
  actionReason: string | undefined
  change: PlanChange
}

export interface PlanOutput {
  name: string
  change: PlanChange
}

/** A block's schema (provider_schemas in the redacted plan): which keys are nested blocks, and how. */
export interface BlockSchema {
  attributes: Record<string, { sensitive?: boolean }>
  blockTypes: Record<string, { nesting: string; block: BlockSchema }>
}

export interface ParsedPlan {
  resources: PlanResource[]
  drift: PlanResource[]
  outputs: PlanOutput[]
  /** Block schemas by provider and resource type (`managed` and `data`), when the plan carries them. */
  schema(providerName: string, mode: 'managed' | 'data', type: string): BlockSchema | undefined
}

type Obj = Record<string, unknown>

function obj(v: unknown): Obj | undefined {
  return isRecord(v) ? v : undefined
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

function toChange(v: unknown): PlanChange {
  const c = obj(v) ?? {}
  const importing = obj(c.importing)
  return {
    actions: strings(c.actions),
    before: c.before ?? null,
    after: c.after ?? null,
    afterUnknown: c.after_unknown ?? false,
    beforeSensitive: c.before_sensitive ?? false,
    afterSensitive: c.after_sensitive ?? false,
    replacePaths: Array.isArray(c.replace_paths) ? c.replace_paths.filter((p): p is unknown[] => Array.isArray(p)) : [],
    importing: importing ? { id: text(importing.id) ?? '' } : undefined
  }
}

function toResource(v: unknown): PlanResource | undefined {
  const r = obj(v)
  const address = text(r?.address)
  if (!r || !address) return undefined
  return {
    address,
    previousAddress: text(r.previous_address),
    mode: r.mode === 'data' ? 'data' : 'managed',
    type: text(r.type) ?? '',
    name: text(r.name) ?? '',
    providerName: text(r.provider_name) ?? '',
    deposed: text(r.deposed),
    actionReason: text(r.action_reason),
    change: toChange(r.change)
  }
}

function toSchema(v: unknown, depth = 0): BlockSchema {
  const b = obj(v) ?? {}
  const attributes: BlockSchema['attributes'] = {}
  for (const [k, a] of Object.entries(obj(b.attributes) ?? {})) attributes[k] = { sensitive: obj(a)?.sensitive === true }
  const blockTypes: BlockSchema['blockTypes'] = {}
  // Schemas nest a few levels; a deeper one is outside data gone wrong, not a provider.
  if (depth < 32) {
    for (const [k, t] of Object.entries(obj(b.block_types) ?? {})) {
      const bt = obj(t) ?? {}
      blockTypes[k] = { nesting: text(bt.nesting_mode) ?? 'list', block: toSchema(bt.block, depth + 1) }
    }
  }
  return { attributes, blockTypes }
}

export function parsePlan(doc: unknown): ParsedPlan {
  const plan = obj(doc) ?? {}
  const list = (v: unknown): PlanResource[] => (Array.isArray(v) ? v : []).map(toResource).filter((r): r is PlanResource => r !== undefined)
  const outputs: PlanOutput[] = Object.entries(obj(plan.output_changes) ?? {})
    .filter(([, c]) => obj(c) !== undefined)
    .map(([name, c]) => ({ name, change: toChange(c) }))
  const providers = obj(obj(plan.provider_schemas)?.provider_schemas) ?? obj(plan.provider_schemas) ?? {}
  const cache = new Map<string, BlockSchema | undefined>()
  return {
    resources: list(plan.resource_changes),
    drift: list(plan.resource_drift),
    outputs,
    schema(providerName, mode, type) {
      const key = `${providerName}\u0000${mode}\u0000${type}`
      if (!cache.has(key)) {
        const p = obj(providers[providerName])
        const schemas = obj(mode === 'data' ? p?.data_source_schemas : p?.resource_schemas)
        const block = obj(obj(schemas?.[type])?.block)
        cache.set(key, block ? toSchema(block) : undefined)
      }
      return cache.get(key)
    }
  }
}

/** The action of a change as one word: create, update, delete, replace (either order), read, forget, no-op. */
export function actionWord(actions: readonly string[]): string {
  if (actions.includes('create') && actions.includes('delete')) return 'replace'
  if (actions.includes('create') && actions.includes('forget')) return 'replace-forget'
  return actions.length ? actions.join('-') : 'no-op'
}

/** Names of the outputs the plan changes (never a value): what `outputs_changed` lists. */
export function changedOutputs(plan: ParsedPlan): string[] {
  return plan.outputs.filter(o => actionWord(o.change.actions) !== 'no-op').map(o => o.name)
}
