/**
 * The review's parts above the change table, shared by the job summary and the PR comment: the
 * auto_confirm_if verdict (which rule, which addresses or cost), the cost estimate, each policy
 * with its set, enforcement level and result, each run task with its result, message and link;
 * and the attribute-level diff below the table. Everything from outside goes through htmlText.
 */
import type { Outcome } from '../lifecycle/run-lifecycle.js'
import { money } from '../review/guard.js'
import { SourceLabels } from '../review/plan-source.js'
import { escapeHtml, htmlText } from './markdown.js'
import { renderPlanDiff } from './plan-diff/section.js'

/** Addresses listed per broken rule; the rest is a count. */
const AddressesShown = 50
const RowsShown = 100

export function verdictHtml(outcome: Outcome): string {
  const v = outcome.guard
  if (!v) return ''
  const head =
    v.result === 'passed'
      ? '✅ <b>auto_confirm_if passed</b>: the step confirmed the plan.'
      : v.result === 'pending'
        ? '⏳ <b>auto_confirm_if</b> was waiting for the run’s results.'
        : '🛑 <b>auto_confirm_if held the plan back</b>: the step did not confirm it.'
  const rows = v.outcomes.map(o => {
    const icon = o.result === 'passed' ? '✅' : o.result === 'pending' ? '⏳' : '🛑'
    const shown = o.addresses.slice(0, AddressesShown).map(a => `<code>${htmlText(a.length > 300 ? `${a.slice(0, 300)}…` : a)}</code>`)
    const more = o.addresses.length - shown.length
    const what = [
      o.result === 'unevaluable' ? `could not be evaluated: ${htmlText(o.why.slice(0, 1_000))}` : htmlText(o.why.slice(0, 1_000)),
      o.costDelta !== undefined ? `monthly delta ${htmlText(money(o.costDelta))}` : '',
      shown.length ? `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : ''
    ]
      .filter(Boolean)
      .join('; ')
    return `<tr><td>${icon} <code>${htmlText(o.rule)}</code></td><td>${what || 'passed'}</td></tr>`
  })
  return `<p>${head}</p><table><tr><th>rule</th><th>verdict</th></tr>${rows.join('')}</table>`
}

export function costHtml(outcome: Outcome): string {
  const cost = outcome.review?.cost
  if (!cost) return ''
  if ('why' in cost) return `<p><sub>Cost estimate: ${htmlText(cost.why)}.</sub></p>`
  if (cost.status !== 'finished') return `<p><sub>Cost estimate ${htmlText(cost.id)}: ${htmlText(cost.status)}.</sub></p>`
  const n = (v: number | undefined): string => (v === undefined ? 'n/a' : htmlText(money(v)))
  const delta = cost.deltaMonthly
  const sign = delta !== undefined && delta > 0 ? '+' : ''
  return `<h4>Cost estimate</h4><table><tr><th>prior / month</th><th>proposed / month</th><th>delta / month</th><th>resources matched</th></tr><tr><td>${n(cost.priorMonthly)}</td><td>${n(cost.proposedMonthly)}</td><td><b>${sign}${n(delta)}</b></td><td>${cost.matched ?? 'n/a'} of ${cost.resources ?? 'n/a'}</td></tr></table>`
}

export function checksHtml(outcome: Outcome): string {
  const checks = outcome.review?.checks
  if (!checks) return ''
  if ('why' in checks) return `<p><sub>${htmlText(checks.why)}.</sub></p>`
  const parts: string[] = []
  const policyRows = [
    ...checks.policyChecks.map(
      c =>
        `<tr><td>Sentinel policy check</td><td>hard-mandatory: ${c.hardFailed} failed; soft-mandatory: ${c.softFailed} failed; advisory: ${c.advisoryFailed} failed</td><td><code>${htmlText(c.status)}</code> (${c.passed} passed)</td></tr>`
    ),
    ...checks.policies
      .slice(0, RowsShown)
      .map(
        p =>
          `<tr><td>${htmlText(p.set)} / <code>${htmlText(p.policy)}</code></td><td>${htmlText(p.enforcement)}</td><td>${p.result === 'passed' ? '✅' : '❌'} ${htmlText(p.result)}</td></tr>`
      )
  ]
  if (policyRows.length) {
    parts.push(`<h4>Policies</h4><table><tr><th>policy</th><th>enforcement level</th><th>result</th></tr>${policyRows.join('')}</table>`)
  }
  if (checks.tasks.length) {
    const rows = checks.tasks.slice(0, RowsShown).map(t => {
      const name = t.url ? `<a href="${escapeHtml(t.url)}">${htmlText(t.name)}</a>` : htmlText(t.name)
      return `<tr><td>${name}</td><td>${htmlText(t.stage)}${t.enforcement ? `, ${htmlText(t.enforcement)}` : ''}</td><td>${htmlText(t.status)}</td><td>${htmlText(t.message)}</td></tr>`
    })
    parts.push(`<h4>Run tasks</h4><table><tr><th>task</th><th>stage</th><th>result</th><th>message</th></tr>${rows.join('')}</table>`)
  }
  return parts.join('\n')
}

/**
 * The review's parts that go before the change table, in order of what matters most (the verdict,
 * the cost, the policies and run tasks); a part that does not fit in `maxChars` is replaced by one
 * line saying so, so no part is ever cut in the middle of its HTML.
 */
export function reviewHead(outcome: Outcome, maxChars = Infinity): string {
  const parts: string[] = []
  let room = maxChars
  for (const [name, html] of [
    ['the auto_confirm_if verdict', verdictHtml(outcome)],
    ['the cost estimate', costHtml(outcome)],
    ['the policies and run tasks', checksHtml(outcome)]
  ] as const) {
    if (!html) continue
    const part = html.length + 1 <= room ? html : `<p><sub>${htmlText(name)} did not fit here; see the job summary or the run.</sub></p>`
    if (part.length + 1 > room) break
    parts.push(part)
    room -= part.length + 1
  }
  return parts.join('\n')
}

/** The attribute-level diff, or one line saying why there is none (the table above stays). */
export function diffHtml(outcome: Outcome, maxChars: number, measure: 'bytes' | 'chars'): string {
  const read = outcome.review?.plan
  if (!read) return ''
  if (!read.plan) return `<p><sub>No attribute-level diff: ${htmlText(read.why)}.</sub></p>`
  return renderPlanDiff(read.plan, { maxChars, runUrl: outcome.runUrl, source: SourceLabels[read.source], measure }).html
}
