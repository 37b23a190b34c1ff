/**
 * A run's policy checks over HTTP (GET /runs/:id/policy-checks): one check once the policy ran,
 * none before. Whether it passes is the workspace spec's, decided in the engine.
 */
import { listDocument, policyCheckResource } from '../documents.ts'
import { route, type Route } from '../router.ts'
import { notFound, visibleRun, type ApiCall } from './call.ts'

export const PolicyCheckRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/runs/:id/policy-checks', ({ id }, call) => {
    const run = visibleRun(call, id)
    if (!run) return notFound()
    return [200, listDocument(run.policyStatus ? [policyCheckResource(run.id, run.policyStatus)] : [], 1, 20)]
  })
]
