/**
 * The estate summary: the whole graph in order (level, workspace, job result, run status, run
 * link) from the `needs` context of the summary job and the graph the generator wrote. Pure:
 * the HTML for the job summary and a text table for the job log. Both inputs come from the
 * runner (needs holds what the steps wrote), so both are bounded and checked.
 */
import { escapeHtml, htmlText } from '../report/markdown.js'
import { record } from '../common/json.js'

export const MaxSummaryInputBytes = 2 * 1024 * 1024

export interface SummaryRow {
  level: number
  job: string
  workspace: string
  /** success, failure, cancelled or skipped, as GitHub reports a needed job; 'unknown' when needs lacks it. */
  result: string
  status: string
  runUrl: string | undefined
}

function text(value: unknown, max = 200): string {
  return typeof value === 'string' ? value.slice(0, max) : ''
}

export class SummaryInputError extends Error {
  override name = 'SummaryInputError'
}

function parseJson(name: string, raw: string): unknown {
  if (Buffer.byteLength(raw) > MaxSummaryInputBytes)
    throw new SummaryInputError(`input '${name}' is larger than ${MaxSummaryInputBytes} bytes`)
  try {
    const value: unknown = JSON.parse(raw)
    return value
  } catch {
    throw new SummaryInputError(`input '${name}' is not JSON`)
  }
}

/** The rows in the graph's order; an entry of the graph that needs does not name is 'unknown'. */
export function summaryRows(needsJson: string, graphJson: string): SummaryRow[] {
  const needs = record(parseJson('needs', needsJson || '{}'))
  const graph = parseJson('graph', graphJson)
  if (!Array.isArray(graph)) throw new SummaryInputError("input 'graph' is not the list the generator writes")
  return graph.map(raw => {
    const e = record(raw)
    const job = text(e.job)
    const need = record(Object.hasOwn(needs, job) ? needs[job] : undefined)
    const outputs = record(need.outputs)
    const url = text(outputs.run_url, 2000)
    return {
      level: typeof e.level === 'number' && Number.isInteger(e.level) ? e.level : 0,
      job,
      workspace: text(e.workspace),
      result: text(need.result) || 'unknown',
      status: text(outputs.status),
      runUrl: /^https?:\/\/[^\s]+$/.test(url) ? url : undefined
    }
  })
}

const Marks: Record<string, string> = { success: '✅', failure: '❌', cancelled: '⏹️', skipped: '⏭️' }

export function summaryHtml(operation: string, rows: SummaryRow[]): string {
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(r.result, (counts.get(r.result) ?? 0) + 1)
  const line = [...counts].map(([k, n]) => `${n} ${k}`).join(', ')
  const body = rows
    .map(
      r =>
        `<tr><td>${r.level + 1}</td><td>${htmlText(r.workspace)}</td><td>${Marks[r.result] ?? ''} ${htmlText(r.result)}</td><td>${htmlText(r.status || '–')}</td><td>${r.runUrl ? `<a href="${escapeHtml(r.runUrl)}">run</a>` : '–'}</td></tr>`
    )
    .join('\n')
  return [
    `<h3>Estate ${htmlText(operation)}: ${rows.length} workspaces</h3>`,
    `<p>${htmlText(line)}. In the order the ${htmlText(operation)} runs them, level by level.</p>`,
    '<table>',
    '<tr><th>level</th><th>workspace</th><th>job</th><th>run status</th><th>run</th></tr>',
    body,
    '</table>',
    ''
  ].join('\n')
}

export function summaryText(rows: SummaryRow[]): string[] {
  return rows.map(
    r =>
      `${String(r.level + 1).padStart(3)}  ${r.workspace.padEnd(40)} ${r.result.padEnd(10)} ${(r.status || '-').padEnd(22)} ${r.runUrl ?? '-'}`
  )
}
