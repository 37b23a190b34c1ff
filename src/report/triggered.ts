/**
 * The job summary's section on runs HCP Terraform queued around the step's run: the one adopted
 * instead of queueing, and the runs run triggers queued downstream. HTML, outside text escaped.
 */
import type { Outcome } from '../lifecycle/run-lifecycle.js'
import { escapeHtml, htmlText } from './markdown.js'

/** The section, or '' when the step adopted nothing and no run trigger queued anything. */
export function renderQueuedByHcp(outcome: Outcome): string {
  const parts: string[] = []
  if (outcome.adopted && outcome.run) {
    parts.push(`<p>Adopted run <code>${htmlText(outcome.run.id)}</code>, queued by HCP Terraform, instead of queueing another.</p>`)
  }
  const triggered = outcome.triggeredRuns ?? []
  if (triggered.length) {
    const rows = triggered
      .map(
        t =>
          `<tr><td>${htmlText(t.workspace)}</td><td><a href="${escapeHtml(t.url)}">${htmlText(t.runId)}</a></td><td><code>${htmlText(t.status)}</code></td><td>${t.depth}</td></tr>`
      )
      .join('')
    parts.push(
      `<h4>Runs queued by run triggers</h4><table><tr><th>workspace</th><th>run</th><th>status</th><th>depth</th></tr>${rows}</table>`
    )
  }
  return parts.join('')
}
