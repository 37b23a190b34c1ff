/**
 * The engine's state versions: every state a workspace had, and the state itself, raw (format 4) and
 * as `terraform show -json` writes it. Not their HTTP side (resources/state-versions.ts).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { newId, type StandInWorkspace } from './model.ts'

export const TerraformVersion = '1.9.5'

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

export interface Instance {
  type: string
  name: string
  module: string
  index: number | null
  address: string
}

export function instanceOf(address: string): Instance {
  const m = address.match(/^(?:(module\.[^.]+)\.)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(?:\[(\d+)\])?$/)
  return {
    module: m?.[1] ?? '',
    type: m?.[2] ?? 'null_resource',
    name: m?.[3] ?? 'item',
    index: m?.[4] === undefined ? null : Number(m[4]),
    address
  }
}

export const providerOf = (type: string): string => `registry.terraform.io/hashicorp/${type.split('_')[0]}`
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

  /** The state behind a download URL's token. */
  byToken(token: string): StandInStateVersion | undefined {
    return [...this.all.values()].find(s => s.token === token)
  }
}

/** The workspace's next state, from what it now holds: its resources (by address when known) and outputs. */
export function recordState(
  versions: StateVersions,
  ws: StandInWorkspace,
  runId: string | undefined,
  processedAt: number
): StandInStateVersion {
  const addresses = ws.stateAddresses.length ? ws.stateAddresses : Array.from({ length: ws.resources }, (_, i) => `aws_instance.web[${i}]`)
  // Every output has its id by now: applyDone hands them out before it makes the state.
  const outputIds: Record<string, string> = {}
  for (const name of Object.keys(ws.outputs)) {
    const id = ws.outputIds[name]
    if (id !== undefined) outputIds[name] = id
  }
  const sv = versions.add({
    id: newId('sv'),
    workspaceId: ws.id,
    serial: (ws.stateVersion?.serial ?? 0) + 1,
    runId,
    processedAt,
    outputs: { ...ws.outputs },
    outputIds,
    addresses
  })
  ws.stateVersion = { id: sv.id, serial: sv.serial, processedAt }
  ws.updatedAt = new Date().toISOString()
  return sv
}
