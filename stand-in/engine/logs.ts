/**
 * What plan and apply logs say (structured JSON lines as Terraform 1.9 writes them, or plain terminal
 * text with ANSI colours) and the archivist's store of them, framed by STX and ETX.
 * Not the log host that serves them (resources/archivist.ts).
 */

export type LogFormat = 'structured' | 'plain'

export const Stx = '\u0002'
export const Etx = '\u0003'

interface Log {
  text: string
  closed: boolean
}

/** Byte buffers by log id. Kept as strings of UTF-8 text; offsets count bytes, as the archivist does. */
export class Archivist {
  private readonly logs = new Map<string, Log>()

  open(id: string): void {
    if (!this.logs.has(id)) this.logs.set(id, { text: Stx, closed: false })
  }

  append(id: string, lines: string[]): void {
    const log = this.logs.get(id)
    if (!log || log.closed || !lines.length) return
    log.text += lines.map(l => `${l}\n`).join('')
  }

  /** `etx: false` leaves the log without its closing byte, as some agents do. */
  close(id: string, etx = true): void {
    const log = this.logs.get(id)
    if (!log || log.closed) return
    if (etx) log.text += Etx
    log.closed = true
  }

  /** Undefined for a log not opened yet: its URL is handed out before the stage starts, and reads empty until then. */
  read(id: string, offset: number, limit: number): Buffer | undefined {
    const log = this.logs.get(id)
    if (!log) return undefined
    return Buffer.from(log.text, 'utf8').subarray(offset, offset + limit)
  }

  has(id: string): boolean {
    return this.logs.has(id)
  }
}

export interface Change {
  address: string
  action: 'create' | 'update' | 'delete' | 'replace' | 'read'
}

export interface OutputChange {
  name: string
  sensitive: boolean
  value: unknown
}

function resourceOf(address: string): Record<string, unknown> {
  const m = address.match(/^(?:(module\.[^.]+)\.)?([a-z0-9_]+)\.([a-z0-9_]+)(?:\[(\d+)\])?$/)
  const module = m?.[1] ?? ''
  const type = m?.[2] ?? 'null_resource'
  const name = m?.[3] ?? 'item'
  const key = m?.[4] === undefined ? null : Number(m[4])
  return {
    addr: address,
    module,
    resource: module ? address.slice(module.length + 1) : address,
    implied_provider: type.split('_')[0],
    resource_type: type,
    resource_name: name,
    resource_key: key
  }
}

/** The addresses a plan with these counts touches: creates, updates, deletes. */
export function changesFor(counts: { add: number; change: number; destroy: number }, destroyRun: boolean, resources: number): Change[] {
  if (destroyRun) return Array.from({ length: resources }, (_, i) => ({ address: `aws_instance.web[${i}]`, action: 'delete' as const }))
  return [
    ...Array.from({ length: counts.add }, (_, i) => ({ address: `aws_instance.web[${i}]`, action: 'create' as const })),
    ...Array.from({ length: counts.change }, (_, i) => ({ address: `aws_security_group.app_${i}`, action: 'update' as const })),
    ...Array.from({ length: counts.destroy }, (_, i) => ({ address: `aws_s3_bucket.legacy_${i}`, action: 'delete' as const }))
  ]
}

const Verbs: Record<Change['action'], { plan: string; start: string; done: string; symbol: string; colour: string }> = {
  create: { plan: 'create', start: 'Creating...', done: 'Creation complete after 1s', symbol: '+', colour: '32' },
  update: { plan: 'update', start: 'Modifying...', done: 'Modifications complete after 1s', symbol: '~', colour: '33' },
  delete: { plan: 'delete', start: 'Destroying...', done: 'Destruction complete after 1s', symbol: '-', colour: '31' },
  replace: { plan: 'replace', start: 'Replacing...', done: 'Replacement complete after 1s', symbol: '-/+', colour: '35' },
  read: { plan: 'read', start: 'Reading...', done: 'Read complete after 0s', symbol: '<=', colour: '36' }
}

function ui(type: string, message: string, extra: Record<string, unknown> = {}, level = 'info'): string {
  return JSON.stringify({
    '@level': level,
    '@message': message,
    '@module': 'terraform.ui',
    '@timestamp': new Date().toISOString(),
    ...extra,
    type
  })
}

/** A plan's totals from its changes: a replace counts as one to add and one to destroy. */
export function counts(changes: Change[]): { add: number; change: number; remove: number } {
  return {
    add: changes.filter(c => c.action === 'create' || c.action === 'replace').length,
    change: changes.filter(c => c.action === 'update').length,
    remove: changes.filter(c => c.action === 'delete' || c.action === 'replace').length
  }
}

/** What each moment of a stage writes: at its start, half-way, and at its end. */
export interface StageScript {
  start: string[]
  middle: string[]
  end: string[]
}

/** What a failing plan or apply writes as its diagnostic. */
export const PlanError = {
  summary: 'Reference to undeclared resource',
  detail: 'A managed resource "aws_vpc" "main" has not been declared in the root module.'
}
export const ApplyError = {
  summary: 'creating EC2 Instance: InsufficientInstanceCapacity',
  detail: 'We currently do not have sufficient capacity in the Availability Zone you requested.'
}

