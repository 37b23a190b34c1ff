/**
 * One stage's log (the plan's or the apply's) as it is read from the log host: each read asks for
 * the next chunk from an offset, strips the STX that opens the stream and the ETX that closes it,
 * and prints (or, quietly, only digests) whole lines. stream.ts schedules the reads.
 */
import { boundedRequest } from '../tfe/signed-urls.js'
import { errorMessage } from '../common/errors.js'
import { log } from '../common/job-log.js'
import { LogDigest } from './render.js'
import { LineSplitter } from './lines.js'

const Stx = 0x02
const Etx = 0x03
/** What one read asks for, and the most it keeps: a host that ignores `?limit` gets no further. */
export const ChunkBytes = 262_144
/** The most one stage's log is read: past it, the log is cut off with a warning. */
export const MaxStageLogBytes = 512 * 1_048_576
/** Consecutive failed reads of one log before the step stops trying to show it. */
const MaxReadFailures = 5
export const StageFinal = new Set(['finished', 'errored', 'canceled', 'unreachable', 'force_canceled'])

export class StageLog {
  readonly digest = new LogDigest()
  url = ''
  final = false
  done = false
  /** The log was read to its end (its ETX, or an empty read once its stage was over). */
  complete = false
  /** The log opened with STX, so its ETX will say when the stage ends (go-tfe's LogReader trusts the same). */
  framed = false
  /** When a read last got an answer: a log host that stopped answering says nothing of the stage. */
  answeredAt = Number.NEGATIVE_INFINITY
  private offset = 0
  private started = false
  private failures = 0
  private readonly lines = new LineSplitter()
  private opened = false
  private readonly kind: 'plan' | 'apply'
  private readonly title: string
  private readonly quiet: boolean
  /** Told once when the log stops being read: its end was read, or it could not be. */
  private readonly ended: () => void

  constructor(kind: 'plan' | 'apply', title: string, quiet: boolean, ended: () => void) {
    this.kind = kind
    this.title = title
    this.quiet = quiet
    this.ended = ended
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
    this.answeredAt = performance.now()
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
      if (chunk[0] === Stx) {
        this.framed = true
        chunk = chunk.subarray(1)
      }
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
    this.ended()
    for (const line of this.lines.push(Buffer.alloc(0), true)) this.print(line)
    if (this.opened) log.endGroup()
  }

  private giveUp(why: string): void {
    if (this.quiet) log.debug(`The ${this.kind} log could not be read for the summary (${why}).`)
    else log.warning(`The ${this.kind} log cannot be shown (${why}); the run is followed all the same. Set show_logs: false to skip logs.`)
    this.finish()
  }
}
