/**
 * Pure decisions of what the follow loop says and reads on the way, beside decide.ts (which decides
 * what it does): when to say why a run is pending, when to read its policy checks and run tasks,
 * and when to start the reads its end needs.
 */
import {
  ApplyPhaseStatuses,
  AwaitingDecisionStatuses,
  PolicyStatuses,
  RunStatus,
  StageStatus,
  TaskRunningStatuses,
  TaskStatuses
} from '../tfe/statuses.js'
import type { RunFacts } from './decide.js'
import type { Operation } from '../action/names.js'

export const PendingFirstReportMs = 10_000
export const PendingReportEveryMs = 30_000
export const WorkspaceCheckEveryMs = 60_000

/** When the step last said why its run is pending, and last read the workspace to say it. */
export interface PendingClock {
  queuedAt: number
  nextReportAt: number
  lastWorkspaceCheckAt: number
}

export function pendingClock(queuedAt: number): PendingClock {
  return { queuedAt, nextReportAt: queuedAt + PendingFirstReportMs, lastWorkspaceCheckAt: -Infinity }
}

/**
 * Whether to say now why a pending run waits (first after 10 s, then every 30 s), and whether to
 * read the workspace for it (its lock, the run ahead; at most once a minute).
 */
export function decidePendingReport(
  now: number,
  clock: PendingClock
): { report: false } | { report: true; checkWorkspace: boolean; clock: PendingClock } {
  if (now < clock.nextReportAt) return { report: false }
  const checkWorkspace = now - clock.lastWorkspaceCheckAt >= WorkspaceCheckEveryMs
  return {
    report: true,
    checkWorkspace,
    clock: { ...clock, nextReportAt: now + PendingReportEveryMs, lastWorkspaceCheckAt: checkWorkspace ? now : clock.lastWorkspaceCheckAt }
  }
}

/** What the follow loop has seen of policy and run task stages, and reported. */
export interface ChecksSeen {
  policy: boolean
  policyReported: boolean
  tasks: boolean
  /** Task stages seen over (their `-completed-at` timestamps), to read the results once per stage. */
  tasksOver: number
}

export const NoChecksSeen: ChecksSeen = { policy: false, policyReported: false, tasks: false, tasksOver: 0 }

/**
 * Whether to read (and report) the run's policy checks and run task results now. A stage between
 * two polls is not missed: the run's status-timestamps say it went through it. Policies are read
 * once, after checking; task stages once each is over; both when the run errored outside its
 * plan and apply, to say which failed.
 */
export function decideChecks(
  run: Pick<RunFacts, 'status' | 'planStatus' | 'applyStatus'>,
  stamps: readonly string[],
  seen: ChecksSeen
): { readPolicy: boolean; readTasks: boolean; seen: ChecksSeen } {
  const status = run.status
  const unexplained = status === RunStatus.Errored && run.planStatus !== StageStatus.Errored && run.applyStatus !== StageStatus.Errored
  const policy = seen.policy || PolicyStatuses.has(status) || stamps.some(k => k.startsWith('policy-'))
  const tasksOver = stamps.filter(k => /^(pre|post)-(plan|apply)-completed-at$/.test(k)).length
  const tasks = seen.tasks || TaskStatuses.has(status) || AwaitingDecisionStatuses.has(status) || tasksOver > seen.tasksOver
  const readPolicy = (policy || unexplained) && !seen.policyReported && status !== RunStatus.PolicyChecking
  const readTasks = (tasks || unexplained) && !TaskRunningStatuses.has(status)
  return {
    readPolicy,
    readTasks,
    seen: { policy, policyReported: seen.policyReported || readPolicy, tasks: readTasks ? false : tasks, tasksOver }
  }
}

/**
 * Which of the reads the run's end needs may start now, before it ends: the workspace's outbound
 * run triggers (which an apply fires; nothing makes them part of the run) once the run plans, for
 * a step that applies; its JSON plan (for the review) once it is confirmed, past every stage that
 * could change its plan. Read then, they leave the run's end waiting only for the outputs; on a
 * token a fleet shares, each read after the end waits for room in the window, seconds per step,
 * and the plans of a fleet are its quietest stretch.
 */
export function decideReadAhead(run: Pick<RunFacts, 'status'>, operation: Operation): { triggers: boolean; plan: boolean } {
  const applying = ApplyPhaseStatuses.has(run.status)
  return { triggers: operation !== 'plan' && (run.status === RunStatus.Planning || applying), plan: applying }
}
