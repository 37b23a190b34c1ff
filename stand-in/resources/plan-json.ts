/**
 * The plan's redacted JSON over HTTP (`GET /plans/:id/json-output-redacted`, what the Terraform
 * CLI's cloud backend renders from): anyone who may read the run, 204 until the plan finished,
 * 200 with the plan itself (sensitive values out, provider schemas in). The unredacted
 * json-output stays in stages.ts (admins only, a 307 to the log host).
 */
import { jsonPlan } from '../engine/plan.ts'
import { route, type Route } from '../router.ts'
import { notFound, visibleRun, type ApiCall } from './call.ts'

/** Reads of each plan's redacted JSON after it finished, for `redactedPlanLateReads`. */
const lateReads = new WeakMap<object, number>()

export const PlanJsonRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/plans/:id/json-output-redacted', ({ id }, call) => {
    const run = [...call.engine.runs.values()].find(r => r.plan.id === id)
    if (!run || !visibleRun(call, run.id)) return notFound()
    const ws = call.engine.mustWorkspace(run.workspaceId)
    if (ws.spec.redactedPlanMissing) return notFound()
    if (run.plan.status !== 'finished') return [204, undefined]
    const reads = (lateReads.get(run) ?? 0) + 1
    lateReads.set(run, reads)
    if (reads <= (ws.spec.redactedPlanLateReads ?? 0)) return [204, undefined]
    return [200, jsonPlan(call.engine.configurationVersions, run, ws, true)]
  })
]
