/**
 * Streams a run's plan and apply logs into the job log while the stages run, so the job log
 * reads like a local `terraform apply`, each stage in a group of its own.
 *
 * Source: each plan and apply has a `log-read-url`, an archivist blob URL (empty until the stage
 * starts) read with `?limit=N&offset=M` as it grows. The stream opens with STX (0x02) and closes
 * with ETX (0x03); a log without them ends when its stage's status is final (go-tfe's LogReader
 * and the Terraform CLI's cloud backend read it the same way).
 *
 * The URL is a secret (anyone holding it can read the log for a day): it is masked and never
 * printed. It is another origin than the API, so the token is never sent there: reads go through
 * boundedRequest (no Authorization header, a byte cap per read, one deadline, cut off on stop),
 * and do not count against the API's rate budget. The log host is outside data: a read never
 * keeps more than it asked for, a line never grows past MaxLineBytes, and lines are split in
 * linear time. A log that cannot be read is a warning, never a failure: the whole stream is an
 * optional part (common/optional.ts), and the run is followed all the same.
 */
import { OptionalPart, optionalBackground } from '../common/optional.js'
import type { Run, StageCounts } from '../tfe/runs.js'
import type { NewsSource } from '../tfe/urgency.js'
import { log } from '../common/job-log.js'
import { sleep } from '../common/timing.js'
import { BeforeApplyStatuses, BeforePlanStatuses, RunStatus } from '../tfe/statuses.js'
import { StageFinal, StageLog } from './stage-log.js'

export { LineSplitter, MaxLineBytes } from './lines.js'
export { ChunkBytes, MaxStageLogBytes } from './stage-log.js'

export interface LogStreamOptions {
  /** `Plan: org/ws`, `Apply: org/ws`, with the attempt when there are several. */
  title: (stage: 'plan' | 'apply') => string
  /** Pause between reads of a growing log. */
  intervalMs?: number
  /** Whole-exchange bound for one read. */
  readTimeoutMs?: number
  /** Print nothing (show_logs false): the logs are read for the summary and for the end of each stage only. */
  quiet?: boolean
  /** The step's stop (timeout, cancel): every read in flight is cut off when it fires. */
  signal?: AbortSignal
}

/** The logs of one run: its plan, then its apply, each streamed while its stage runs. */
export class RunLogs {
  readonly plan: StageLog
  readonly apply: StageLog
  private readonly intervalMs: number
  private readonly readTimeoutMs: number
  private loop: Promise<void> | undefined
  private stopped = false
  private wake: (() => void) | undefined
  private readonly quiet: boolean
  /** Fires on stop(), and with the step's own stop: no read outlives the stream. */
  private readonly ended = new AbortController()
  private readonly signal: AbortSignal
  /** Stage logs that stopped being read so far (read to their end, or given up on). */
  private endings = 0
  private readonly endWaiters = new Set<() => void>()

  constructor(options: LogStreamOptions) {
    this.quiet = options.quiet ?? false
    const ended = (): void => {
      this.endings++
      for (const wake of [...this.endWaiters]) wake()
    }
    this.plan = new StageLog('plan', options.title('plan'), this.quiet, ended)
    this.apply = new StageLog('apply', options.title('apply'), this.quiet, ended)
    this.intervalMs = options.intervalMs ?? 1000
    this.readTimeoutMs = options.readTimeoutMs ?? 10_000
    this.signal = options.signal ? AbortSignal.any([this.ended.signal, options.signal]) : this.ended.signal
  }

  /** What the last poll said about the stages; starts streaming as soon as a log URL appears. */
  observe(run: Run): void {
    this.note(this.plan, run.plan)
    this.note(this.apply, run.apply)
    // Quiet too: nothing is shown, but the log's end is the stage's end, read off the API's budget.
    this.start()
    this.wake?.()
  }

