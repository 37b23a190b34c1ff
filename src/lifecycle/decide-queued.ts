/**
 * Pure decisions about runs HCP Terraform queued by itself (a VCS push, a run trigger): whether to
 * adopt one instead of queueing another, which runs an apply triggered, what to do next about a
 * triggered run, how deep to follow, and how to stop a run the step did not queue. No I/O, no
 * clock, no logging; built on decide.ts, imported from here (adopt.ts, triggered.ts, stop-run.ts),
 * and the table test holds their rows.
 */
import { TerminalStatuses } from '../tfe/statuses.js'
import {
  decide,
  decideStop,
  isConfirmed,
  type DecisionSettings,
  type Memory,
  type PersonFor,
  type RunFacts,
  type StopDecision,
  type StopReason,
  type StopSettings
} from './decide.js'

/** Run sources as the API names them (go-tfe RunSource; tfe-run-trigger is observed, not documented). */
export const RunSources = { Vcs: 'tfe-configuration-version', RunTrigger: 'tfe-run-trigger' } as const

/** What adoption looks at in a candidate run (from a run list: tfe/run-lists.ts ListedRun). */
export interface CandidateFacts extends RunFacts {
  id: string
  source: string
  planOnly: boolean
  savePlan: boolean
  isDestroy: boolean
  refreshOnly: boolean
  /** The commit of the run's VCS ingress attributes, when the API gave it. */
  commitSha: string | undefined
  createdAt: string | undefined
}

export type AdoptWhy = 'commit' | 'run-trigger'
export type NotAdoptedWhy =
  | 'ended'
  | 'speculative'
  | 'confirmed'
  | 'destroy'
  | 'refresh-only'
  | 'saved-plan'
  | 'other-commit'
  | 'commit-unknown'
  | 'not-queued-by-hcp'
  /** Adoptable, but an older (or same-commit) run goes first; it is left to HCP Terraform's queue. */
  | 'another-first'

export type AdoptionDecision =
  | { adopt: true; runId: string; why: AdoptWhy; passedOver: { runId: string; why: NotAdoptedWhy }[] }
  | { adopt: false; passedOver: { runId: string; why: NotAdoptedWhy }[] }

/** Why a run may not be adopted, or why it may (adoption only happens for operation apply). */
export function adoptable(run: CandidateFacts, commitSha: string | undefined): AdoptWhy | NotAdoptedWhy {
  if (TerminalStatuses.has(run.status)) return 'ended'
  // A speculative plan can never be applied; following it would report a success that applied nothing.
  if (run.planOnly) return 'speculative'
  // Someone already confirmed it: they own its apply, and the step must not claim it.
  if (isConfirmed(run)) return 'confirmed'
  if (run.isDestroy) return 'destroy'
  if (run.refreshOnly) return 'refresh-only'
  if (run.savePlan) return 'saved-plan'
  const mine = commitSha?.toLowerCase()
  const theirs = run.commitSha?.toLowerCase()
  if (run.source === RunSources.Vcs) {
    // search[commit] found it; only its own ingress attributes prove the commit is the same one.
    if (!theirs) return 'commit-unknown'
    return theirs === mine ? 'commit' : 'other-commit'
  }
  if (run.source === RunSources.RunTrigger) {
    // A triggered run on a VCS workspace plans that workspace's commit: it must be this one too.
    if (theirs && theirs !== mine) return 'other-commit'
    return 'run-trigger'
  }
  // tfe-api, tfe-ui, the CLI: a person's or another tool's run, never the step's to take.
  return 'not-queued-by-hcp'
}

/**
 * Which of the workspace's open runs to follow instead of queueing one: a run queued for this
 * commit first, then one a run trigger queued; the oldest of them, since it runs first.
 */
export function decideAdoption(candidates: readonly CandidateFacts[], commitSha: string | undefined): AdoptionDecision {
  const passedOver: { runId: string; why: NotAdoptedWhy }[] = []
  const takers: { run: CandidateFacts; why: AdoptWhy }[] = []
  const seen = new Set<string>()
  for (const run of candidates) {
    if (seen.has(run.id)) continue
    seen.add(run.id)
    const why = adoptable(run, commitSha)
    if (why === 'commit' || why === 'run-trigger') takers.push({ run, why })
    else passedOver.push({ runId: run.id, why })
  }
  const time = (run: CandidateFacts): number => Date.parse(run.createdAt ?? '') || Number.MAX_SAFE_INTEGER
  takers.sort((a, b) => (a.why === b.why ? time(a.run) - time(b.run) : a.why === 'commit' ? -1 : 1))
  const first = takers[0]
  if (!first) return { adopt: false, passedOver }
  for (const other of takers.slice(1)) passedOver.push({ runId: other.run.id, why: 'another-first' })
  return { adopt: true, runId: first.run.id, why: first.why, passedOver }
}

/** What the link between an apply and a downstream run looks at. */
export interface DownstreamFacts {
  id: string
  source: string
  message: string
  createdAt: string | undefined
}

