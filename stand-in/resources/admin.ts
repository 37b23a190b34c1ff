/**
 * The "humans" over HTTP, for `npm run stand-in` and manual trials: /_stand-in/state, workspaces, and
 * a person's moves on runs and locks. Plain JSON on loopback: no token, no faults, no rate limit.
 */
import type { RunEngine } from '../engine/engine.ts'
import type { WorkspaceSpec } from '../engine/model.ts'
import { queueVcsRun } from '../engine/run-triggers.ts'
import { find, route, type Answer, type Route } from '../router.ts'

interface AdminCall {
  engine: RunEngine
  text: string
}

/** A person's move on a run, by the name the pages and admin routes use (anything else is an override). */
export function move(engine: RunEngine, action: string, runId: string): boolean {
  return action === 'confirm'
    ? engine.confirm(runId)
    : action === 'discard'
      ? engine.discard(runId)
      : action === 'cancel'
        ? engine.cancel(runId)
        : engine.overridePolicy(runId)
}

const AdminRoutes: Route<AdminCall>[] = [
  route('GET', '/_stand-in/state', (_, { engine }) => [
    200,
    {
      workspaces: [...engine.workspaces.values()].map(w => ({
        id: w.id,
        organization: w.organization,
        name: w.name,
        resources: w.resources,
        currentRunId: w.currentRunId
      })),
      runs: [...engine.runs.values()].map(r => ({
        id: r.id,
        workspaceId: r.workspaceId,
        status: r.status,
        confirmable: r.confirmable,
        message: r.message
      }))
    }
  ]),
  route('POST', '/_stand-in/workspaces', (_, { engine, text }) => {
    const ws = engine.addWorkspace(JSON.parse(text || '{}') as WorkspaceSpec)
    return [201, { id: ws.id, name: ws.name, organization: ws.organization }]
  }),
  route('POST', '/_stand-in/runs/:id/:action(confirm|discard|cancel|override)', ({ id, action }, { engine }) => {
    if (!engine.runs.has(id)) return [404, { error: 'no such run' }]
    const ok = move(engine, action, id)
    return ok ? [200, { ok }] : [409, { error: `cannot ${action} a run that is ${engine.runs.get(id)?.status}` }]
  }),
  // A push to a VCS-connected workspace's branch: HCP Terraform queues a run for the commit.
  route('POST', '/_stand-in/workspaces/:id/vcs-runs', ({ id }, { engine, text }) => {
    const ws = engine.workspaces.get(id)
    if (!ws) return [404, { error: 'no such workspace' }]
    const body = JSON.parse(text || '{}') as { commit?: unknown; speculative?: unknown }
    if (typeof body.commit !== 'string' || !body.commit) return [422, { error: 'commit is required' }]
    const run = queueVcsRun(engine, ws, body.commit, body.speculative === true)
    return run ? [201, { id: run.id }] : [422, { error: 'the workspace has no VCS connection (vcsRepo) or no configuration' }]
  }),
  route('POST', '/_stand-in/workspaces/:id/:action(lock|unlock)', ({ id, action }, { engine }) => {
    if (!engine.workspaces.has(id)) return [404, { error: 'no such workspace' }]
    if (action === 'lock') engine.lock(id)
    else engine.unlock(id)
    return [200, { ok: true }]
  })
]

export function admin(engine: RunEngine, method: string, path: string, text: string): Answer {
  const found = find(AdminRoutes, method, path)
  return found ? found.answer({ engine, text }) : [404, { error: 'unknown stand-in admin route' }]
}
