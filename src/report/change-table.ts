/**
 * The change table as HTML, shared by the job summary and the pull-request comment: resource
 * changes by address grouped by action, output changes (names only), drift, the totals line and
 * the first error. Long lists are cut with a visible "… and N more" within a character budget
 * (a step summary is capped at 1 MiB, a comment at 65,536 characters), keeping what destroys
 * before what creates; the totals always stay, and so does the word when the list is incomplete.
 */
import type { ChangeReport } from '../run-logs/changes.js'
import { ChangeActions, type ChangeAction, type ChangeTotals, type ResourceChange } from '../run-logs/render.js'
import { htmlText } from './markdown.js'

export { escapeHtml } from './markdown.js'

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

export function totalsLine(totals: ChangeTotals | undefined): string {
  if (!totals) return ''
  const imports = totals.import ? `${totals.import} to import, ` : ''
  if (totals.operation === 'apply') {
    return `Apply complete! Resources: ${imports}${totals.add} added, ${totals.change} changed, ${totals.remove} destroyed.`
  }
  if (totals.add + totals.change + totals.remove + totals.import === 0) return 'No changes. Your infrastructure matches the configuration.'
  return `Plan: ${imports}${totals.add} to add, ${totals.change} to change, ${totals.remove} to destroy.`
}

/** Which rows a cut list keeps first: what destroys, then what changes, then what adds. */
const KeepFirst: readonly ChangeAction[] = ['delete', 'replace', 'forget', 'update', 'move', 'import', 'create', 'read']

function byAction(a: ResourceChange, b: ResourceChange, order: readonly ChangeAction[]): number {
  return order.indexOf(a.action) - order.indexOf(b.action) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
}

/** How many changes the totals count that `resources` does not list (a replace counts as an add and a destroy). */
export function unlistedChanges(report: ChangeReport): number | undefined {
  const t = report.totals
  if (!t) return undefined
  let listed = 0
  for (const r of report.resources) {
    if (r.action === 'replace') listed += 2
    else if (r.action === 'create' || r.action === 'update' || r.action === 'delete' || r.action === 'import') listed += 1
  }
  return Math.max(0, t.add + t.change + t.remove + t.import - listed)
}

/**
 * The HTML of a report, at most about `maxChars` characters long. The totals line, the error and
 * the incompleteness notice are never cut.
 */
export function renderChanges(report: ChangeReport, maxChars: number): string {
  const tail: string[] = []
  const totals = totalsLine(report.totals)
  if (totals) tail.push(`<p><b>${htmlText(totals)}</b></p>`)
  if (!report.complete) {
    const missing = unlistedChanges(report)
    tail.push(
      `<p>⚠️ <b>The list of changes is incomplete</b>: ${missing === undefined ? 'some changes' : `${missing} ${missing === 1 ? 'change' : 'changes'} counted in the totals`} not listed, as the step did not read the whole plan log.</p>`
    )
  }
  if (report.firstError) {
    const e = report.firstError
    tail.push(
      `<p>❗ <b>Error: ${htmlText(e.summary)}</b>${e.where ? ` (${htmlText(e.where)})` : ''}${e.detail ? `<br>${htmlText(e.detail)}` : ''}</p>`
    )
  }
  if (report.source === 'counts' && report.why) tail.push(`<p><sub>Only the counts are shown: ${htmlText(report.why)}.</sub></p>`)
  let budget = maxChars - tail.join('\n').length - 8
  const parts: string[] = []

  const table = (title: string, rows: ResourceChange[]): void => {
    if (!rows.length) return
    const head = `<h4>${title} (${rows.length})</h4><table><tr><th>action</th><th>address</th></tr>`
    const end = '</table>'
    const rowOf = (r: ResourceChange): string => `<tr><td>${Labels[r.action]}</td><td><code>${htmlText(r.address)}</code></td></tr>`
    // Room is kept for the closing tags and the "… and N more" row, whose length is bounded.
    let room = budget - head.length - end.length - 40 - 24 * ChangeActions.length
    const kept: ResourceChange[] = []
    for (const r of [...rows].sort((a, b) => byAction(a, b, KeepFirst))) {
      const length = rowOf(r).length
      if (length > room) break
      kept.push(r)
      room -= length
    }
    const body = kept
      .sort((a, b) => byAction(a, b, ChangeActions))
      .map(rowOf)
      .join('')
    const more = rows.length - kept.length
    let cut = ''
    if (more > 0) {
      const shown = new Map<ChangeAction, number>()
      for (const r of kept) shown.set(r.action, (shown.get(r.action) ?? 0) + 1)
      const missing = ChangeActions.map(a => [a, rows.filter(r => r.action === a).length - (shown.get(a) ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .map(([a, n]) => `${n} ${a}`)
      cut = `<tr><td colspan="2">… and ${more} more not shown (${missing.join(', ')})</td></tr>`
    }
    const html = `${head}${body}${cut}${end}`
    parts.push(html)
    budget -= html.length + 1
  }

  table('Resource changes', report.resources)
  if (report.outputs.length) {
    const items = report.outputs.map(
      o => `<li><code>${htmlText(o.name)}</code>: ${htmlText(o.action)}${o.sensitive ? ' (sensitive)' : ''}</li>`
    )
    let html = `<h4>Output changes (${items.length})</h4><ul>`
    let shown = 0
    for (const item of items) {
      if (html.length + item.length + 80 > budget) break
      html += item
      shown++
    }
    if (shown < items.length) html += `<li>… and ${items.length - shown} more not shown</li>`
    html += '</ul>'
    parts.push(html)
    budget -= html.length + 1
  }
  table('Changed outside Terraform (drift)', report.drift)
  return [...parts, ...tail].join('\n')
}
