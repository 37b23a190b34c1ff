/**
 * An organization's workspaces over HTTP (GET /organizations/:org/workspaces, paginated, in the
 * order they were created): what the estate import walks. Reading one workspace is workspaces.ts.
 */
import { listDocument } from '../documents.ts'
import { route, type Route } from '../router.ts'
import { notFound, pageOf, type ApiCall } from './call.ts'
import { workspaceDoc } from './workspaces.ts'

export const WorkspaceListRoutes: Route<ApiCall>[] = [
  route('GET', '/api/v2/organizations/:org/workspaces', ({ org }, call) => {
    const organization = decodeURIComponent(org)
    if (!call.canSee(organization)) return notFound()
    const all = [...call.engine.workspaces.values()].filter(w => w.organization === organization)
    const { page, size } = pageOf(call.query)
    return [
      200,
      listDocument(
        all.map(w => workspaceDoc(call.engine, w)),
        page,
        size
      )
    ]
  })
]
