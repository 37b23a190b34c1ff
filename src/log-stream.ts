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
 * their own HTTP client with no Authorization header, and do not count against the API's rate
 * budget. A log that cannot be read is a warning, never a failure; the run is followed all the same.
 */
import type { HttpClient } from '@actions/http-client'
import { signedUrlClient } from './api-client.js'
import { errorMessage } from './errors.js'
import { log } from './log.js'
import { LogDigest } from './log-render.js'
import type { Run, StageCounts } from './tfe.js'
import { sleep, withDeadline } from './timing.js'

const Stx = 0x02
const Etx = 0x03
const ChunkBytes = 65_536
/** Consecutive failed reads of one log before the step stops trying to show it. */
const MaxReadFailures = 5
const StageFinal = new Set(['finished', 'errored', 'canceled', 'unreachable', 'force_canceled'])

export interface LogStreamOptions {
  /** `Plan: org/ws`, `Apply: org/ws`, with the attempt when there are several. */
  title: (stage: 'plan' | 'apply') => string
  /** Pause between reads of a growing log. */
  intervalMs?: number
  /** Whole-request bound for one read. */
  readTimeoutMs?: number
  /** Print nothing: read the logs once the run has ended, for the summary only (show_logs false). */
  quiet?: boolean
}

class StageLog {
  readonly digest = new LogDigest()
  url = ''
  final = false
  done = false
  private offset = 0
  private started = false
  private failures = 0
  private pending = Buffer.alloc(0)
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
  async read(http: HttpClient, timeoutMs: number): Promise<boolean> {
    let body: Buffer
    try {
      const separator = this.url.includes('?') ? '&' : '?'
      const late = `no answer from the log host within ${timeoutMs / 1000} s`
      const response = await withDeadline(http.get(`${this.url}${separator}limit=${ChunkBytes}&offset=${this.offset}`), timeoutMs, late)
      const status = response.message.statusCode ?? 0
      // Bytes, not text: a chunk may end inside a multi-byte character.
      body = await withDeadline(
        response.readBodyBuffer ? response.readBodyBuffer() : response.readBody().then(t => Buffer.from(t)),
        timeoutMs,
        late
      )
      if (status === 401 || status === 403 || status === 404) {
        this.giveUp(`the log host answered ${status}`)
        return false
      }
      if (status < 200 || status >= 300) throw new Error(`the log host answered ${status}`)
    } catch (err) {
      if (++this.failures >= MaxReadFailures) this.giveUp(errorMessage(err))
      return false
    }
    this.failures = 0
    if (body.length === 0) {
      // Nothing new. A log that never got its ETX ends when its stage has.
      if (this.final) this.finish()
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
    this.emit(chunk, ended)
    if (ended) this.finish()
    return true
  }

  /** Prints whole lines; a partial last line waits for the rest (or the end). */
  private emit(chunk: Buffer, flush: boolean): void {
    this.pending = Buffer.concat([this.pending, chunk])
    let newline: number
    while ((newline = this.pending.indexOf(0x0a)) !== -1) {
      this.print(this.pending.subarray(0, newline).toString('utf8').replace(/\r$/, ''))
      this.pending = this.pending.subarray(newline + 1)
    }
    if (flush && this.pending.length) {
      this.print(this.pending.toString('utf8'))
      this.pending = Buffer.alloc(0)
    }
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
    if (this.pending.length) this.emit(Buffer.alloc(0), true)
    this.done = true
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
  private readonly http: HttpClient
  private readonly intervalMs: number
  private readonly readTimeoutMs: number
  private loop: Promise<void> | undefined
  private stopped = false
  private wake: (() => void) | undefined
  private readonly quiet: boolean

  constructor(options: LogStreamOptions) {
    this.quiet = options.quiet ?? false
    this.plan = new StageLog('plan', options.title('plan'), this.quiet)
    this.apply = new StageLog('apply', options.title('apply'), this.quiet)
    this.intervalMs = options.intervalMs ?? 1000
    this.readTimeoutMs = options.readTimeoutMs ?? 10_000
    // No Authorization header ever: the log URL is signed, and it is another origin.
    this.http = signedUrlClient(this.readTimeoutMs, true)
  }

  /** What the last poll said about the stages; starts streaming as soon as a log URL appears. */
  observe(run: Run): void {
    this.note(this.plan, run.plan)
    this.note(this.apply, run.apply)
    // Quiet: nothing is shown while the run goes on, so nothing is read until it has ended.
    if (!this.quiet) this.loop ??= this.url() ? this.run() : undefined
    this.wake?.()
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
    while (!this.stopped) {
      const stage = this.current()
      if (!stage) {
        if (this.plan.done && this.apply.done) return
        await this.idle()
        continue
      }
      const more = await stage.read(this.http, this.readTimeoutMs)
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
   * totals, the error) are in the job log before the step reports. Then stop.
   */
  async finish(run: Run, boundMs: number): Promise<void> {
    this.observe(run)
    for (const stage of [this.plan, this.apply]) stage.final = true
    this.loop ??= this.url() ? this.run() : undefined
    const until = Date.now() + boundMs
    while (this.loop && Date.now() < until && !(this.done(this.plan) && this.done(this.apply))) {
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
    this.wake?.()
    this.plan.finish()
    this.apply.finish()
    this.http.dispose()
  }
}
