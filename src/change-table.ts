/**
 * The change table as HTML, shared by the job summary and the pull-request comment: resource
 * changes by address grouped by action, output changes (names only), drift, the totals line and
 * the first error. Long lists are cut with a visible "… and N more" within a character budget
 * (a step summary is capped at 1 MiB, a comment at 65,536 characters); the totals always stay.
 */
import type { ChangeReport } from './change-report.js'
import { ChangeActions, type ChangeAction, type ChangeTotals, type ResourceChange } from './log-render.js'

const Labels: Record<ChangeAction, string> = {
  create: '🟢 create',
  update: '🟡 update',
  replace: '🟠 replace',
  delete: '🔴 delete',
  read: '🔵 read',
  import: '🟣 import',
  move: '⚪ move',
  forget: '⚫ forget'
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)
}

export function totalsLine(totals: ChangeTotals | undefined): string {
  if (!totals) return ''
  const imports = totals.import ? `${totals.import} to import, ` : ''
  if (totals.operation === 'apply') {
    return `Apply complete! Resources: ${imports}${totals.add} added, ${totals.change} changed, ${totals.remove} destroyed.`
  }
  if (totals.add + totals.change + totals.remove + totals.import === 0) return 'No changes. Your infrastructure matches the configuration.'
  return `Plan: ${imports}${totals.add} to add, ${totals.change} to change, ${totals.remove} to destroy.`
}

function sorted(changes: ResourceChange[]): ResourceChange[] {
  return [...changes].sort(
    (a, b) => ChangeActions.indexOf(a.action) - ChangeActions.indexOf(b.action) || a.address.localeCompare(b.address)
  )
}

/**
 * The HTML of a report, at most about `maxChars` characters long. `title` heads the table (`h4`
 * in a summary); the totals line and the error are never cut.
 */
export function renderChanges(report: ChangeReport, maxChars: number): string {
  const tail: string[] = []
  const totals = totalsLine(report.totals)
  if (totals) tail.push(`<p><b>${escapeHtml(totals)}</b></p>`)
  if (report.firstError) {
    const e = report.firstError
    tail.push(
      `<p>❗ <b>Error: ${escapeHtml(e.summary)}</b>${e.where ? ` (${escapeHtml(e.where)})` : ''}${e.detail ? `<br>${escapeHtml(e.detail)}` : ''}</p>`
    )
  }
  if (report.source === 'counts' && report.why) tail.push(`<p><sub>Only the counts are shown: ${escapeHtml(report.why)}.</sub></p>`)
  let budget = maxChars - tail.join('').length
  const parts: string[] = []

  const table = (title: string, rows: ResourceChange[]): void => {
    if (!rows.length) return
    const head = `<h4>${escapeHtml(title)} (${rows.length})</h4><table><tr><th>action</th><th>address</th></tr>`
    const end = '</table>'
    let body = ''
    let shown = 0
    for (const r of sorted(rows)) {
      const row = `<tr><td>${Labels[r.action]}</td><td><code>${escapeHtml(r.address)}</code></td></tr>`
      // Room is kept for the closing tags and the "… and N more" row.
      if (head.length + body.length + row.length + end.length + 120 > budget) break
      body += row
      shown++
    }
    const more = rows.length - shown
    const cut = more > 0 ? `<tr><td colspan="2">… and ${more} more</td></tr>` : ''
    const html = `${head}${body}${cut}${end}`
    parts.push(html)
    budget -= html.length
  }

  table('Resource changes', report.resources)
  if (report.outputs.length) {
    const items = report.outputs.map(
      o => `<li><code>${escapeHtml(o.name)}</code>: ${escapeHtml(o.action)}${o.sensitive ? ' (sensitive)' : ''}</li>`
    )
    let html = `<h4>Output changes (${items.length})</h4><ul>`
    let shown = 0
    for (const item of items) {
      if (html.length + item.length + 80 > budget) break
      html += item
      shown++
    }
    if (shown < items.length) html += `<li>… and ${items.length - shown} more</li>`
    html += '</ul>'
    parts.push(html)
    budget -= html.length
  }
  table('Changed outside Terraform (drift)', report.drift)
  return [...parts, ...tail].join('\n')
}
