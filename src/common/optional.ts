/**
 * The one boundary every optional part of the step goes through: the live logs (reading and
 * rendering), the policy check and run task lines, the change report (with the plan JSON
 * download), the job summary and the PR comment. Whatever goes wrong inside — an exception, a hang past its bound — becomes one
 * warning per part, and the run is followed and reported all the same. The run itself (queue,
 * confirm, stop, outputs) never goes through here: its failures are the step's.
 */
import { errorMessage } from './errors.js'
import { log } from './job-log.js'

export const OptionalPart = {
  Logs: 'the run logs',
  Checks: 'the policy check and run task report',
  ChangeReport: 'the change report',
  Summary: 'the job summary',
  Comment: 'the pull-request comment',
  TriggeredRuns: 'the report of the runs run triggers queued'
} as const
export type OptionalPart = (typeof OptionalPart)[keyof typeof OptionalPart]

const warned = new Set<OptionalPart>()

function warn(part: OptionalPart, why: string): void {
  // One warning per part: a renderer that fails on every line must not flood the job log.
  if (warned.has(part)) return
  warned.add(part)
  log.warning(`Skipped ${part} (${why}); the run is followed and reported all the same.`)
}

export interface OptionalBounds {
  /** The longest the part may take; past it, it is abandoned (its own signal fires). */
  boundMs: number
  /** The step's stop (timeout, cancel): the part is abandoned quietly, the step is stopping anyway. */
  signal?: AbortSignal
}

/**
 * Runs an optional part within its bound. `fn` gets a signal that fires when the bound passes
 * or the step stops, and must hand it to every request it makes; the part's promise is not
 * waited for past that point. Resolves to undefined when the part failed or was abandoned.
 */
export async function optional<T>(
  part: OptionalPart,
  fn: (signal: AbortSignal) => Promise<T>,
  bounds: OptionalBounds
): Promise<T | undefined> {
  const own = new AbortController()
  const signal = bounds.signal ? AbortSignal.any([own.signal, bounds.signal]) : own.signal
  let timer: NodeJS.Timeout | undefined
  let onStop: (() => void) | undefined
  const ended = new Promise<'bound' | 'stopped'>(resolve => {
    timer = setTimeout(() => resolve('bound'), bounds.boundMs)
    onStop = () => resolve('stopped')
    bounds.signal?.addEventListener('abort', onStop, { once: true })
    if (bounds.signal?.aborted) resolve('stopped')
  })
  try {
    const work = Promise.resolve().then(() => fn(signal))
    // The part may still reject after it was abandoned; that is no one's business any more.
    work.catch(() => undefined)
    const result = await Promise.race([work.then(value => ({ value })), ended])
    if (result === 'bound') {
      warn(part, `not done within ${Math.round(bounds.boundMs / 100) / 10} s`)
      return undefined
    }
    if (result === 'stopped') return undefined
    return result.value
  } catch (err) {
    if (!bounds.signal?.aborted) warn(part, errorMessage(err))
    return undefined
  } finally {
    clearTimeout(timer)
    // The step's signal lives as long as the step: one listener per part would pile up on it.
    if (onStop) bounds.signal?.removeEventListener('abort', onStop)
    own.abort(new Error(`${part} was abandoned`))
  }
}

/** The same boundary for a synchronous piece of an optional part (a poll handed to the log stream). */
export function optionalSync<T>(part: OptionalPart, fn: () => T): T | undefined {
  try {
    return fn()
  } catch (err) {
    warn(part, errorMessage(err))
    return undefined
  }
}

/** A background promise of an optional part: its rejection is a warning, never an unhandled rejection. */
export function optionalBackground(part: OptionalPart, work: Promise<unknown>): void {
  work.catch((err: unknown) => warn(part, errorMessage(err)))
}

/** Tests run many steps in one process: each starts with no part warned about. */
export function resetOptionalWarnings(): void {
  warned.clear()
}
