/**
 * The diff reviewers read, as the HTML and Markdown of the job summary and the PR comment: one
 * collapsible `<details>` per resource, grouped by action with destroys first, each holding the
 * CLI-like text in a fenced diff block, then the output changes. Within `maxChars`: resources
 * are rendered one at a time until the budget is spent (so CPU stays bounded on a huge plan),
 * and the rest is one visible "… N more resources" line linking the run.
 *
 * Escaping: the summary line is htmlText (markdown.ts); the diff text sits in a fence longer than
 * any run of backticks in it, so no value can end the fence, and code is shown literally by
 * GitHub (no link, image, mention or HTML); every value is JSON-quoted on one line (values.ts).
 */
import type { ParsedPlan, PlanResource } from '../../review/plan-json.js'
import { actionWord } from '../../review/plan-json.js'
import { escapeHtml, htmlText } from '../markdown.js'
import { DiffGroups, groupOf, renderResource, type DiffGroup } from './resource.js'
import { Lines, outputLines } from './values.js'

const GroupTitles: Record<DiffGroup, string> = {
  delete: '🔴 Destroy',
  replace: '🟠 Replace',
  forget: '⚫ Forget',
  update: '🟡 Update in-place',
  move: '⚪ Move',
  import: '🟣 Import',
  create: '🟢 Create',
  read: '🔵 Read'
}

/** A fence no line of `text` can close: longer than its longest run of backticks (and tildes are not used). */
export function fence(text: string): string {
  let longest = 0
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length)
  return '`'.repeat(Math.max(3, longest + 1))
}

/** The `+`/`-` of a line at its start, where GitHub's diff highlighting looks for it. */
function highlight(text: string): string {
  return text
    .split('\n')
    .map(l => l.replace(/^(\s+)([+-])(?=\s)/, (_, space: string, sym: string) => `${sym}${space}`))
    .join('\n')
}

function codeBlock(text: string): string {
  const f = fence(text)
  return `${f}diff\n${highlight(text)}\n${f}`
}

function summaryLine(r: PlanResource, group: DiffGroup): string {
  const verbs: Record<DiffGroup, string> = {
    delete: 'will be destroyed',
    replace: 'must be replaced',
    forget: 'will be forgotten, not destroyed',
    update: 'will be updated in-place',
    move: `has moved from ${r.previousAddress ?? ''}`,
    import: 'will be imported',
    create: 'will be created',
    read: 'will be read during apply'
  }
  return `<code>${htmlText(r.address)}</code> ${htmlText(verbs[group])}`
}

export interface DiffOptions {
  maxChars: number
  /** Where the cut-off line points: the run in HCP Terraform. */
  runUrl: string | undefined
  /** Which JSON the diff comes from, for one line under the heading. */
  source: string
  /** How the budget counts: UTF-8 bytes (the job summary's 1 MiB) or characters (a comment's 65,536). */
  measure?: 'bytes' | 'chars'
}

export interface DiffRender {
  html: string
  shown: number
  total: number
}

/** The output changes as the CLI's "Changes to Outputs:" block; sensitive ones masked. */
function outputsText(plan: ParsedPlan): string | undefined {
  const changed = plan.outputs.filter(o => actionWord(o.change.actions) !== 'no-op')
  if (!changed.length) return undefined
  const lines = new Lines()
  // The CLI aligns on every output's name, unchanged ones included.
  const width = Math.max(...plan.outputs.map(o => o.name.length))
  for (const o of changed) {
    const c = o.change
    const gone = actionWord(c.actions) === 'delete'
    outputLines(lines, o.name, width, actionWord(c.actions) === 'create' ? null : c.before, gone ? null : c.after, {
      unknown: c.afterUnknown,
      beforeSensitive: c.beforeSensitive,
      afterSensitive: c.afterSensitive,
      replacePaths: []
    })
  }
  return lines.out.join('\n')
}

export function renderPlanDiff(plan: ParsedPlan, options: DiffOptions): DiffRender {
  const size = options.measure === 'bytes' ? (t: string): number => Buffer.byteLength(t) : (t: string): number => t.length
  const changes = plan.resources
    .map(r => ({ r, group: groupOf(r) }))
    .filter((x): x is { r: PlanResource; group: DiffGroup } => x.group !== undefined)
    .sort((a, b) => DiffGroups.indexOf(a.group) - DiffGroups.indexOf(b.group) || (a.r.address < b.r.address ? -1 : 1))
  const head = `<h4>Attribute-level changes (${changes.length})</h4>\n<p>From ${htmlText(options.source)}, as <code>terraform plan</code> prints it.</p>`
  const outputs = outputsText(plan)
  const outputsHtml = outputs ? `\n<h4>Changes to outputs</h4>\n\n${codeBlock(outputs)}\n` : ''
  // The cut-off line's room is kept from the start: it must always fit.
  const cutRoom = 200 + (options.runUrl?.length ?? 0)
  let budget = options.maxChars - size(head) - cutRoom
  const parts: string[] = [head]
  let shown = 0
  let group: DiffGroup | undefined
  for (const { r, group: g } of changes) {
    if (budget <= 0) break
    const rendered = renderResource(r, plan)
    if (!rendered) continue
    const title = g !== group ? `<p><b>${GroupTitles[g]}</b> (${changes.filter(c => c.group === g).length})</p>\n` : ''
    const html = `${title}<details><summary>${summaryLine(r, g)}</summary>\n\n${codeBlock(rendered.text)}\n\n</details>`
    const cost = size(html) + 1
    if (cost > budget) break
    parts.push(html)
    budget -= cost
    group = g
    shown++
  }
  if (outputsHtml && size(outputsHtml) <= budget) parts.push(outputsHtml)
  const more = changes.length - shown
  if (more > 0) {
    const link = options.runUrl ? `: <a href="${escapeHtml(options.runUrl)}">see the run</a>` : ''
    parts.push(`<p>… ${more} more resource${more === 1 ? '' : 's'} not shown${link}.</p>`)
  }
  return { html: parts.join('\n'), shown, total: changes.length }
}
