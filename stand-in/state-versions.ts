/**
 * The stand-in's state versions: every state a workspace had (the one it started with, one per
 * apply), readable by id (GET /state-versions/:id, the state version's links.self, and
 * /state-versions/:id/outputs), with the state itself behind signed download URLs on the
 * archivist, raw (format 4, what the Terraform CLI reads) and as `terraform show -json` writes it.
 *
 * Erasable TypeScript only: Node 24 runs this file directly (npm run stand-in).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { errorDocument, listDocument, outputResource, stateVersionResource, type Resource } from './documents.ts'

const TerraformVersion = '1.9.5'

export interface StandInStateVersion {
  id: string
  workspaceId: string
  serial: number
  /** Shared by every state of a workspace, as Terraform's lineage is. */
  lineage: string
  runId?: string
  createdAt: string
  /** performance.now() from which the state counts as processed (outputs readable). */
  processedAt: number
  outputs: Record<string, { value: unknown; sensitive?: boolean }>
  /** Output name → its state-version-output id. */
  outputIds: Record<string, string>
  /** Resource instance addresses in the state. */
  addresses: string[]
  /** The secret part of the download URLs. */
  token: string
}

export interface StateVersionContext {
  /** Whether the token may read this workspace's state versions. */
  readable: (workspaceId: string) => boolean
  /** The run resource, for include=run. */
  run: (runId: string) => Resource | undefined
  user: () => Resource
  /** Origin of the archivist, where the state downloads live. */
  archivistUrl: string
}

interface Instance {
  type: string
  name: string
  module: string
  index: number | null
  address: string
}

function instanceOf(address: string): Instance {
  const m = address.match(/^(?:(module\.[^.]+)\.)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(?:\[(\d+)\])?$/)
  return {
    module: m?.[1] ?? '',
    type: m?.[2] ?? 'null_resource',
    name: m?.[3] ?? 'item',
    index: m?.[4] === undefined ? null : Number(m[4]),
    address
  }
}

const providerOf = (type: string): string => `registry.terraform.io/hashicorp/${type.split('_')[0]}`
const idOf = (address: string): string => `${createHash('sha256').update(address).digest('hex').slice(0, 17)}`

/** A value's type as Terraform writes it in state (cty's JSON type notation). */
function ctyType(value: unknown): unknown {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'bool'
  if (Array.isArray(value)) return ['tuple', value.map(ctyType)]
  if (value && typeof value === 'object') return ['object', Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyType(v)]))]
  return 'dynamic'
}

export class StateVersions {
  private readonly all = new Map<string, StandInStateVersion>()

  /** A new state of the workspace; it keeps the lineage of the workspace's earlier ones. */
  add(f: Omit<StandInStateVersion, 'lineage' | 'createdAt' | 'token'>): StandInStateVersion {
    const earlier = [...this.all.values()].filter(sv => sv.workspaceId === f.workspaceId).pop()
    const sv: StandInStateVersion = {
      ...f,
      lineage: earlier?.lineage ?? randomUUID(),
      createdAt: new Date().toISOString(),
      token: randomBytes(16).toString('hex')
    }
    this.all.set(sv.id, sv)
    return sv
  }

  get(id: string): StandInStateVersion | undefined {
    return this.all.get(id)
  }

  /** The raw state (format 4). Built the same way on every call, so `size` matches what the download serves. */
  rawState(sv: StandInStateVersion): string {
    const blocks = new Map<string, Instance[]>()
    for (const i of sv.addresses.map(instanceOf)) {
      const key = `${i.module}|${i.type}|${i.name}`
      blocks.set(key, [...(blocks.get(key) ?? []), i])
    }
    return JSON.stringify({
      version: 4,
      terraform_version: TerraformVersion,
      serial: sv.serial,
      lineage: sv.lineage,
      outputs: Object.fromEntries(
        Object.entries(sv.outputs).map(([name, o]) => [
          name,
          { value: o.value, type: ctyType(o.value), ...(o.sensitive ? { sensitive: true } : {}) }
        ])
      ),
      resources: [...blocks.values()].map(instances => {
        const first = instances[0] as Instance
        return {
          ...(first.module ? { module: first.module } : {}),
          mode: 'managed',
          type: first.type,
          name: first.name,
          provider: `provider["${providerOf(first.type)}"]`,
          instances: instances.map(i => ({
            ...(i.index === null ? {} : { index_key: i.index }),
            schema_version: 0,
            attributes: { id: idOf(i.address) },
            sensitive_attributes: []
          }))
        }
      }),
      check_results: null
    })
  }

