/**
 * The reads a run's end needs that its apply cannot change, started beside the apply once
 * decideReadAhead says so: the JSON plan (kept in the step's plan cache for the review) and the
 * workspace's outbound run triggers (which the apply fires). Their results wait until the run ends;
 * a read that failed is simply made again then, where its failure is the optional part's warning.
 */
import { listRunTriggers, type RunTriggerList } from '../tfe/run-triggers.js'
import type { Run } from '../tfe/runs.js'
import { inBackground, type Background } from '../tfe/client.js'
import type { Step } from './step.js'

/**
 * The longest the reads wait after the confirmation, at a random point up to it: every step of a
 * fleet confirms when its plan ends, and plans that started together end together; their reads
 * ahead spread over the apply instead of landing in the same second as the confirmations.
 */
export const MaxAheadSpreadMs = 5_000

export class ReadsAhead {
  private runId: string | undefined
  private triggers: Promise<RunTriggerList> | undefined
  private goNow: (() => void) | undefined
  private readonly random: () => number

  constructor(random: () => number = Math.random) {
    this.random = random
  }

  /**
   * Starts the reads for this run, once per run, at a random point within MaxAheadSpreadMs (and
   * half the workspace's average apply, so they are done before it usually is); `signal` is the
   * step's stop, which cuts them.
   */
  start(step: Step, run: Run, signal: AbortSignal): void {
    if (this.runId === run.id) return
    this.runId = run.id
    this.urgent = false
    const spreadMs = Math.min(MaxAheadSpreadMs, (step.target.applyDurationAverageMs ?? 0) / 2)
    const go = new Promise<void>(resolve => {
      const timer = setTimeout(resolve, this.random() * spreadMs)
      timer.unref?.()
      this.goNow = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    // They can wait (paced as polls, giving way to a crowded window) until the run ends.
    const background = <T>(fn: () => Promise<T>): Promise<T> => inBackground(this.background, fn)
    // Nothing is logged here: an apply's log may be streaming. The end reads again what failed.
    go.then(() => background(() => step.plans.read(run.plan?.id, signal))).catch(() => undefined)
    this.triggers = go.then(() => background(() => listRunTriggers(step.client, step.target.id, 'outbound', signal)))
    this.triggers.catch(() => undefined)
  }

  /** The run ended: reads still waiting (for their point, or for room) go now, since the step waits for them. */
  now(): void {
    this.goNow?.()
    this.urgent = true
    for (const wake of [...this.wakers]) wake()
  }

  private urgent = false
  private readonly wakers = new Set<() => void>()
  private readonly background: Background = {
    waiting: () => !this.urgent,
    onUrgent: wake => {
      this.wakers.add(wake)
      return () => this.wakers.delete(wake)
    }
  }

  /** The outbound run triggers read beside this run's apply, or undefined when none was read for it (or the read failed). */
  async outboundTriggers(runId: string): Promise<RunTriggerList | undefined> {
    if (runId !== this.runId || !this.triggers) return undefined
    return await this.triggers.catch(() => undefined)
  }
}
