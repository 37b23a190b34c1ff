/**
 * One page of a workspace's run list, filtered as the API filters it (source, status group,
 * commit), with what the list says of each run beyond tfe/runs.ts's Run: who queued it, when, and
 * the commit of its VCS ingress attributes. Entries without a run's shape are left out, not fatal.
 */
import type { Resource, TfeClient } from './client.js'
import { record, relationId, relationshipsOf, resourceOf, seg } from './documents.js'
import { toRun, type Run } from './runs.js'

export interface ListedRun extends Run {
  /** tfe-api, tfe-ui, tfe-configuration-version (VCS), tfe-run-trigger, … ('' when absent). */
  source: string
  createdAt: string | undefined
  isDestroy: boolean
  refreshOnly: boolean
  /** The `commit-sha` of the run's configuration version's ingress attributes, when the list included them. */
  commitSha: string | undefined
}

export interface RunListQuery {
  /** filter[source]: e.g. tfe-run-trigger. */
  source?: string
  /** filter[status_group]: non_final, final or discardable. */
  statusGroup?: 'non_final' | 'final' | 'discardable'
  /** search[commit]: a full commit SHA. */
  commit?: string
  /** include=configuration_version.ingress_attributes, to read each run's commit. */
  withIngress?: boolean
  /** At most 100 (the API's largest page). */
  pageSize?: number
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/** The run in a list entry, or undefined for an entry without a run's id and attributes. */
export function toListedRun(entry: unknown, included: readonly Resource[]): ListedRun | undefined {
  const r = record(entry)
  if (typeof r.id !== 'string' || !r.id || typeof r.attributes !== 'object' || r.attributes === null) return undefined
  // The fields toRun reads, each normalised: a hostile entry cannot make it throw.
  const resource = resourceOf(r.id, r)
  const a = resource.attributes
  const cvId = relationId(resource, 'configuration-version')?.id
  const cv = cvId ? included.find(i => i.type === 'configuration-versions' && i.id === cvId) : undefined
  const ingressId = cv ? relationId({ ...cv, relationships: relationshipsOf(cv.relationships) }, 'ingress-attributes')?.id : undefined
  const ingress = ingressId ? included.find(i => i.type === 'ingress-attributes' && i.id === ingressId) : undefined
  const sha = str(record(ingress?.attributes)['commit-sha'])
  return {
    ...toRun({ data: resource, included: [...included] }),
    source: str(a.source),
    createdAt: str(a['created-at']) || undefined,
    isDestroy: a['is-destroy'] === true,
    refreshOnly: a['refresh-only'] === true,
    commitSha: sha || undefined
  }
}

/** The newest page of the workspace's runs matching `query` (the list is newest first). */
export async function listWorkspaceRuns(
  client: TfeClient,
  workspaceId: string,
  query: RunListQuery,
  signal?: AbortSignal
): Promise<ListedRun[]> {
  const params = [`page%5Bsize%5D=${Math.min(100, Math.max(1, query.pageSize ?? 20))}`]
  if (query.source) params.push(`filter%5Bsource%5D=${seg(query.source)}`)
  if (query.statusGroup) params.push(`filter%5Bstatus_group%5D=${query.statusGroup}`)
  if (query.commit) params.push(`search%5Bcommit%5D=${seg(query.commit)}`)
  if (query.withIngress) params.push('include=configuration_version.ingress_attributes')
  // Read as it comes, not through listDocumentOf: toListedRun decides what an entry needs to be a run.
  const list = record(await client.get(`/api/v2/workspaces/${seg(workspaceId)}/runs?${params.join('&')}`, signal))
  const data: unknown[] = Array.isArray(list.data) ? list.data : []
  const included = (Array.isArray(list.included) ? list.included : []).filter(
    (i): i is Resource => typeof record(i).id === 'string' && typeof record(i).type === 'string'
  )
  const runs: ListedRun[] = []
  for (const entry of data) {
    const run = toListedRun(entry, included)
    if (run && !runs.some(x => x.id === run.id)) runs.push(run)
  }
  return runs
}
