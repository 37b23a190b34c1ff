/** Following a run: read → decide → act, until decide says it ended; the logs and checks on the way. */
import { Inputs } from '../action/names.js'
import { RunStatus } from '../tfe/statuses.js'
import { reportPolicyChecks, reportTaskStages } from './checks.js'
import { errorMessage, isTransient } from '../common/errors.js'
import { PollSchedule } from '../tfe/poll-schedule.js'
import { decide, decideReadFailure, toFacts, type Decision, type Ended, type Memory } from './decide.js'
import { decideChecks, decidePendingReport, decideReadAhead, NoChecksSeen, pendingClock } from './decide-reports.js'
import { getRun, runAction, type Run } from '../tfe/runs.js'
import { getWorkspaceById } from '../tfe/workspaces.js'
import { formatDuration } from '../common/timing.js'
import { workflowDescription } from '../action/github-context.js'
import { log } from '../common/job-log.js'
import { RunLogs } from '../run-logs/stream.js'
import { OptionalPart, optional, optionalSync } from '../common/optional.js'

import { countsText } from './messages.js'
import { checkGuard, guardFact } from './guard.js'
import { heldLines } from '../review/guard.js'
import type { Step } from './step.js'
import { ReportBoundMs } from './step.js'

export async function follow(step: Step, first: Run, attempt: number, signal: AbortSignal): Promise<Ended> {
  const ws = step.target
  const schedule = new PollSchedule(step.options.pollSchedule, {
    [RunStatus.Planning]: ws.planDurationAverageMs,
    [RunStatus.Applying]: ws.applyDurationAverageMs
  })
  const memory: Memory = {
    confirmSentAt: undefined,
    confirmRefusals: 0,
    retriesLeft: step.totalRuns - attempt,
    attempt
  }
  const ws2 = `${ws.organization}/${ws.name}`
  const suffix = step.totalRuns > 1 ? ` (run ${attempt} of at most ${step.totalRuns})` : ''
  const logs = new RunLogs({
    title: stage => `${stage === 'plan' ? 'Plan' : 'Apply'}: ${ws2}${suffix}`,
    intervalMs: step.options.logIntervalMs,
    quiet: !step.settings.showLogs,
    signal
  })
  step.logs = logs
  try {
    return await followWith(step, first, schedule, memory, signal, logs)
  } finally {
    logs.stop()
  }
}

export async function followWith(
  step: Step,
  first: Run,
  schedule: PollSchedule,
  memory: Memory,
  signal: AbortSignal,
  logs: RunLogs
): Promise<Ended> {
  const told = new Set<string>()
  let checks = NoChecksSeen
  const stagesReported = new Set<string>()
  let pending = pendingClock(Date.now())
  let failingSince: number | undefined
  let lastStatus = ''
  let run = first
  /** Reads of the run so far: a verdict still waiting for a result counts for the read it was made on. */
  let polls = 0
  /** The step just sent a confirmation: the next read of the run brings the apply's log URL. */
  let confirmed = false
  for (;;) {
    step.current = run
    if (run.status !== lastStatus) {
      if (lastStatus) log.info(`Run ${run.id}: ${lastStatus} → ${run.status}`)
      lastStatus = run.status
      const read = decideChecks(toFacts(run), Object.keys(run.timestamps), checks)
      checks = read.seen
      const id = run.id
      if (read.readPolicy || read.readTasks) {
        await optional(
          OptionalPart.Checks,
          async s => {
            if (read.readPolicy) await reportPolicyChecks(step.client, id, s)
            if (read.readTasks) await reportTaskStages(step.client, id, stagesReported, s)
          },
          { boundMs: ReportBoundMs, signal }
        )
      }
      step.ahead.start(step, run, decideReadAhead(run, step.settings.operation), signal)
    }
    const polled = run
    optionalSync(OptionalPart.Logs, () => logs.observe(polled))
    let decision = decide(toFacts(run), step.settings, memory, guardFact(step, polls))
    if (decision.action === 'check-guard') {
      // Evaluated on this very run at this status, before any confirm; decide again with the verdict.
      await checkGuard(step, run, polls, signal)
      decision = decide(toFacts(run), step.settings, memory, guardFact(step, polls))
    }
    switch (decision.action) {
      case 'succeed':
      case 'fail':
      case 'retry':
      case 'give-up':
        {
          // The rest of the logs (the totals, the error, every change) before the step reports.
          const last = run
          const drainMs = step.options.logDrainMs
          await optional(OptionalPart.Logs, () => logs.finish(last, drainMs), { boundMs: drainMs + 1_000, signal })
          logs.stop()
        }
        return decision
      case 'confirm':
        await confirm(step, run, memory, signal)
        schedule.reset()
        // The run moved on because of the step: the read after it has news (the apply's log URL, which
        // the API hands out once the run is confirmed, and whose ETX then says when the apply ends),
        // not a poll a crowded window may stretch past the apply's end.
        confirmed = true
        break
      case 'check-guard':
      // Not reached: the verdict above is for this run and status. Waiting is the safe reading.
      // falls through
      case 'wait-for-person':
      case 'wait':
        if (decision.action !== 'check-guard') tell(step, decision, run, told)
        if (decision.action === 'wait' && decision.for === 'queue') {
          const report = decidePendingReport(Date.now(), pending)
          if (report.report) {
            pending = report.clock
            log.info(await describeQueue(step, run, report.checkWorkspace, Date.now() - pending.queuedAt, signal))
          }
        }
    }

    // While the stage's log streams, its end says when to read the run: at once, not at the next poll.
    const ended = logs.endedStages
    const leads = logs.leads(run.status)
    await logs.sleep(ended, schedule.next(run.status, performance.now(), leads), signal)
    try {
      run = await getRun(step.client, run.id, signal, confirmed || logs.newsSince(ended, leads))
      confirmed = false
      polls++
      failingSince = undefined
    } catch (err) {
      if (!isTransient(err)) throw err
      failingSince ??= Date.now()
      const giveUp = decideReadFailure(Date.now() - failingSince, step.options.readOutageLimitMs)
      if (giveUp) {
        step.outage = `Could not read run ${run.id} for ${formatDuration(Date.now() - failingSince)} (${errorMessage(err)}).`
        return giveUp
      }
      log.warning(`Could not read run ${run.id} (${errorMessage(err)}); still trying.`)
    }
  }
}

