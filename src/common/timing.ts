/** Time for every layer: an abortable sleep, and durations as the step's messages write them. */
import { abortReason } from './errors.js'

/**
 * Waits `ms`, or rejects as soon as `signal` aborts; never keeps the process alive on its own.
 * `wakeOn`, when given, is handed a function that ends the wait early, and returns how to forget it.
 */
export function sleep(ms: number, signal?: AbortSignal, wakeOn?: (wake: () => void) => () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal))
      return
    }
    // Set last: the wake must exist before it can be handed out.
    const woken: { forget?: () => void } = {}
    const settle = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      woken.forget?.()
    }
    const onAbort = (): void => {
      settle()
      reject(abortReason(signal))
    }
    const wake = (): void => {
      settle()
      resolve()
    }
    const timer = setTimeout(wake, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    woken.forget = wakeOn?.(wake)
  })
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`
}

export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000)
  const m = Math.floor(total / 60)
  const s = total % 60
  return m > 0 ? `${m} min ${s} s` : `${s} s`
}
