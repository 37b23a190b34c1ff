/**
 * What an answer or a failure of the API means, as the step's errors say it: a network failure
 * (TLS, DNS, refused, reset) or an error status (redirect, 401, 404, 429, 5xx, a page that is not
 * the API), each naming the host and what to check. Not the sending itself (client.ts).
 */
import { ApiError, NetworkError } from '../common/errors.js'
import { isRecord, record } from '../common/json.js'

/** Certificate failures: sending again gets the same certificate, so they are not retried. */
const TlsErrorCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO'
])

/**
 * The only way the action talks to HCP Terraform. It retries what is safe to retry, honours the
 * rate-limit headers, and never follows redirects, so the token only ever goes to `baseUrl`.
 */

export function networkError(e: NodeJS.ErrnoException, method: string, path: string, host: string, hostSetting: string): NetworkError {
  const code = e.code ?? ''
  if (TlsErrorCodes.has(code)) {
    return new NetworkError(
      `${method} ${path}: the TLS connection to ${host} failed (${code}: ${e.message}). If ${host} uses a certificate from a private CA, give the runner that CA with the NODE_EXTRA_CA_CERTS environment variable (a PEM file); if the host name does not match the certificate, check ${hostSetting}.`,
      method,
      path,
      code,
      false
    )
  }
  if (code === 'ENOTFOUND') {
    return new NetworkError(
      `${method} ${path}: the host ${host} does not resolve (ENOTFOUND). Check ${hostSetting}.`,
      method,
      path,
      code,
      false
    )
  }
  if (code === 'EAI_AGAIN') {
    return new NetworkError(
      `${method} ${path}: the host ${host} could not be resolved just now (EAI_AGAIN). Check ${hostSetting} and the runner's DNS.`,
      method,
      path,
      code
    )
  }
  if (code === 'ECONNREFUSED') {
    return new NetworkError(
      `${method} ${path}: ${host} refused the connection (ECONNREFUSED). Check ${hostSetting} (and its port), and that the runner can reach it.`,
      method,
      path,
      code
    )
  }
  return new NetworkError(`${method} ${path}: no answer from ${host} (${code || e.message})`, method, path, code)
}

export function apiError(
  status: number,
  method: string,
  path: string,
  text: string,
  json: unknown,
  headers: Record<string, string | string[] | undefined>,
  host: string,
  hostSetting: string
): ApiError {
  const first = firstError(json)
  const base = { status, method, path, title: first?.title, detail: first?.detail }
  const said = first ? [first.title, first.detail].filter(Boolean).join(': ') : json === undefined && text.trim() ? snippet(text) : ''
  const suffix = said ? ` (${said})` : ''
  if (status >= 300 && status < 400) {
    const location = headerValue(headers, 'location') ?? 'nowhere'
    return new ApiError(
      `${method} ${path} was redirected (${status}) to ${location}; the action does not follow redirects, so the token is only sent to ${host}. Check ${hostSetting}.`,
      { ...base, transient: false }
    )
  }
  if (status === 401) {
    return new ApiError(
      `${host} rejected the token (401 Unauthorized) on ${method} ${path}. Check the 'token' input (or TFE_TOKEN): it may be wrong, expired or revoked, or belong to another host than '${host}'.`,
      { ...base, transient: false }
    )
  }
  if (status === 429) {
    const retryAfterMs =
      secondsHeader(headerValue(headers, 'x-ratelimit-reset')) ?? secondsHeader(headerValue(headers, 'retry-after')) ?? undefined
    return new ApiError(`${method} ${path}: rate limited by ${host} (429)${suffix}.`, {
      ...base,
      transient: true,
      retryAfterMs: retryAfterMs === undefined ? undefined : Math.max(retryAfterMs, 100)
    })
  }
  if (status === 404) {
    return new ApiError(`${method} ${path}: not found (404), or the token is not allowed to see it${suffix}.`, {
      ...base,
      transient: false
    })
  }
  if (status >= 500) {
    return new ApiError(`${method} ${path}: ${host} answered ${status}${suffix}.`, { ...base, transient: true })
  }
  // A 4xx page that is not JSON:API did not come from the API (a WAF, a proxy): say so.
  const origin = json === undefined ? ' The answer is not from the API; a proxy or firewall may be in the way.' : ''
  return new ApiError(`${method} ${path}: ${host} answered ${status}${suffix}.${origin}`, { ...base, transient: false })
}

export { parseJson } from '../common/json.js'

/** Every answer the action reads is a JSON:API document: an object with `data` (or `errors`). */
export function isJsonApi(json: unknown): boolean {
  return isRecord(json) && ('data' in json || 'errors' in json)
}

function firstError(json: unknown): { title?: string; detail?: string } | undefined {
  const errors: unknown = record(json).errors
  if (!Array.isArray(errors) || errors.length === 0) return undefined
  const e = record(errors[0])
  return {
    title: typeof e.title === 'string' ? e.title : undefined,
    detail: typeof e.detail === 'string' ? e.detail : undefined
  }
}

export function snippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return `"${flat.slice(0, 120)}${flat.length > 120 ? '…' : ''}"`
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** X-RateLimit-Reset and Retry-After as milliseconds; both are (float) seconds here. */
export function secondsHeader(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
