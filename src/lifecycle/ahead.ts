/**
 * The reads a run's end needs that the run itself cannot change, started before its end as soon as
 * decideReadAhead says so: the workspace's outbound run triggers (which its apply fires) while it
 * plans, its JSON plan (kept in the step's plan cache for the review) beside its apply. Their
 * results wait until the run ends; a read that failed is made again then, where its failure is the
 * optional part's warning.
 */
import { listRunTriggers, type RunTriggerList } from '../tfe/run-triggers.js'
import type { Run } from '../tfe/runs.js'
import { inBackground, type Background } from '../tfe/urgency.js'
import type { Step } from './step.js'

/**
 * The longest a read ahead waits once decideReadAhead allows it, at a random point up to it: every
 * step of a fleet confirms when its plan ends, and plans that started together end together; the
 * reads spread over the stage instead of landing in the same second as the confirmations.
 */
export const MaxAheadSpreadMs = 5_000

type AheadRead = 'triggers' | 'plan'

export class ReadsAhead {
  /** The run the reads are for, and which of them have started. */
  private runId: string | undefined
  private readonly started = new Set<AheadRead>()
  private triggers: Promise<RunTriggerList> | undefined
  private readonly random: () => number
  private urgent = false
  /** Called when the run ends: reads waiting for their point, and reads held by the pacer. */
  private readonly onEnd = new Set<() => void>()
  private readonly background: Background = {
    waiting: () => !this.urgent,
    onUrgent: wake => this.whenEnded(wake)
  }

  constructor(random: () => number = Math.random) {
    this.random = random
  }

  /**
   * Starts the reads decideReadAhead allows for this run, each once per run, at a random point
   * within MaxAheadSpreadMs (and half the stage's average, so they are done before it usually is);
   * `signal` is the step's stop, which cuts them.
   */
  start(step: Step, run: Run, allowed: { triggers: boolean; plan: boolean }, signal: AbortSignal): void {
    if (run.id !== this.runId) {
      // A new run (a retry): nothing of the last one's reads is its.
      this.runId = run.id
      this.started.clear()
      this.triggers = undefined
      this.urgent = false
    }
    const ws = step.target
    if (allowed.triggers && !this.started.has('triggers')) {
      this.started.add('triggers')
      this.triggers = this.later(ws.planDurationAverageMs).then(() =>
        this.inBackground(() => listRunTriggers(step.client, ws.id, 'outbound', signal))
      )
      this.triggers.catch(() => undefined)
    }
    if (allowed.plan && !this.started.has('plan')) {
      this.started.add('plan')
      // Nothing is logged here: an apply's log may be streaming. The end reads again what failed.
      this.later(ws.applyDurationAverageMs)
        .then(() => this.inBackground(() => step.plans.read(run.plan?.id, signal)))
        .catch(() => undefined)
    }
  }

  /** The run ended: reads still waiting (for their point, or for room) go now, since the step waits for them. */
  now(): void {
    this.urgent = true
    for (const wake of [...this.onEnd]) wake()
  }

  /** The outbound run triggers read ahead for this run, or undefined when none was read for it (or the read failed). */
  async outboundTriggers(runId: string): Promise<RunTriggerList | undefined> {
    if (runId !== this.runId || !this.triggers) return undefined
    return await this.triggers.catch(() => undefined)
  }

  /** A random point within the spread, or at once when the run ends first. */
  private later(stageAverageMs: number | undefined): Promise<void> {
    const spreadMs = Math.min(MaxAheadSpreadMs, (stageAverageMs ?? 0) / 2)
    return new Promise<void>(resolve => {
      const go = (): void => {
        clearTimeout(timer)
        forget()
        resolve()
      }
      const timer = setTimeout(go, this.urgent ? 0 : this.random() * spreadMs)
      timer.unref?.()
      const forget = this.whenEnded(go)
    })
  }

  private whenEnded(wake: () => void): () => void {
    this.onEnd.add(wake)
    return () => this.onEnd.delete(wake)
  }

  /** They can wait (paced as polls, giving way to a crowded window) until the run ends. */
  private inBackground<T>(fn: () => Promise<T>): Promise<T> {
    return inBackground(this.background, fn)
  }
}
