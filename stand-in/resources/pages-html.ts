/**
 * The HTML of the run and workspace pages (which paths serve them is pages.ts), so a newcomer can
 * open them while the demo runs: the run's status, its stage timeline, its logs, and buttons for
 * what a person does in HCP Terraform: confirm & apply, discard, cancel, override a soft-failed
 * policy. Server-rendered HTML, form posts, no JavaScript; a page of a run still in progress
 * refreshes itself every two seconds. Loopback only, no token: a local tool.
 */

export interface RunPage {
  org: string
  workspace: string
  id: string
  status: string
  message: string
  final: boolean
  timestamps: Record<string, string>
  counts: { additions: number; changes: number; destructions: number }
  /** Actions a person may take now. */
  actions: ('confirm' | 'discard' | 'cancel' | 'override')[]
  logs: { title: string; text: string }[]
}

export interface WorkspacePage {
  org: string
  name: string
  id: string
  locked: boolean
  runs: { id: string; status: string; message: string }[]
}

const Labels: Record<RunPage['actions'][number], string> = {
  confirm: 'Confirm & apply',
  discard: 'Discard run',
  cancel: 'Cancel run',
  override: 'Override & continue'
}

const Entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function esc(text: string): string {
  return text.replace(/[&<>"']/g, c => Entities[c] ?? c)
}

/** A log as a person reads it: structured lines as their message, ANSI colours dropped. */
export function readableLog(raw: string): string {
  return (
    raw
      // STX and ETX frame the archivist's log.
      .replaceAll(String.fromCharCode(2), '')
      .replaceAll(String.fromCharCode(3), '')
      .split('\n')
      .map(line => {
        if (line.startsWith('{')) {
          try {
            const m = JSON.parse(line) as { '@message'?: string }
            if (typeof m['@message'] === 'string') return m['@message']
          } catch {
            // Not a structured line after all.
          }
        }
        // eslint-disable-next-line no-control-regex
        return line.replace(/\u001b\[[0-9;]*m/g, '')
      })
      .join('\n')
      .trim()
  )
}

const Style = `body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}code,pre{font-family:ui-monospace,monospace}
pre{background:#111;color:#eee;padding:1rem;overflow:auto;max-height:30rem}.status{font-size:1.4rem}
form{display:inline}button{font-size:1rem;margin-right:.5rem;padding:.4rem .9rem}table{border-collapse:collapse}
td{padding:.15rem .8rem .15rem 0}`

function page(title: string, body: string, refresh: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>${
    refresh ? '<meta http-equiv="refresh" content="2">' : ''
  }<style>${Style}</style></head><body>${body}</body></html>`
}

export function renderRunPage(run: RunPage): string {
  const base = `/app/${encodeURIComponent(run.org)}/workspaces/${encodeURIComponent(run.workspace)}`
  const buttons = run.actions
    .map(
      a =>
        `<form method="post" action="${base}/runs/${run.id}/actions/${a}"><button type="submit" name="action" value="${a}">${Labels[a]}</button></form>`
    )
    .join('')
  const timeline = Object.entries(run.timestamps)
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([k, t]) => `<tr><td>${esc(k.replace(/-at$/, ''))}</td><td>${esc(t)}</td></tr>`)
    .join('')
  const logs = run.logs.map(l => `<h3>${esc(l.title)}</h3><pre>${esc(l.text || '(no output yet)')}</pre>`).join('')
  const body = `<p><a href="${base}">${esc(run.org)} / ${esc(run.workspace)}</a></p>
<h1>Run <code>${esc(run.id)}</code></h1>
<p class="status">Status: <strong id="status">${esc(run.status)}</strong></p>
<p>${esc(run.message)}</p>
<p>Plan: +${run.counts.additions} ~${run.counts.changes} -${run.counts.destructions}</p>
<div id="actions">${buttons || '<em>Nothing to do here now.</em>'}</div>
<h2>Timeline</h2><table>${timeline}</table>
<h2>Logs</h2>${logs}`
  return page(`Run ${run.id} — ${run.status}`, body, !run.final)
}

export function renderWorkspacePage(ws: WorkspacePage): string {
  const base = `/app/${encodeURIComponent(ws.org)}/workspaces/${encodeURIComponent(ws.name)}`
  const rows = ws.runs
    .map(
      r =>
        `<tr><td><a href="${base}/runs/${r.id}"><code>${esc(r.id)}</code></a></td><td>${esc(r.status)}</td><td>${esc(r.message)}</td></tr>`
    )
    .join('')
  const body = `<h1>Workspace ${esc(ws.org)} / ${esc(ws.name)}</h1><p><code>${esc(ws.id)}</code>${ws.locked ? ' — locked' : ''}</p>
<h2>Runs, newest first</h2><table>${rows || '<tr><td>No runs yet.</td></tr>'}</table>`
  return page(`${ws.org}/${ws.name}`, body, true)
}

export function notFoundPage(): string {
  return page('Not found', '<h1>Not found</h1><p>No such workspace or run in this stand-in.</p>', false)
}