/** The one request that changes infrastructure: never sent once the step was told to stop. */
export async function confirm(step: Step, run: Run, memory: Memory, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  const comment = `Confirmed by GitHub Actions: ${await workflowDescription()}`
  signal.throwIfAborted()
  if (await runAction(step.client, run.id, 'apply', comment, signal)) {
    memory.confirmSentAt = run.status
    log.info(`Confirmed run ${run.id}${countsText(step, run.plan)}.`)
    return
  }
  // 409: it moved on (planned → cost_estimating, the race of provider issue #898), or someone
  // else confirmed or discarded it. Only the run can say which; the next read decides.
  memory.confirmRefusals++
  log.info(`Run ${run.id} refused confirmation in status '${run.status}' (409); reading it again.`)
}

/** Says once, for each kind of wait, who or what the step waits for. */
export function tell(step: Step, decision: Extract<Decision, { action: 'wait' | 'wait-for-person' }>, run: Run, told: Set<string>): void {
  const key = `${decision.action}:${decision.for}:${run.status}`
  if (told.has(key)) return
  told.add(key)
  const url = step.url(run.id)
  if (decision.action === 'wait-for-person') {
    if (decision.for === 'confirmation') {
      log.notice(
        step.settings.manualConfirm
          ? `Run ${run.id} is waiting for a person to confirm it (${Inputs.ManualConfirm} is true): ${url}`
          : `Run ${run.id} is waiting at '${run.status}' for someone allowed to confirm it (this token may not): ${url}`
      )
    } else if (decision.for === 'guard') {
      log.notice(
        `Run ${run.id} is waiting for a person to confirm it: ${Inputs.AutoConfirmIf} held it back (${heldLines(step.guard?.verdict ?? { result: 'held', outcomes: [] }).join('; ')}). Confirm or discard it at ${url}`
      )
    } else if (decision.for === 'policy-override') {
      log.notice(
        `Run ${run.id}: a soft-mandatory policy failed. Someone allowed to override policies must override it (or discard the run) at ${url}; waiting.`
      )
    } else {
      log.notice(`Run ${run.id} is waiting for a run task decision (${run.status}); someone must decide at ${url}; waiting.`)
    }
    return
  }
  if (decision.for === 'unknown-status') {
    log.info(`Run ${run.id} is in status '${run.status}', which this action does not know; waiting for HCP Terraform to move it on: ${url}`)
  }
}

export async function describeQueue(step: Step, run: Run, checkWorkspace: boolean, waitedMs: number, signal: AbortSignal): Promise<string> {
  const head = `Run ${run.id} is pending after ${formatDuration(waitedMs)}`
  if (checkWorkspace) {
    try {
      const ws = await getWorkspaceById(step.client, step.target.id, signal)
      if (ws.locked && ws.lockedBy && ws.lockedBy.type !== 'runs') {
        return `${head}: the workspace is locked by ${ws.lockedBy.id}${ws.lockedReason ? ` (${ws.lockedReason})` : ''}; runs wait until someone unlocks it.`
      }
      if (ws.currentRunId && ws.currentRunId !== run.id) {
        return `${head}: waiting for run ${ws.currentRunId} to finish${run.positionInQueue ? ` (position ${run.positionInQueue} in the queue)` : ''}: ${step.url(ws.currentRunId)}`
      }
    } catch (err) {
      if (!isTransient(err)) throw err
    }
  }
  if (run.positionInQueue) return `${head}: position ${run.positionInQueue} in the workspace's queue.`
  return `${head}: waiting for HCP Terraform to start it (the organization's concurrent run limit may be reached).`
}
