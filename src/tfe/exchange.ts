/** One exchange of the API client, bounded in time (the body included) and cut off when the step is told to stop. */
import { NetworkError, abortReason } from '../common/errors.js'

export interface ExchangeBounds {
  method: string
  path: string
  /** Named in the error. */
  host: string
  timeoutMs: number
  signal: AbortSignal | undefined
}

/**
 * Bounds a whole exchange, body included (a stalled stream otherwise outlives socketTimeout),
 * and cuts it off when the step is told to stop: the runner kills the step 7.5 s after a cancel,
 * and the step needs that time to stop its run, not to wait for a slow answer.
 */
export function exchangeWithin<R>(
  { method, path, host, timeoutMs, signal }: ExchangeBounds,
  fn: (onResponse: (destroy: () => void) => void) => Promise<R>
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let destroy: (() => void) | undefined
    const onAbort = (): void => {
      clearTimeout(timer)
      destroy?.()
      // Only ever called by the signal's own event, so the signal is there.
      if (signal) reject(abortReason(signal))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      destroy?.()
      reject(new NetworkError(`${method} ${path}: ${host} did not answer within ${timeoutMs / 1000} s`, method, path, 'ETIMEDOUT'))
    }, timeoutMs)
    fn(d => (destroy = d)).then(
      value => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    )
  })
}
