/**
 * Configuration versions over HTTP: created on a workspace (with the one-time upload URL on the log
 * host), read, and downloaded once uploaded; and the document runs include. The upload itself is
 * a PUT to the log host (archivist.ts).
 */
import type { Resource } from '../documents.ts'
import { newConfigurationVersion, type StandInConfigurationVersion } from '../engine/configuration-versions.ts'
import { newId } from '../engine/model.ts'
import { route, type Route } from '../router.ts'
import { malformed, notFound, visibleWorkspace, type ApiCall } from './call.ts'

/** A VCS version's ingress attributes (go-tfe IngressAttributes): the commit, branch and repository. */
export function ingressDoc(cv: StandInConfigurationVersion): Resource | undefined {
  const i = cv.ingress
  if (!i) return undefined
  return {
    id: i.id,
    type: 'ingress-attributes',
    attributes: {
      branch: i.branch,
      'commit-sha': i.commitSha,
      'commit-url': `https://github.com/${i.identifier}/commit/${i.commitSha}`,
      identifier: i.identifier,
      'is-pull-request': false,
      'on-default-branch': true
    },
    links: { self: `/api/v2/ingress-attributes/${i.id}` }
  }
}

export function configurationVersionDoc(cv: StandInConfigurationVersion, uploadBase: string): Resource {
  return {
    id: cv.id,
    type: 'configuration-versions',
    attributes: {
      'auto-queue-runs': cv.autoQueueRuns,
      'error-message': cv.errorMessage,
      error: cv.errorMessage ? 'invalid_archive' : null,
      source: cv.ingress ? 'github' : 'tfe-api',
      speculative: cv.speculative,
      provisional: cv.provisional,
      status: cv.status,
      'status-timestamps': {},
      // The service hands the upload URL out while the version waits for it, and never again after.
      ...(cv.status === 'pending' ? { 'upload-url': `${uploadBase}/v1/upload/${cv.uploadToken}` } : {})
    },
    relationships: { 'ingress-attributes': { data: cv.ingress ? { id: cv.ingress.id, type: 'ingress-attributes' } : null } },
    links: { self: `/api/v2/configuration-versions/${cv.id}`, download: `/api/v2/configuration-versions/${cv.id}/download` }
  }
}

/** The create body's attributes; undefined when the body is not JSON. */
function createAttributes(text: string): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(text || '{}') as { data?: { attributes?: Record<string, unknown> } }
    return doc.data?.attributes ?? {}
  } catch {
    return undefined
  }
}

export const ConfigurationVersionRoutes: Route<ApiCall>[] = [
  route('POST', '/api/v2/workspaces/:id/configuration-versions', ({ id }, call) => {
    const ws = visibleWorkspace(call, call.engine.workspaces.get(id))
    if (!ws) return notFound()
    const a = createAttributes(call.text)
    if (!a) return malformed()
    const cv = newConfigurationVersion(newId('cv'), ws.id, a)
    call.engine.configurationVersions.set(cv.id, cv)
    return [201, { data: configurationVersionDoc(cv, call.archivistUrl) }]
  }),
  route('GET', '/api/v2/configuration-versions/:id', ({ id }, call) => {
    const cv = call.engine.configurationVersions.get(id)
    if (!cv || !visibleWorkspace(call, call.engine.workspaces.get(cv.workspaceId))) return notFound()
    return [200, { data: configurationVersionDoc(cv, call.archivistUrl) }]
  }),
  route('GET', '/api/v2/configuration-versions/:id/download', ({ id }, call) => {
    const cv = call.engine.configurationVersions.get(id)
    if (!cv || !visibleWorkspace(call, call.engine.workspaces.get(cv.workspaceId)) || !cv.archive) return notFound()
    return [200, cv.archive, { 'Content-Type': 'application/octet-stream' }]
  })
]
