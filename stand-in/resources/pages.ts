/**
 * The pages behind the run and workspace URLs the action prints (`/app/<org>/workspaces/<ws>[/runs/<id>]`),
 * and their form posts, which act as a person would. What the pages look like is pages-html.ts.
 */
import type { RunEngine } from '../engine/engine.ts'
import { Cancelable, Discardable, Terminal, type Stage } from '../engine/model.ts'
import { match } from '../router.ts'
import { move } from './admin.ts'
import { notFoundPage, readableLog, renderRunPage, renderWorkspacePage, type RunPage } from './pages-html.ts'

export interface PageAnswer {
  status: number
  headers: Record<string, string>
  body?: string
}

const html = (status: number, body: string): PageAnswer => ({ status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body })

/** The page's parts: org and workspace name as in the path, and the run and action when there. */
function parse(path: string): { org: string; name: string; run?: string; action?: string } | undefined {
  // One trailing slash is allowed, as a browser may add it.
  const p = path.endsWith('/') ? path.slice(0, -1) : path
  return (
    match('/app/:org/workspaces/:name', p) ??
    match('/app/:org/workspaces/:name/runs/:run', p) ??
    match('/app/:org/workspaces/:name/runs/:run/actions/:action(confirm|discard|cancel|override)', p)
  )
}

export function page(engine: RunEngine, method: string, path: string): PageAnswer {
  const m = parse(path)
  const ws = m ? engine.workspaceByName(decodeURIComponent(m.name), decodeURIComponent(m.org)) : undefined
  const run = m?.run ? engine.runs.get(m.run) : undefined
  if (!m || !ws || (m.run && (!run || run.workspaceId !== ws.id))) return html(404, notFoundPage())
  if (run && m.action) {
    if (method !== 'POST') return html(405, notFoundPage())
    const done = move(engine, m.action, run.id)
    return { status: 303, headers: { Location: `/app/${m.org}/workspaces/${m.name}/runs/${run.id}${done ? '' : '?refused=1'}` } }
  }
  if (!run) {
    return html(
      200,
      renderWorkspacePage({
        org: ws.organization,
        name: ws.name,
        id: ws.id,
        locked: Boolean(ws.currentRunId || ws.manualLock),
        runs: engine
          .runsOf(ws.id)
          .reverse()
          .map(r => ({ id: r.id, status: r.status, message: r.message }))
      })
    )
  }
  const actions: RunPage['actions'] = []
  if (run.confirmable) actions.push('confirm')
  if (run.status === 'policy_override') actions.push('override')
  if (Discardable.has(run.status)) actions.push('discard')
  if (Cancelable.has(run.status)) actions.push('cancel')
  const log = (stage: Stage): string => readableLog(engine.archivist.read(stage.logId, 0, 1 << 24)?.toString('utf8') ?? '')
  return html(
    200,
    renderRunPage({
      org: ws.organization,
      workspace: ws.name,
      id: run.id,
      status: run.status,
      message: run.message,
      final: Terminal.has(run.status),
      timestamps: run.statusTimestamps,
      counts: run.plan,
      actions,
      logs: [
        { title: 'Plan', text: log(run.plan) },
        ...(engine.archivist.has(run.apply.logId) ? [{ title: 'Apply', text: log(run.apply) }] : [])
      ]
    })
  )
}
