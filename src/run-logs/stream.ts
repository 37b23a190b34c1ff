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
import { boundedRequest } from '../tfe/signed-urls.js'
import { errorMessage } from '../common/errors.js'
import { log } from '../common/job-log.js'
import { LogDigest } from './render.js'
import { OptionalPart, optionalBackground } from '../common/optional.js'
import type { Run, StageCounts } from '../tfe/runs.js'
import { sleep } from '../common/timing.js'
import { LineSplitter } from './lines.js'

export { LineSplitter, MaxLineBytes } from './lines.js'

const Stx = 0x02
const Etx = 0x03
/** What one read asks for, and the most it keeps: a host that ignores `?limit` gets no further. */
export const ChunkBytes = 262_144
/** The most one stage's log is read: past it, the log is cut off with a warning. */
export const MaxStageLogBytes = 512 * 1_048_576
/** Consecutive failed reads of one log before the step stops trying to show it. */
const MaxReadFailures = 5
const StageFinal = new Set(['finished', 'errored', 'canceled', 'unreachable', 'force_canceled'])

export interface LogStreamOptions {
  /** `Plan: org/ws`, `Apply: org/ws`, with the attempt when there are several. */
  title: (stage: 'plan' | 'apply') => string
  /** Pause between reads of a growing log. */
  intervalMs?: number
  /** Whole-exchange bound for one read. */
  readTimeoutMs?: number
  /** Print nothing: read the logs once the run has ended, for the summary only (show_logs false). */
  quiet?: boolean
  /** The step's stop (timeout, cancel): every read in flight is cut off when it fires. */
  signal?: AbortSignal
}

class StageLog {
  readonly digest = new LogDigest()
  url = ''
  final = false
  done = false
  /** The log was read to its end (its ETX, or an empty read once its stage was over). */
  complete = false
  private offset = 0
  private started = false
  private failures = 0
  private readonly lines = new LineSplitter()
  private opened = false
  private readonly kind: 'plan' | 'apply'
  private readonly title: string
  private readonly quiet: boolean

  constructor(kind: 'plan' | 'apply', title: string, quiet: boolean) {
    this.kind = kind
    this.title = title
    this.quiet = quiet
  }

  /** One read: true when it got bytes (read again at once), false when there was nothing new. */
  async read(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    let body: Buffer
    try {
      const separator = this.url.includes('?') ? '&' : '?'
      const answer = await boundedRequest(`${this.url}${separator}limit=${ChunkBytes}&offset=${this.offset}`, {
        maxBytes: ChunkBytes,
        overflow: 'truncate',
        timeoutMs,
        signal
      })
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
        this.giveUp(`the log host answered ${answer.status}`)
        return false
      }
      if (answer.status < 200 || answer.status >= 300) throw new Error(`the log host answered ${answer.status}`)
      body = answer.body
    } catch (err) {
      if (signal.aborted) return false
      if (++this.failures >= MaxReadFailures) this.giveUp(errorMessage(err))
      return false
    }
    this.failures = 0
    if (body.length === 0) {
      // Nothing new. A log that never got its ETX ends when its stage has.
      if (this.final) {
        this.complete = true
        this.finish()
      }
      return false
    }
    this.offset += body.length
    let chunk = body
    if (!this.started) {
      this.started = true
      if (chunk[0] === Stx) chunk = chunk.subarray(1)
    }
    const ended = chunk.length > 0 && chunk[chunk.length - 1] === Etx
    if (ended) chunk = chunk.subarray(0, chunk.length - 1)
    for (const line of this.lines.push(chunk, ended)) this.print(line)
    if (ended) {
      this.complete = true
      this.finish()
    } else if (this.offset >= MaxStageLogBytes) {
      this.giveUp(`it is longer than ${MaxStageLogBytes / 1_048_576} MiB`)
    }
    return true
  }

  private print(line: string): void {
    if (this.quiet) {
      this.digest.render(line)
      return
    }
    if (!this.opened) {
      this.opened = true
      log.startGroup(this.title)
    }
    for (const out of this.digest.render(line)) log.info(out)
  }

  finish(): void {
    if (this.done) return
    this.done = true
    for (const line of this.lines.push(Buffer.alloc(0), true)) this.print(line)
    if (this.opened) log.endGroup()
  }

  private giveUp(why: string): void {
    if (this.quiet) log.debug(`The ${this.kind} log could not be read for the summary (${why}).`)
    else log.warning(`The ${this.kind} log cannot be shown (${why}); the run is followed all the same. Set show_logs: false to skip logs.`)
    this.finish()
  }
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

  constructor(options: LogStreamOptions) {
    this.quiet = options.quiet ?? false
    this.plan = new StageLog('plan', options.title('plan'), this.quiet)
    this.apply = new StageLog('apply', options.title('apply'), this.quiet)
    this.intervalMs = options.intervalMs ?? 1000
    this.readTimeoutMs = options.readTimeoutMs ?? 10_000
    this.signal = options.signal ? AbortSignal.any([this.ended.signal, options.signal]) : this.ended.signal
  }

  /** What the last poll said about the stages; starts streaming as soon as a log URL appears. */
  observe(run: Run): void {
    this.note(this.plan, run.plan)
    this.note(this.apply, run.apply)
    // Quiet: nothing is shown while the run goes on, so nothing is read until it has ended.
    if (!this.quiet) this.start()
    this.wake?.()
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
