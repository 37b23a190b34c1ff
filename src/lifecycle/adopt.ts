/**
 * Adoption (adopt_queued_run): before queueing, the workspace's open runs that HCP Terraform
 * queued itself, for this commit (VCS) or by a run trigger, are read; decideAdoption picks the one
 * to follow instead of queueing a second. This file reads and acts; the rules are decide-queued.ts's.
 */
import { log } from '../common/job-log.js'
import { listWorkspaceRuns, type ListedRun } from '../tfe/run-lists.js'
import { getRun, type Run } from '../tfe/runs.js'
import { toFacts } from './decide.js'
import { adoptable, decideAdoption, RunSources, type CandidateFacts, type NotAdoptedWhy } from './decide-queued.js'
import type { Step } from './step.js'

function toCandidate(run: ListedRun): CandidateFacts {
  return {
    ...toFacts(run),
    id: run.id,
    source: run.source,
    planOnly: run.planOnly,
    savePlan: run.savePlan,
    isDestroy: run.isDestroy,
    refreshOnly: run.refreshOnly,
    commitSha: run.commitSha,
    createdAt: run.createdAt
  }
}

const NotAdoptedText: Record<NotAdoptedWhy, string> = {
  ended: 'it has ended',
  speculative: 'it is a speculative plan, which can never be applied',
  confirmed: 'someone already confirmed it',
  destroy: 'it is a destroy run',
  'refresh-only': 'it is a refresh-only run',
  'saved-plan': 'it is a saved plan',
  'other-commit': 'it plans another commit',
  'commit-unknown': 'the API did not say which commit it plans',
  'not-queued-by-hcp': 'a person or another tool queued it',
  'another-first': 'an older run HCP Terraform queued goes first'
}

/**
 * The run to follow instead of queueing one, or undefined (then the step queues its own). The
 * candidate is read again before it is taken: a run confirmed or ended since the list was read is
 * not adopted.
 */
export async function adoptQueuedRun(step: Step, signal: AbortSignal): Promise<Run | undefined> {
  const ws = step.target
  const sha = step.settings.commitSha
  // Run lists have a budget of their own (30 a minute per user) that every step of a fan-out on one
  // token shares: a step sends the second list only when the first cannot settle it.
  const candidates: ListedRun[] = []
  if (!sha) {
    log.info('GITHUB_SHA is not a commit SHA here, so only a run queued by a run trigger can be adopted.')
  } else if (ws.vcsConnected === false) {
    // Only a VCS run's ingress attributes can prove its commit, and only a VCS-connected workspace has them.
    log.info(`${ws.organization}/${ws.name} is not connected to a VCS repository, so only a run queued by a run trigger can be adopted.`)
  } else {
    candidates.push(...(await listWorkspaceRuns(step.client, ws.id, { commit: sha, statusGroup: 'non_final', withIngress: true }, signal)))
  }
  // A run queued for this commit goes before any a run trigger queued: with one, the trigger list changes nothing.
  const byCommit = decideAdoption(candidates.map(toCandidate), sha)
  if (!byCommit.adopt || byCommit.why !== 'commit') {
    const byTrigger = { source: RunSources.RunTrigger, statusGroup: 'non_final', withIngress: true } as const
    candidates.push(...(await listWorkspaceRuns(step.client, ws.id, byTrigger, signal)))
  }
  const decision = decideAdoption(candidates.map(toCandidate), sha)
  for (const { runId, why } of decision.passedOver) {
    log.info(`Not adopting run ${runId}: ${NotAdoptedText[why]}. ${step.url(runId)}`)
  }
  if (!decision.adopt) {
    log.info(`No open run on ${ws.organization}/${ws.name} that HCP Terraform queued for this commit or by a run trigger; queueing one.`)
    return undefined
  }
  const run = await getRun(step.client, decision.runId, signal)
  const listed = candidates.find(c => c.id === run.id)
  // The fresh read keeps what only the list says (source, commit); the statuses are the read's.
  const again = listed
    ? adoptable({ ...toCandidate(listed), ...toFacts(run), planOnly: run.planOnly, savePlan: run.savePlan }, sha)
    : 'ended'
  if (again !== 'commit' && again !== 'run-trigger') {
    log.info(`Not adopting run ${run.id} after all: ${NotAdoptedText[again]} now; queueing one. ${step.url(run.id)}`)
    return undefined
  }
  step.adoptedRunId = run.id
  step.current = run
  step.noteRun(run.id)
  const why = decision.why === 'commit' ? `HCP Terraform queued it for commit ${sha?.slice(0, 12)}` : 'a run trigger queued it'
  log.notice(`Adopted run ${run.id} ('${run.status}'; ${why}) instead of queueing another: ${step.url(run.id)}`)
  return run
}