export function planScript(
  format: LogFormat,
  changes: Change[],
  outputs: OutputChange[],
  error?: { summary: string; detail: string }
): StageScript {
  const n = counts(changes)
  const summary = changes.length
    ? `Plan: ${n.add} to add, ${n.change} to change, ${n.remove} to destroy.`
    : 'No changes. Your infrastructure matches the configuration.'
  if (format === 'plain') {
    const start = ['Terraform v1.9.5', 'on linux_amd64', 'Initializing plugins and modules...']
    const middle = changes.flatMap(c => [
      `  \u001b[1m# ${c.address}\u001b[0m will be ${c.action === 'create' ? 'created' : c.action === 'delete' ? 'destroyed' : 'updated in-place'}`,
      `  \u001b[${Verbs[c.action].colour}m${Verbs[c.action].symbol}\u001b[0m resource "${String(resourceOf(c.address).resource_type)}" "${String(resourceOf(c.address).resource_name)}" { ... }`
    ])
    const end = error
      ? [
          `\u001b[31m╷\u001b[0m`,
          `\u001b[31m│\u001b[0m \u001b[1;31mError: \u001b[0m\u001b[1m${error.summary}\u001b[0m`,
          `\u001b[31m│\u001b[0m ${error.detail}`,
          `\u001b[31m╵\u001b[0m`
        ]
      : [`\u001b[1m${summary}\u001b[0m`]
    return { start, middle, end }
  }
  const start = [ui('version', 'Terraform 1.9.5', { terraform: '1.9.5', ui: '1.2' })]
  const middle = changes.map(c =>
    ui('planned_change', `${c.address}: Plan to ${Verbs[c.action].plan}`, { change: { resource: resourceOf(c.address), action: c.action } })
  )
  if (error) {
    return {
      start,
      middle,
      end: [
        ui(
          'diagnostic',
          `Error: ${error.summary}`,
          {
            diagnostic: {
              severity: 'error',
              summary: error.summary,
              detail: error.detail,
              range: { filename: 'main.tf', start: { line: 12, column: 3, byte: 210 }, end: { line: 12, column: 20, byte: 227 } }
            }
          },
          'error'
        )
      ]
    }
  }
  const end = [ui('change_summary', summary, { changes: { ...n, import: 0, operation: 'plan' } })]
  if (outputs.length) {
    end.push(
      ui('outputs', `Outputs: ${outputs.length}`, {
        outputs: Object.fromEntries(outputs.map(o => [o.name, { sensitive: o.sensitive, action: 'create' }]))
      })
    )
  }
  return { start, middle, end }
}

export function applyScript(
  format: LogFormat,
  changes: Change[],
  outputs: OutputChange[],
  error?: { summary: string; detail: string }
): StageScript {
  const n = counts(changes)
  const id = (i: number): string => `i-0${(i + 10).toString(16)}f00d`
  if (format === 'plain') {
    return {
      start: ['Terraform v1.9.5', ...changes.map(c => `${c.address}: ${Verbs[c.action].start}`)],
      middle: changes.map((c, i) => `${c.address}: ${Verbs[c.action].done} [id=${id(i)}]`),
      end: error
        ? [`\u001b[31m│\u001b[0m \u001b[1;31mError: \u001b[0m\u001b[1m${error.summary}\u001b[0m`, `\u001b[31m│\u001b[0m ${error.detail}`]
        : [
            `\u001b[1;32mApply complete! Resources: ${n.add} added, ${n.change} changed, ${n.remove} destroyed.\u001b[0m`,
            ...outputs.map(o => `${o.name} = ${o.sensitive ? '<sensitive>' : JSON.stringify(o.value)}`)
          ]
    }
  }
  const start = [
    ui('version', 'Terraform 1.9.5', { terraform: '1.9.5', ui: '1.2' }),
    ...changes.map(c =>
      ui('apply_start', `${c.address}: ${Verbs[c.action].start}`, { hook: { resource: resourceOf(c.address), action: c.action } })
    )
  ]
  const middle = changes.map((c, i) =>
    ui('apply_complete', `${c.address}: ${Verbs[c.action].done} [id=${id(i)}]`, {
      hook: { resource: resourceOf(c.address), action: c.action, id_key: 'id', id_value: id(i), elapsed_seconds: 1 }
    })
  )
  if (error) {
    return {
      start,
      middle: [],
      end: [
        ui(
          'diagnostic',
          `Error: ${error.summary}`,
          { diagnostic: { severity: 'error', summary: error.summary, detail: error.detail } },
          'error'
        )
      ]
    }
  }
  const end = [
    ui('change_summary', `Apply complete! Resources: ${n.add} added, ${n.change} changed, ${n.remove} destroyed.`, {
      changes: { ...n, import: 0, operation: 'apply' }
    })
  ]
  if (outputs.length) {
    end.push(
      ui('outputs', `Outputs: ${outputs.length}`, {
        outputs: Object.fromEntries(
          outputs.map(o => [o.name, o.sensitive ? { sensitive: true } : { sensitive: false, type: typeof o.value, value: o.value }])
        )
      })
    )
  }
  return { start, middle, end }
}