  /** The state as `terraform show -json` writes it. */
  jsonState(sv: StandInStateVersion): string {
    return JSON.stringify({
      format_version: '1.0',
      terraform_version: TerraformVersion,
      values: {
        outputs: Object.fromEntries(
          Object.entries(sv.outputs).map(([name, o]) => [name, { sensitive: o.sensitive === true, value: o.value, type: ctyType(o.value) }])
        ),
        root_module: {
          resources: sv.addresses.map(instanceOf).map(i => ({
            address: i.address,
            mode: 'managed',
            type: i.type,
            name: i.name,
            ...(i.index === null ? {} : { index: i.index }),
            provider_name: providerOf(i.type),
            schema_version: 0,
            values: { id: idOf(i.address) },
            sensitive_values: {}
          }))
        }
      }
    })
  }

  resource(sv: StandInStateVersion, archivistUrl: string): Resource {
    const processed = performance.now() >= sv.processedAt
    const counts = new Map<string, { name: string; type: string; count: number; module: string; provider: string }>()
    for (const i of sv.addresses.map(instanceOf)) {
      const key = `${i.module}|${i.type}|${i.name}`
      const entry = counts.get(key) ?? { name: i.name, type: i.type, count: 0, module: i.module || 'root', provider: providerOf(i.type) }
      entry.count++
      counts.set(key, entry)
    }
    return stateVersionResource({
      id: sv.id,
      serial: sv.serial,
      resourcesProcessed: processed,
      createdAt: sv.createdAt,
      outputIds: Object.values(sv.outputIds),
      runId: sv.runId,
      downloadUrl: `${archivistUrl}/v1/state/${sv.token}`,
      jsonDownloadUrl: `${archivistUrl}/v1/state-json/${sv.token}`,
      size: Buffer.byteLength(this.rawState(sv)),
      terraformVersion: TerraformVersion,
      resources: [...counts.values()]
    })
  }

  private outputsOf(sv: StandInStateVersion): Resource[] {
    return Object.entries(sv.outputs).map(([name, o]) => outputResource(sv.outputIds[name] as string, name, o.value, o.sensitive === true))
  }

  /** GET /state-versions/:id[?include=…] and /state-versions/:id/outputs; undefined for any other path. */
  route(method: string, path: string, query: URLSearchParams, ctx: StateVersionContext): [number, unknown] | undefined {
    const m = method === 'GET' ? path.match(/^\/api\/v2\/state-versions\/([^/]+)(\/outputs)?$/) : null
    if (!m) return undefined
    const sv = this.all.get(m[1] as string)
    if (!sv || !ctx.readable(sv.workspaceId)) return [404, errorDocument(404, 'not found')]
    const processed = performance.now() >= sv.processedAt
    if (m[2]) {
      if (!processed) return [503, errorDocument(503, 'Service Unavailable', 'The state version outputs are still being processed.')]
      const size = Math.min(100, Number(query.get('page[size]') ?? 20) || 20)
      const page = Math.max(1, Number(query.get('page[number]') ?? 1) || 1)
      return [200, listDocument(this.outputsOf(sv), page, size)]
    }
    const include = (query.get('include') ?? '').split(',').filter(Boolean)
    const bad = include.find(i => !['outputs', 'run', 'created_by'].includes(i))
    if (bad) return [400, errorDocument(400, 'invalid include parameter', `Invalid include parameter: ${bad}`)]
    const included: Resource[] = []
    if (include.includes('outputs') && processed) included.push(...this.outputsOf(sv))
    const run = include.includes('run') && sv.runId ? ctx.run(sv.runId) : undefined
    if (run) included.push(run)
    if (include.includes('created_by')) included.push(ctx.user())
    return [200, { data: this.resource(sv, ctx.archivistUrl), ...(included.length ? { included } : {}) }]
  }

  /** A read of a download URL on the archivist: the state, or undefined when the path is not a state's. */
  download(path: string): { contentType: string; body: string } | undefined {
    const m = path.match(/^\/v1\/(state|state-json)\/([a-f0-9]+)$/)
    const sv = m ? [...this.all.values()].find(s => s.token === m[2]) : undefined
    if (!m || !sv) return undefined
    return { contentType: 'application/json', body: m[1] === 'state' ? this.rawState(sv) : this.jsonState(sv) }
  }
}
