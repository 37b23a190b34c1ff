/**
 * The job summary: what a reviewer of the workflow run wants to see without opening HCP
 * Terraform. Outside text (names, messages, the change table) is HTML that stays in its cell.
 */
import * as core from '@actions/core'
import { resourceCounts } from './outputs.js'
import type { Settings } from '../action/inputs.js'
import type { Outcome } from '../lifecycle/run-lifecycle.js'
import { formatDuration } from '../common/timing.js'
import { workflowRunUrl } from '../action/github-context.js'
import { renderChanges } from './change-table.js'
import { escapeHtml, htmlText } from './markdown.js'
import { renderQueuedByHcp } from './triggered.js'
import { diffHtml, reviewHead } from './review-section.js'

/** A step summary is capped at 1 MiB: the change table gets this much, the diff what is left of the total. */
const SummaryChangeBudget = 400_000
const SummaryTotalBytes = 1_000_000

function link(text: string, url: string | undefined): string {
  return url ? `<a href="${escapeHtml(url)}">${htmlText(text)}</a>` : htmlText(text)
}

/** The job summary: what a reviewer of the workflow run wants to see without opening HCP Terraform. */
export async function writeSummary(settings: Settings, outcome: Outcome): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const ws = outcome.workspace
  const wsName = ws ? `${ws.organization}/${ws.name}` : (settings.workspaceId ?? `${settings.organization}/${settings.workspace}`)
  const wsUrl = ws ? `${settings.baseUrl}/app/${encodeURIComponent(ws.organization)}/workspaces/${encodeURIComponent(ws.name)}` : undefined
  const counts = resourceCounts(outcome)
  const icon = outcome.success ? '✅' : '❌'
  const runLinks = outcome.runIds.map(id => link(id, ws ? `${wsUrl}/runs/${encodeURIComponent(id)}` : undefined)).join(', ')
  const rows: [string, string][] = [
    ['Workspace', link(wsName, wsUrl)],
    ['Run', outcome.run ? link(outcome.run.id, outcome.runUrl) : 'none queued'],
    ['Operation', htmlText(settings.operation)],
    ['Status', `${icon} <code>${htmlText(outcome.status || 'none')}</code>`],
    ['Attempts', outcome.runIds.length > 1 ? `${outcome.attempts} (runs: ${runLinks})` : String(outcome.attempts)],
    ['Resources', counts ? `+${counts.additions} ~${counts.changes} -${counts.destructions}` : 'n/a'],
    ['Duration', formatDuration(outcome.durationMs)]
  ]
  const origin = workflowRunUrl()
  const head = reviewHead(outcome)
  const table = outcome.changes ? renderChanges(outcome.changes, SummaryChangeBudget) : ''
  const queued = renderQueuedByHcp(outcome)
  const used = Buffer.byteLength(head) + Buffer.byteLength(table) + Buffer.byteLength(queued) + Buffer.byteLength(outcome.message) + 8_000
  await core.summary
    .addHeading(`${icon} Terraform ${htmlText(settings.operation)}: ${htmlText(wsName)}`, 3)
    .addTable(rows.map(([k, v]) => [{ data: k, header: true }, v]))
    .addRaw(`<p>${htmlText(outcome.message)}</p>`, true)
    .addRaw(head, true)
    .addRaw(table, true)
    .addRaw(diffHtml(outcome, SummaryTotalBytes - used, 'bytes'), true)
    .addRaw(queued, true)
    .addRaw(origin ? `<p><sub>${link('workflow run', origin)}</sub></p>` : '', true)
    .write()
}
