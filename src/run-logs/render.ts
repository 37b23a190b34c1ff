/**
 * Plan and apply logs as a person reads them. On most workspaces a log is structured run output:
 * one JSON `terraform.ui` message per line (version, planned_change, change_summary, diagnostic,
 * apply_start, apply_complete, outputs, …). They are rendered the way the Terraform CLI prints
 * them (the message, diagnostics with their detail), and what the summary needs is kept: the
 * changes by address, output changes, the totals line and the first error. A line that is not
 * such a message is a plain log line and passes through as it is, ANSI colours included.
 */
import { isRecord, record } from '../common/json.js'

/** Resource change actions, as the summary names them. */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'import' | 'move' | 'forget'
export const ChangeActions: readonly ChangeAction[] = ['create', 'update', 'replace', 'delete', 'read', 'import', 'move', 'forget']

export interface ResourceChange {
  address: string
  action: ChangeAction
}

export interface OutputChange {
  name: string
  action: string
  sensitive: boolean
}

export interface Diagnostic {
  severity: 'error' | 'warning'
  summary: string
  detail: string
  /** `main.tf line 12`, when the diagnostic says where. */
  where: string | undefined
}

export interface ChangeTotals {
  add: number
  change: number
  remove: number
  import: number
  operation: string
}

const Colour = { red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', cyan: '\u001b[36m', bold: '\u001b[1m', reset: '\u001b[0m' }
const Symbol: Record<ChangeAction, string> = {
  create: `${Colour.green}+${Colour.reset}`,
  update: `${Colour.yellow}~${Colour.reset}`,
  replace: `${Colour.red}-${Colour.reset}/${Colour.green}+${Colour.reset}`,
  delete: `${Colour.red}-${Colour.reset}`,
  read: `${Colour.cyan}<=${Colour.reset}`,
  import: `${Colour.cyan}<-${Colour.reset}`,
  move: `${Colour.yellow}->${Colour.reset}`,
  forget: `${Colour.red}.${Colour.reset}`
}

function toAction(value: unknown, importing: boolean): ChangeAction | undefined {
  if (importing && (value === 'noop' || value === 'read')) return 'import'
  switch (value) {
    case 'create':
    case 'update':
    case 'replace':
    case 'delete':
    case 'read':
      return value
    case 'move':
      return 'move'
    case 'remove':
    case 'forget':
      return 'forget'
    case 'import':
      return 'import'
    default:
      return undefined
  }
}

type Message = Record<string, unknown> & { type: string; '@message'?: unknown; '@level'?: unknown }

function asMessage(line: string): Message | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const parsed: unknown = JSON.parse(line)
    if (isRecord(parsed) && typeof parsed.type === 'string' && '@message' in parsed) return { ...parsed, type: parsed.type }
  } catch {
    // Not JSON: a plain line that happens to start with a brace.
  }
  return undefined
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** What one stage's log said, as far as the summary and the error annotation care. */
export class LogDigest {
  /** True once a structured message was seen; false once a plain line was; undefined before any line. */
  structured: boolean | undefined
  readonly changes = new Map<string, ChangeAction>()
  readonly drift: ResourceChange[] = []
  readonly outputs: OutputChange[] = []
  totals: ChangeTotals | undefined
  firstError: Diagnostic | undefined

  /** The lines to print for one log line. */
  render(line: string): string[] {
    const message = asMessage(line)
    if (!message) {
      if (line.trim() !== '') this.structured ??= false
      const error = plainError(line)
      if (error && !this.firstError) this.firstError = { severity: 'error', summary: error, detail: '', where: undefined }
      return [line]
    }
    this.structured = true
    const said = text(message['@message'])
    switch (message.type) {
      case 'planned_change':
      case 'resource_drift': {
        const change = record(message.change)
        const address = text(record(change.resource).addr)
        const action = toAction(change.action, Boolean(change.importing))
        if (!address || !action) return said ? [said] : []
        if (message.type === 'planned_change') this.changes.set(address, action)
        else this.drift.push({ address, action })
        return [`  ${Symbol[action]} ${said || `${address}: ${action}`}`]
      }
      case 'change_summary': {
        const c = record(message.changes)
        const n = (k: string): number => (typeof c[k] === 'number' ? c[k] : 0)
        this.totals = { add: n('add'), change: n('change'), remove: n('remove'), import: n('import'), operation: text(c.operation) }
        return [`${Colour.bold}${said}${Colour.reset}`]
      }
      case 'outputs':
        return this.renderOutputs(message, said)
      case 'diagnostic':
        return this.renderDiagnostic(message)
      case 'version':
        return said ? [said] : []
      default:
        return said ? [said] : []
    }
  }

  private renderOutputs(message: Message, said: string): string[] {
    const lines = [said]
    for (const [name, entry] of Object.entries(record(message.outputs))) {
      const o = record(entry)
      const sensitive = o.sensitive === true
      if (typeof o.action === 'string') {
        this.outputs.push({ name, action: o.action, sensitive })
        lines.push(`  ${o.action === 'delete' ? Symbol.delete : o.action === 'update' ? Symbol.update : Symbol.create} ${name}`)
      } else {
        lines.push(`  ${name} = ${sensitive ? '(sensitive value)' : (JSON.stringify(o.value) ?? 'null')}`)
      }
    }
    return lines
  }

  private renderDiagnostic(message: Message): string[] {
    const d = record(message.diagnostic)
    const severity = d.severity === 'warning' ? 'warning' : 'error'
    const summary = text(d.summary) || text(message['@message']).replace(/^(Error|Warning): /, '')
    const detail = text(d.detail)
    const range = record(d.range)
    const file = text(range.filename)
    const line = record(range.start).line
    const where = file ? `${file}${typeof line === 'number' ? ` line ${line}` : ''}` : undefined
    if (severity === 'error' && !this.firstError) this.firstError = { severity, summary, detail, where }
    const colour = severity === 'error' ? Colour.red : Colour.yellow
    const head = `${colour}${Colour.bold}${severity === 'error' ? 'Error' : 'Warning'}:${Colour.reset} ${Colour.bold}${summary}${Colour.reset}`
    return [head, ...(where ? [`  on ${where}:`] : []), ...detail.split(/\r?\n/).map(l => `  ${l}`)]
  }
}

/** The first error of a plain log: the CLI's "Error: …" line. */
export function plainError(line: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const bare = line.replace(/\u001b\[[0-9;]*m/g, '').replace(/^[│╷╵\s]+/, '')
  const m = bare.match(/^Error: (.+)$/)
  return m?.[1]?.trim()
}