/** A run's own ID in a message (IDs are run- and 16 alphanumerics). */
const RunIdInText = /\brun-[A-Za-z0-9]{16}\b/g

/** A clock may lag the other by this much: a run created "before" the apply ended by less is still after it. */
export const TriggerClockSkewMs = 5_000

/**
 * Which of a downstream workspace's runs the upstream apply triggered. The run document carries
 * no relationship to the run whose apply fired the trigger (go-tfe's Run decodes `source` and
 * `trigger-reason`, nothing naming an upstream run), so the most exact link the API offers is:
 * the workspace is downstream of one of this workspace's outbound run triggers (the caller lists
 * only those), the run's source is `tfe-run-trigger`, and it was created at or after the upstream
 * run's `applied-at`. When the run's message names a run ID, that ID must be the upstream run's
 * (a fan-in from another upstream names its own); a message naming this run is the closest link
 * and wins over time. A single apply fires a trigger once, so at most one run per workspace.
 */
export function decideTriggeredLink(
  upstream: { runId: string; appliedAt: number },
  runs: readonly DownstreamFacts[]
): { runId: string; link: 'named' | 'time' } | undefined {
  const after = runs.filter(r => {
    if (r.source !== RunSources.RunTrigger) return false
    const created = Date.parse(r.createdAt ?? '')
    return Number.isFinite(created) && created >= upstream.appliedAt - TriggerClockSkewMs
  })
  const ids = (message: string): string[] => message.match(RunIdInText) ?? []
  const named = after.filter(r => ids(r.message).includes(upstream.runId))
  const oldest = (list: readonly DownstreamFacts[]): DownstreamFacts | undefined =>
    [...list].sort((a, b) => Date.parse(a.createdAt ?? '') - Date.parse(b.createdAt ?? ''))[0]
  const byName = oldest(named)
  if (byName) return { runId: byName.id, link: 'named' }
  const byTime = oldest(after.filter(r => ids(r.message).length === 0))
  return byTime ? { runId: byTime.id, link: 'time' } : undefined
}

/** What to do next about a triggered run the step follows (it never retries one: it is not the step's). */
export type TriggeredNext =
  | { action: 'confirm' }
  | { action: 'wait' }
  | { action: 'ask'; for: PersonFor }
  | { action: 'end'; ok: boolean; why: 'applied' | 'no-changes' | 'failed' | 'confirm-refused' }

/**
 * The step's own rules for its run, applied to a triggered one: decide() says, with no retries
 * left (a failed triggered run fails the step; it does not queue another). manual_confirm true
 * means a person confirms, as for the step's run; a run that applied or had nothing to apply ended well.
 */
export function decideTriggeredNext(
  run: RunFacts,
  settings: DecisionSettings,
  memory: Pick<Memory, 'confirmSentAt' | 'confirmRefusals'>
): TriggeredNext {
  const d = decide(run, { ...settings, operation: 'apply', savePlan: false, runId: undefined }, { ...memory, retriesLeft: 0, attempt: 1 })
  switch (d.action) {
    case 'succeed':
      return { action: 'end', ok: true, why: d.end === 'applied' ? 'applied' : 'no-changes' }
    case 'fail':
    case 'retry':
      return { action: 'end', ok: false, why: 'failed' }
    case 'give-up':
      return { action: 'end', ok: false, why: 'confirm-refused' }
    case 'confirm':
      return { action: 'confirm' }
    case 'wait-for-person':
      return { action: 'ask', for: d.for }
    default:
      return { action: 'wait' }
  }
}

/** Whether to look for the runs a followed triggered run's apply triggered in turn (depth 1 is the step's own apply's). */
export function decideFollowDeeper(depth: number, maxDepth: number, ended: TriggeredNext): boolean {
  return ended.action === 'end' && ended.ok && ended.why === 'applied' && depth < maxDepth
}

/** Where a run the step follows came from: queued by it, adopted (a VCS or trigger run it took over), or triggered by its apply. */
export type RunOrigin = 'queued' | 'adopted' | 'triggered'

/** The stop of a run the step did not queue: `not-queued` leaves it as it is. */
export type QueuedStopDecision = StopDecision | { action: 'stop'; how: 'leave'; why: 'not-queued' }

/**
 * How to stop a run the step did not queue. An adopted run is stopped (as decideStop says) only
 * when the job was cancelled and cancel_on_abort is true: the user stopped the workflow that took
 * it over. A timeout, a give-up or a triggered run never stops it: it was HCP Terraform's before
 * the step came, and goes on as it would have without the step.
 */
export function decideStopNotQueued(run: RunFacts, settings: StopSettings, reason: StopReason, origin: RunOrigin): QueuedStopDecision {
  if (origin === 'queued') return decideStop(run, settings, reason)
  if (TerminalStatuses.has(run.status)) return { action: 'stop', how: 'none', why: 'ended' }
  if (origin === 'adopted' && reason === 'cancelled' && settings.cancelOnAbort) return decideStop(run, settings, reason)
  return { action: 'stop', how: 'leave', why: 'not-queued' }
}
