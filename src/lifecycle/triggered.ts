/**
 * The runs an apply's run triggers queued downstream: found (the workspace's outbound triggers,
 * then each downstream workspace's runs, linked as decideTriggeredLink says), reported, and with
 * follow_triggered_runs followed to their end and to the depth asked. This file reads, asks and
 * acts; the rules are decide-queued.ts's. It never stops a triggered run: the step did not queue it.
 */
import { Inputs } from '../action/names.js'
import { AbortedError, ApiError, errorMessage, isTransient } from '../common/errors.js'
import { log } from '../common/job-log.js'
import { OptionalPart, optional } from '../common/optional.js'
import { PollSchedule } from '../tfe/poll-schedule.js'
import { formatDuration, sleep } from '../common/timing.js'
import { workflowDescription } from '../action/github-context.js'
import { listRunTriggers } from '../tfe/run-triggers.js'
import { listWorkspaceRuns } from '../tfe/run-lists.js'
import { MaxRateLimitWaitMs } from '../tfe/client.js'
import { getRun, runAction, type Run } from '../tfe/runs.js'
import { toFacts, type Ended } from './decide.js'
import { decideFollowDeeper, decideTriggeredLink, decideTriggeredNext, RunSources, type TriggeredNext } from './decide-queued.js'
import type { Outcome, Step, TriggeredRun } from './step.js'

/**
 * Finding the triggered runs is a report: within this bound, and a warning past it. A minute of
 * its own, and five of the run lists' minute-long windows: their budget (30 a minute per user) is
 * shared by every step of a fan-out on one token, so each list may wait for a window with room.
 */
const FindBoundMs = 60_000 + 5 * MaxRateLimitWaitMs

/** The apply whose triggers are looked at: its run and workspace, and when it applied. */
interface Upstream {
  runId: string
  workspaceId: string
  appliedAt: number
}

function appliedAt(run: Run): number {
  return Date.parse(run.timestamps['applied-at'] ?? '') || Date.now()
}

/** The runs the apply of `upstream` made its outbound run triggers queue, one per downstream workspace. */
export async function findTriggeredRuns(step: Step, upstream: Upstream, depth: number, signal: AbortSignal): Promise<TriggeredRun[]> {
  // The step's own apply: its workspace's triggers were read while the run planned (ahead.ts).
  const ahead = depth === 1 && upstream.workspaceId === step.target.id ? await step.ahead.outboundTriggers(upstream.runId) : undefined
  const triggers = ahead ?? (await listRunTriggers(step.client, upstream.workspaceId, 'outbound', signal))
  if (!triggers.complete)
    log.warning(`Workspace ${upstream.workspaceId} has more outbound run triggers than the step reads; only the first are looked at.`)
  if (triggers.skipped)
    log.warning(`${triggers.skipped} entries of the run trigger list of ${upstream.workspaceId} were not run triggers; left out.`)
  const pending = new Map(triggers.items.map(t => [t.workspaceId, t]))
  const found: TriggeredRun[] = []
  const org = step.target.organization
  const deadline = Date.now() + step.options.triggeredAppearMs
  let pause = step.options.triggeredPollMs
  for (;;) {
    for (const [wsId, trigger] of [...pending]) {
      let runs
      try {
        runs = await listWorkspaceRuns(step.client, wsId, { source: RunSources.RunTrigger, pageSize: 20 }, signal)
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err
        log.warning(
          `Workspace ${org}/${trigger.workspaceName} (${wsId}), downstream of a run trigger, could not be read (404): it was deleted, or the token cannot see it.`
        )
        pending.delete(wsId)
        continue
      }
      const link = decideTriggeredLink(upstream, runs)
      const run = link && runs.find(r => r.id === link.runId)
      if (!run) continue
      pending.delete(wsId)
      const url = `${step.settings.baseUrl}/app/${encodeURIComponent(org)}/workspaces/${encodeURIComponent(trigger.workspaceName)}/runs/${run.id}`
      found.push({ workspace: `${org}/${trigger.workspaceName}`, workspaceId: wsId, runId: run.id, status: run.status, url, depth })
    }
    if (!pending.size || Date.now() >= deadline) break
    await sleep(Math.min(pause, Math.max(0, deadline - Date.now())), signal)
    pause *= 2
  }
  for (const t of pending.values()) {
    log.info(
      `No run queued by the run trigger on ${org}/${t.workspaceName} within ${formatDuration(step.options.triggeredAppearMs)} of run ${upstream.runId}'s apply.`
    )
  }
  return found
}

function report(found: readonly TriggeredRun[], following: boolean): void {
  for (const t of found) {
    log.info(`Run trigger queued run ${t.runId} on ${t.workspace} ('${t.status}'): ${t.url}`)
  }
  if (!following && found.length) {
    log.notice(
      `${found.length} run(s) queued downstream by run triggers; a run trigger's run waits at 'planned' for a person unless its workspace auto-applies run trigger runs (set ${Inputs.FollowTriggeredRuns} to follow them): ${found.map(t => t.url).join(' ')}`
    )
  }
}

