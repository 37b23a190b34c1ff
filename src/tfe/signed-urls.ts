/**
 * The one way to talk to the service's signed URLs on other origins (log reads, plan JSON
 * downloads, configuration uploads): never the token, never a redirect, at most `maxBytes` of
 * answer, within one deadline for the whole exchange, and cut off at once when the step is told
 * to stop. Not the JSON:API client (client.ts), which has retries and a rate budget of its own.
 *
 * Why not HttpClient.get: its promise can be raced, but the request under it goes on reading
 * (a host that ignores `?limit` and never ends its answer grew the step to 4 GiB). Here the
 * socket is destroyed on every way out: deadline, abort, too many bytes.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import type { Readable } from 'node:stream'
import { HttpClient } from '@actions/http-client'
import { UserAgent } from './statuses.js'
import { abortReason, errorMessage } from '../common/errors.js'
import { formatDuration } from '../common/timing.js'

export interface BoundedRequest {
  method?: 'GET' | 'PUT'
  headers?: Record<string, string>
  /** The request body (PUT); destroyed with the request. */
  body?: Readable
  /** The most answer bytes the step keeps. */
  maxBytes: number
  /** `truncate`: keep the first maxBytes and end the exchange (a log chunk); `fail`: reject (a document). */
  overflow: 'truncate' | 'fail'
  /** One deadline for the whole exchange: connect, send, answer headers and body. */
  timeoutMs: number
  signal?: AbortSignal
}

export interface BoundedAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** The answer was longer than maxBytes and was cut there (overflow `truncate`). */
  truncated: boolean
}

/** The other origin did not answer within its bounds (deadline, size) or broke off. */
export class BoundedRequestError extends Error {
  override name = 'BoundedRequestError'
  readonly kind: 'timeout' | 'too-large' | 'network'
  constructor(message: string, kind: 'timeout' | 'too-large' | 'network') {
    super(message)
    this.kind = kind
  }
}

// Only to pick the agent: it honours https_proxy / no_proxy the way every other request does.
// One per scheme: a client keeps the first agent it made and hands it out for every URL after,
// so an http URL after an https one would be sent through TLS (EPROTO), and the reverse in clear.
const agents = { https: new HttpClient(UserAgent), http: new HttpClient(UserAgent) }

export function boundedRequest(url: string, options: BoundedRequest): Promise<BoundedAnswer> {
  const { signal, maxBytes } = options
  return new Promise<BoundedAnswer>((resolve, reject) => {
    if (signal?.aborted) {
      options.body?.destroy()
      reject(abortReason(signal))
      return
    }
    let target: URL
    try {
      target = new URL(url)
    } catch {
      reject(new BoundedRequestError('the URL the service gave is not a URL', 'network'))
      return
    }
    const transport = target.protocol === 'https:' ? https : http
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    let request: http.ClientRequest | undefined

    // Either an error or an answer, never both: the one way out of the exchange.
    const settle = (err: Error | undefined, answer?: BoundedAnswer): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      // Every way out ends the exchange: nothing keeps reading behind a settled promise.
      request?.destroy()
      options.body?.destroy()
      if (answer && !err) resolve(answer)
      else reject(err ?? new BoundedRequestError('the exchange ended without an answer', 'network'))
    }
    const onAbort = (): void => settle(abortReason(signal))
    const timer = setTimeout(
      () => settle(new BoundedRequestError(`no complete answer within ${formatDuration(options.timeoutMs)}`, 'timeout')),
      options.timeoutMs
    )
    signal?.addEventListener('abort', onAbort, { once: true })

    try {
      request = transport.request(target, {
        method: options.method ?? 'GET',
        headers: { 'User-Agent': UserAgent, ...options.headers },
        agent: (target.protocol === 'https:' ? agents.https : agents.http).getAgent(url)
      })
    } catch (err) {
      settle(new BoundedRequestError(`the request could not be made (${errorMessage(err)})`, 'network'))
      return
    }
    request.on('error', err => settle(new BoundedRequestError(err.message, 'network')))
    request.on('response', response => {
      const status = response.statusCode ?? 0
      const answer = (truncated: boolean): BoundedAnswer => ({
        status,
        headers: response.headers,
        body: Buffer.concat(chunks, size),
        truncated
      })
      response.on('data', (chunk: Buffer) => {
        if (settled) return
        const room = maxBytes - size
        if (chunk.length > room) {
          if (options.overflow === 'fail') {
            settle(new BoundedRequestError(`the answer is larger than ${maxBytes} bytes`, 'too-large'))
            return
          }
          chunks.push(chunk.subarray(0, room))
          size += room
          settle(undefined, answer(true))
          return
        }
        chunks.push(chunk)
        size += chunk.length
      })
      response.on('end', () => settle(undefined, answer(false)))
      response.on('error', err => settle(new BoundedRequestError(err.message, 'network')))
      response.on('close', () => {
        if (!response.complete) settle(new BoundedRequestError('the connection closed before the answer was complete', 'network'))
      })
    })
    if (options.body) {
      options.body.on('error', err => settle(err))
      options.body.pipe(request)
    } else {
      request.end()
    }
  })
}
