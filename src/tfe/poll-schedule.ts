/**
 * When to read the run next: quick after a change, sparse while a stage is far from its expected
 * end, dense around it, and slowing to a cap when nothing is known.
 *
 * Why: every read costs a share of the organization's API budget (shared by all parallel jobs),
 * but a late read costs the job minutes. With no knowledge of when a run will end, reading every
 * T seconds gives an average lag of T/2 at 60/T requests a minute; the only way to do better on
 * both is to read where the end is likely. HCP Terraform tells us where: each workspace carries
 * `plan-duration-average` and `apply-duration-average`. So, for `planning` and `applying`:
 *   - before 70 % of the average, read rarely (up to sparseMaxMs apart);
 *   - from 70 % to 130 % of it, read every denseMs (a fifth of the average for short stages);
 *   - past 130 %, fall back to the general rule.
 * General rule, for every other status and for workspaces without averages: the first read after
 * a change comes after firstMs (short statuses such as confirmed, apply_queued or cost_estimating
 * pass within seconds), then the gap grows by `growth` up to capMs (pendingCapMs while the run
 * waits in the queue, where leaving it ends nothing).
 * Peers for comparison: the provider reads every 1 s growing to 3 s, HashiCorp's tfci 2–7 s on a
 * Fibonacci ramp, the hashicorp-forge action every 4 s.
 * While a stage's log is streamed (an archivist log opened with STX, read healthily), or is read
 * while the run waits for its stage, the log says when the stage ends: its ETX. Then a read of the
 * run is a net for what the log does not show (a run someone cancels or discards, a log whose ETX
 * never comes) and comes at least logLedMs apart, as go-tfe's LogReader asks about the plan every
 * 5 s of a log without ETX; the follow loop reads at once when the log ends. The log host is not
 * the API's budget, so a fleet on one token polls less.
 * Not the shared rate limit: the client's pacer (tfe/pacing.ts) holds a poll until the budget
 * allows it, so under load a read comes after max(this delay, the pacer's gap), and alone this
 * schedule is all there is. One place decides pacing, for every repeated read, polls or not.
 */
import { BeforeApplyStatuses, BeforePlanStatuses, RunStatus } from './statuses.js'

/** The statuses whose stage writes the log that is streamed (the plan's and the apply's), or waits to. */
const LogStages: ReadonlySet<string> = new Set([RunStatus.Planning, RunStatus.Applying, ...BeforePlanStatuses, ...BeforeApplyStatuses])

export interface PollScheduleOptions {
  firstMs: number
  growth: number
  capMs: number
  pendingCapMs: number
  denseMs: number
  sparseMaxMs: number
  /** The least gap between reads while the stage's log leads. */
  logLedMs: number
}

export const DefaultPollSchedule: PollScheduleOptions = {
  firstMs: 1250,
  growth: 1.5,
  capMs: 3000,
  pendingCapMs: 6000,
  denseMs: 2500,
  sparseMaxMs: 10_000,
  logLedMs: 5000
}

/** Expected duration of a status, in ms, when the workspace says (plan/apply averages). */
export type StageExpectations = Partial<Record<string, number>>

export class PollSchedule {
  private readonly options: PollScheduleOptions
  private readonly expected: StageExpectations
  private status = ''
  private stageStart = 0
  private current: number

  constructor(options: PollScheduleOptions = DefaultPollSchedule, expected: StageExpectations = {}) {
    this.options = options
    this.expected = expected
    this.current = options.firstMs
  }

  /** The step just acted on the run (confirmed it): the next status follows quickly. */
  reset(): void {
    this.current = this.options.firstMs
  }

  /**
   * Delay before the next read, given the status just read; `logLeads` when that status's stage
   * log is being read and will say when the stage ends.
   */
  next(status: string, now: number = performance.now(), logLeads = false): number {
    const o = this.options
    if (status !== this.status) {
      this.status = status
      this.stageStart = now
      this.current = o.firstMs
    }
    const delay = this.scheduled(status, now)
    return logLeads && LogStages.has(status) ? Math.max(delay, o.logLedMs) : delay
  }

  private scheduled(status: string, now: number): number {
    const o = this.options
    const elapsed = now - this.stageStart
    const expected = this.expected[status]
    if (expected && expected > 0 && elapsed < 1.3 * expected) {
      const denseFrom = 0.7 * expected
      if (elapsed < denseFrom) return Math.max(o.firstMs, Math.min(denseFrom - elapsed, o.sparseMaxMs))
      return Math.max(o.firstMs, Math.min(o.denseMs, expected / 5))
    }
    const cap = status === RunStatus.Pending ? o.pendingCapMs : o.capMs
    const delay = Math.min(this.current, cap)
    this.current = Math.min(this.current * o.growth, cap)
    return delay
  }
}