/** Follows one triggered run to its end, confirming it when the step's own rules allow. */
async function followOne(step: Step, t: TriggeredRun, signal: AbortSignal): Promise<{ next: TriggeredNext; run: Run }> {
  const memory: { confirmSentAt: string | undefined; confirmRefusals: number } = { confirmSentAt: undefined, confirmRefusals: 0 }
  const schedule = new PollSchedule(step.options.pollSchedule)
  const told = new Set<string>()
  let failingSince: number | undefined
  for (;;) {
    let run: Run
    try {
      run = await getRun(step.client, t.runId, signal)
      failingSince = undefined
    } catch (err) {
      if (!isTransient(err)) throw err
      failingSince ??= Date.now()
      if (Date.now() - failingSince >= step.options.readOutageLimitMs) throw err
      await sleep(schedule.next('unreadable'), signal)
      continue
    }
    if (run.status !== t.status) log.info(`Triggered run ${run.id} on ${t.workspace}: ${t.status} → ${run.status}`)
    t.status = run.status
    const next = decideTriggeredNext(toFacts(run), step.settings, memory)
    if (next.action === 'end') return { next, run }
    if (next.action === 'confirm') {
      signal.throwIfAborted()
      const comment = `Confirmed by GitHub Actions (a run trigger's run after the step's apply): ${await workflowDescription()}`
      signal.throwIfAborted()
      if (await runAction(step.client, run.id, 'apply', comment, signal)) {
        memory.confirmSentAt = run.status
        log.info(`Confirmed triggered run ${run.id} on ${t.workspace}.`)
      } else memory.confirmRefusals++
    } else if (next.action === 'ask' && !told.has(`${next.for}:${run.status}`)) {
      told.add(`${next.for}:${run.status}`)
      log.notice(`Triggered run ${run.id} on ${t.workspace} is waiting for a person (${next.for}, '${run.status}'): ${t.url}`)
    } else if (run.status === 'pending' && !told.has('pending')) {
      // Never a silent wait: a pending run waits behind another run of its workspace (or a lock).
      told.add('pending')
      log.info(
        `Triggered run ${run.id} on ${t.workspace} is pending: it waits for the run ahead of it in its workspace's queue, or for a lock: ${t.url}`
      )
    }
    await sleep(schedule.next(run.status), signal)
  }
}

/** Follows the found runs (concurrently: each is its workspace's), and the runs their applies trigger, to the depth asked. */
async function followAll(step: Step, first: TriggeredRun[], signal: AbortSignal): Promise<TriggeredRun | undefined> {
  const maxDepth = step.settings.triggeredRunsDepth ?? 1
  let level = first
  let failed: TriggeredRun | undefined
  while (level.length) {
    // One follower failing (an API error, the stop) stops the others too: none polls on alone.
    const local = new AbortController()
    const each = AbortSignal.any([signal, local.signal])
    const settled = await Promise.allSettled(
      level.map(async t => {
        try {
          return { t, ...(await followOne(step, t, each)) }
        } catch (err) {
          local.abort(err)
          throw err
        }
      })
    )
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    // The step's own stop is what the caller reports, whichever follower saw it first.
    if (rejected) throw signal.aborted ? signal.reason : rejected.reason
    const ends = settled.flatMap(s => (s.status === 'fulfilled' ? [s.value] : []))
    const next: TriggeredRun[] = []
    for (const { t, next: end, run } of ends) {
      if (end.action === 'end' && !end.ok) failed ??= t
      if (!decideFollowDeeper(t.depth, maxDepth, end)) continue
      // Finding them is the same report as at depth 1: its failure is a warning.
      const from = { runId: run.id, workspaceId: t.workspaceId, appliedAt: appliedAt(run) }
      const deeper =
        (await optional(OptionalPart.TriggeredRuns, s => findTriggeredRuns(step, from, t.depth + 1, s), {
          boundMs: FindBoundMs,
          signal
        })) ?? []
      const fresh = deeper.filter(d => !step.triggered.some(x => x.runId === d.runId))
      report(fresh, true)
      step.triggered.push(...fresh)
      next.push(...fresh)
    }
    level = next
  }
  return failed
}

/**
 * After the step's run ended: for an apply that ended well, the runs its run triggers queued are
 * found and reported (an optional part), and followed when asked (then their failure is the
 * step's). Any other end is returned as it is.
 */
export async function afterRunEnded(step: Step, outcome: Outcome, ended: Ended, run: Run, stop: AbortSignal): Promise<Outcome> {
  if (!outcome.success || ended.action !== 'succeed' || ended.end !== 'applied') return outcome
  const following = step.settings.followTriggeredRuns === true
  const upstream = { runId: run.id, workspaceId: step.target.id, appliedAt: appliedAt(run) }
  const found = await optional(OptionalPart.TriggeredRuns, s => findTriggeredRuns(step, upstream, 1, s), {
    boundMs: FindBoundMs,
    signal: stop
  })
  step.triggered.push(...(found ?? []))
  report(step.triggered, following)
  const done = (success: boolean, message: string): Outcome => ({
    ...outcome,
    success,
    message,
    triggeredRuns: step.triggered.map(t => ({ ...t }))
  })
  if (!following || !step.triggered.length) return done(true, outcome.message)
  try {
    const failed = await followAll(step, [...step.triggered], stop)
    if (failed) {
      return done(
        false,
        `${outcome.message}; but run ${failed.runId}, queued on ${failed.workspace} by a run trigger, ended '${failed.status}': ${failed.url}`
      )
    }
    return done(true, `${outcome.message}; and the ${step.triggered.length} run(s) its run triggers queued ended well.`)
  } catch (err) {
    const open = step.triggered.filter(t => !['applied', 'planned_and_finished'].includes(t.status))
    const left = open.map(t => `${t.runId} ('${t.status}') ${t.url}`).join(', ')
    const why =
      err instanceof AbortedError
        ? err.reason === 'timeout'
          ? `${Inputs.TimeoutMinutes} passed`
          : 'the job was cancelled'
        : errorMessage(err)
    return done(
      false,
      `${outcome.message}; but following the runs its run triggers queued stopped (${why}); they were left as they are (the step did not queue them): ${left}`
    )
  }
}