  /**
   * Whether the log of the stage a run in `status` is in (or waits for) is being read and will say
   * when the stage ends: it opened with STX (so an ETX will close it), or its stage has not started
   * yet; it is not over, and its host answered lately. The follow loop then reads the run rarely
   * (poll-schedule.ts) and at once when the log ends. A run waiting in the queue is read as rarely:
   * it is the log's STX and ETX that say what it does next.
   */
  leads(status: string, now: number = performance.now()): boolean {
    const waiting = BeforePlanStatuses.has(status) ? this.plan : BeforeApplyStatuses.has(status) ? this.apply : undefined
    const running = status === RunStatus.Planning ? this.plan : status === RunStatus.Applying ? this.apply : undefined
    const stage = waiting ?? running
    if (!stage || this.stopped || stage.done || now - stage.answeredAt > 3 * this.intervalMs) return false
    // Before its stage starts a log is empty, and will open with STX when it does; once the stage
    // runs, only a log that did open with it will close with ETX.
    return stage === waiting || stage.framed
  }

  /** How many stage logs have ended so far: what sleep() compares with. */
  get endedStages(): number {
    return this.endings
  }

  /**
   * Sleeps `ms`, or less: until a stage log ends after `seen` was read from `endedStages` (at once when
   * one already has). The step's stop cuts it short with its reason, as common/timing's sleep.
   */
  sleep(seen: number, ms: number, signal: AbortSignal): Promise<void> {
    return sleep(this.endings === seen ? ms : 0, signal, wake => this.onStageEnd(wake))
  }

  /**
   * The news a read of the run carries when a stage log ended after `seen` was read from
   * `endedStages`: also when it ends while the read is held by the pacer (client.ts). `expected`:
   * the log leads (leads()), so the read is a net that its end will make unneeded.
   */
  newsSince(seen: number, expected = false): NewsSource {
    return { known: () => this.endings !== seen, expected, onNews: wake => this.onStageEnd(wake) }
  }

  private onStageEnd(wake: () => void): () => void {
    this.endWaiters.add(wake)
    return () => this.endWaiters.delete(wake)
  }

  /** True when the plan's log was read to its end: the summary's list of changes is whole. */
  get planComplete(): boolean {
    return this.plan.complete
  }

  private start(): void {
    if (this.loop || !this.url() || this.stopped) return
    this.loop = this.run().catch((err: unknown) => {
      // A fault in reading or rendering ends the stream, never the step.
      this.stopped = true
      this.plan.finish()
      this.apply.finish()
      throw err
    })
    optionalBackground(OptionalPart.Logs, this.loop)
  }

  private url(): string {
    return this.plan.url || this.apply.url
  }

  private note(stage: StageLog, counts: StageCounts | undefined): void {
    if (!counts) return
    if (counts.logReadUrl && !stage.url) {
      log.mask(counts.logReadUrl)
      stage.url = counts.logReadUrl
    }
    stage.final = StageFinal.has(counts.status)
  }

  /** The stage to read now: the plan until its log is done, then the apply. */
  private current(): StageLog | undefined {
    if (!this.plan.done && this.plan.url) return this.plan
    if (!this.apply.done && this.apply.url) return this.apply
    return undefined
  }

  private async run(): Promise<void> {
    while (!this.stopped && !this.signal.aborted) {
      const stage = this.current()
      if (!stage) {
        if (this.plan.done && this.apply.done) return
        await this.idle()
        continue
      }
      const more = await stage.read(this.readTimeoutMs, this.signal)
      if (!more && !stage.done) await this.idle()
    }
  }

  /** Waits for the interval, or less when a poll brings news (a new stage, a final status). */
  private idle(): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(done, this.intervalMs)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wake = () => {
        this.wake = undefined
        done()
      }
    })
  }

  /**
   * The run has ended: read what is left of the logs, within `boundMs`, so their last lines (the
   * totals, the error) are in the job log and every change is in the summary before the step
   * reports. A log not read to its end by then is cut, and `planComplete` says so. Then stop.
   */
  async finish(run: Run, boundMs: number): Promise<void> {
    this.observe(run)
    for (const stage of [this.plan, this.apply]) stage.final = true
    this.start()
    const until = Date.now() + boundMs
    while (this.loop && !this.stopped && !this.signal.aborted && Date.now() < until && !(this.done(this.plan) && this.done(this.apply))) {
      this.wake?.()
      await sleep(Math.min(50, Math.max(1, until - Date.now())))
    }
    this.stop()
  }

  private done(stage: StageLog): boolean {
    return stage.done || !stage.url
  }

  stop(): void {
    this.stopped = true
    this.ended.abort()
    this.wake?.()
    this.plan.finish()
    this.apply.finish()
  }
}
