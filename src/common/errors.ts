/** A bad input: the message names the input and what it accepts. Raised before any request. */
export class InputError extends Error {
  override name = 'InputError'
  readonly input: string
  constructor(input: string, message: string) {
    super(`Input '${input}': ${message}`)
    this.input = input
  }
}

export interface ApiErrorDetails {
  status: number
  method: string
  path: string
  /** True when sending the same request again may succeed (429, 5xx, a proxy's error page). */
  transient: boolean
  title?: string
  detail?: string
  /** Milliseconds the server asked us to wait (X-RateLimit-Reset or Retry-After), when it said. */
  retryAfterMs?: number
}

/** The API answered with an error status, or with something that is not the API. */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: number
  readonly method: string
  readonly path: string
  readonly transient: boolean
  readonly title: string | undefined
  readonly detail: string | undefined
  readonly retryAfterMs: number | undefined
  constructor(message: string, details: ApiErrorDetails) {
    super(message)
    this.status = details.status
    this.method = details.method
    this.path = details.path
    this.transient = details.transient
    this.title = details.title
    this.detail = details.detail
    this.retryAfterMs = details.retryAfterMs
  }
}

/** The request never got a complete answer (reset, refused, timed out): whether it was performed is unknown. */
export class NetworkError extends Error {
  override name = 'NetworkError'
  readonly method: string
  readonly path: string
  readonly code: string | undefined
  /** False when sending again cannot help: a certificate that is not trusted, a host that does not exist. */
  readonly transient: boolean
  constructor(message: string, method: string, path: string, code?: string, transient = true) {
    super(message)
    this.method = method
    this.path = path
    this.code = code
    this.transient = transient
  }
}

/** The step's run ended unsuccessfully, or could not be followed to its end. */
export class RunFailedError extends Error {
  override name = 'RunFailedError'
}

export type AbortReason = 'timeout' | 'cancelled'

/** The step was told to stop: timeout_minutes elapsed or the job was cancelled. */
export class AbortedError extends Error {
  override name = 'AbortedError'
  readonly reason: AbortReason
  constructor(message: string, reason: AbortReason) {
    super(message)
    this.reason = reason
  }
}

export function isTransient(err: unknown): boolean {
  return (err instanceof NetworkError || err instanceof ApiError) && err.transient
}

/** The signal's reason as the error to throw: what main.ts put there, or a plain cancellation. */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason
  return reason instanceof Error ? reason : new AbortedError('The step was cancelled.', 'cancelled')
}

/**
 * The errno code of a system error (`ENOENT`, `ECONNRESET`), if it is one. Not `instanceof Error`:
 * Node's own errors may come from another realm (a test runner's VM context).
 */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined
  return typeof err.code === 'string' ? err.code : undefined
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
