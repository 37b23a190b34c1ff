import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { TfeClient } from '../../src/tfe/client.js'
import { Pacer } from '../../src/tfe/pacing.js'
import type { Urgency } from '../../src/tfe/urgency.js'
import { StandIn } from '../../stand-in/server.ts'
import { AbortedError, ApiError, NetworkError } from '../../src/common/errors.js'
import { useNockAndCapture } from '../helpers/env.ts'
import { stepFacts, textFacts, type TextFacts } from '../helpers/step-facts.ts'
import { createRun, findRunsByMarker, getRun, type CreateRunOptions } from '../../src/tfe/runs.js'
import { listPolicyChecks } from '../../src/tfe/policy-checks.js'
import { runDocument, runResource } from '../../stand-in/documents.ts'

const host = 'https://tfe.example.com'
const ok = { data: { id: 'ws-1', type: 'workspaces', attributes: { name: 'network' } } }

function client(extra: Partial<ConstructorParameters<typeof TfeClient>[0]> = {}): TfeClient {
  // As main.ts makes it: messages about the host name the input that sets it.
  return new TfeClient({ baseUrl: host, token: 'tok-secret', backoffBaseMs: 10, hostSetting: "the 'hostname' input", ...extra })
}

describe('TfeClient', () => {
  const out = useNockAndCapture()

  it('sends the bearer token and JSON:API headers', async () => {
    const scope = nock(host, { reqheaders: { authorization: 'Bearer tok-secret', accept: 'application/vnd.api+json' } })
      .post('/api/v2/runs', { data: { type: 'runs' } })
      .matchHeader('content-type', 'application/vnd.api+json')
      .reply(201, ok)
    const c = client()
    await c.request('POST', '/api/v2/runs', { idempotent: false, body: { data: { type: 'runs' } } })
    scope.done()
    c.dispose()
  })

  // Connection resets are exercised against the stand-in (real sockets): nock's replyWithError
  // does not reach @actions/http-client's error handler.
  it('retries 5xx and proxy HTML pages on reads, then succeeds', async () => {
    const scope = nock(host)
      .get('/api/v2/x')
      .reply(502, '<html><body>Bad Gateway</body></html>', { 'Content-Type': 'text/html' })
      .get('/api/v2/x')
      .reply(500, { errors: [{ status: '500', title: 'internal error' }] })
      .get('/api/v2/x')
      .reply(503, { errors: [{ status: '503', title: 'unavailable' }] })
      .get('/api/v2/x')
      .reply(200, ok)
    const c = client()
    await expect(c.get('/api/v2/x')).resolves.toEqual(ok)
    expect(c.stats).toMatchObject({ requests: 4, retries: 3 })
    scope.done()
    c.dispose()
  })

  it('gives up on a read after maxAttempts and says what failed', async () => {
    nock(host).get('/api/v2/x').times(3).reply(502, 'Bad Gateway', { 'Content-Type': 'text/html' })
    const c = client({ maxAttempts: 3 })
    const err = await c.get('/api/v2/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    // What failed: the request, the status, the page's text; and that it was worth retrying.
    expect(err).toMatchObject({ method: 'GET', path: '/api/v2/x', status: 502, transient: true })
    expect(textFacts((err as ApiError).message).statuses).toEqual([502])
    expect((err as ApiError).message).toMatch(/^GET \/api\/v2\/x: tfe\.example\.com\b.*"Bad Gateway"/)
    expect(c.stats.requests).toBe(3)
    c.dispose()
  })

  it('does not re-send a create after an ambiguous failure: the caller must look first', async () => {
    const scope = nock(host)
      .post('/api/v2/runs')
      .reply(502, { errors: [{ title: 'bad gateway' }] })
    const c = client()
    await expect(c.request('POST', '/api/v2/runs', { idempotent: false, body: {} })).rejects.toMatchObject({ status: 502, transient: true })
    expect(c.stats.requests).toBe(1)
    scope.done()
    c.dispose()
  })

  it('waits for X-RateLimit-Reset after a 429, for creates too', async () => {
    const scope = nock(host)
      .post('/api/v2/runs')
      .reply(
        429,
        { errors: [{ detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' }] },
        {
          'X-RateLimit-Reset': '0.3'
        }
      )
      .post('/api/v2/runs')
      .reply(201, ok)
    const c = client()
    const started = performance.now()
    await c.request('POST', '/api/v2/runs', { idempotent: false, body: {} })
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(c.stats.rateLimited).toBe(1)
    // A line names the host, the request and the wait the host asked for.
    const waits = stepFacts(out.text())
      .lines.filter(l => l.includes('tfe.example.com') && l.includes('POST /api/v2/runs'))
      .map(l => textFacts(l).seconds.length)
    expect(waits).toEqual([1])
    scope.done()
    c.dispose()
  })

  it('honours Retry-After when there is no X-RateLimit-Reset', async () => {
    nock(host).get('/api/v2/x').reply(429, {}, { 'Retry-After': '0.2' }).get('/api/v2/x').reply(200, ok)
    const c = client()
    const started = performance.now()
    await c.get('/api/v2/x')
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    c.dispose()
  })

  it('holds the next request when the budget is spent instead of collecting a 429', async () => {
    nock(host)
      .get('/api/v2/a')
      .reply(200, ok, { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '0.25' })
      .get('/api/v2/b')
      .reply(200, ok)
    const c = client()
    await c.get('/api/v2/a')
    const started = performance.now()
    await c.get('/api/v2/b')
    expect(performance.now() - started).toBeGreaterThanOrEqual(240)
    c.dispose()
  })

  it('never sends a create into a window an answer said is spent: it goes at the reset it was given', async () => {
    const seen: { method: string; at: number }[] = []
    const at = (method: string) => () => (seen.push({ method, at: performance.now() }), true)
    nock(host)
      .get('/api/v2/runs/run-0')
      .reply(function () {
        at('GET')()
        return [200, ok, { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '0.4' }]
      })
      .post('/api/v2/runs', at('POST'))
      .reply(201, ok)
    const c = client({ pacer: new Pacer({ maxWaitMs: 60_000, random: () => 0 }) })
    await c.get('/api/v2/runs/run-0')
    await c.request('POST', '/api/v2/runs', { idempotent: false, body: {} })
    expect(seen.map(r => r.method)).toEqual(['GET', 'POST'])
    // Timers may fire a millisecond early on some platforms; the reset was 400 ms.
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(398)
    c.dispose()
  })

  it('a read held by the pacer goes at once when its news arrives during the hold (a stage log that ended)', async () => {
    // A pacer that holds a poll for ten minutes and lets a read with news go at once.
    const asked: (Urgency | undefined)[] = []
    class Holding extends Pacer {
      override delayMs(_method: string, _path: string, _now: number, urgency?: Urgency): number {
        asked.push(urgency)
        return urgency === 'news' ? 0 : 600_000
      }
    }
    const wakers = new Set<() => void>()
    let arrived = false
    // Expected: the stage's log streams, so until its end the read is a net.
    const news = { known: () => arrived, expected: true, onNews: (wake: () => void) => (wakers.add(wake), () => wakers.delete(wake)) }
    nock(host).get('/api/v2/runs/run-1').reply(200, ok)
    const c = client({ pacer: new Holding({ maxWaitMs: 60_000, random: () => 0 }) })
    const read = c.request('GET', '/api/v2/runs/run-1', { idempotent: true, news })
    setTimeout(() => {
      arrived = true
      for (const wake of [...wakers]) wake()
    }, 20)
    await expect(read).resolves.toMatchObject({ status: 200 })
    expect(asked).toEqual(['net', 'news'])
    // The hold forgot its waker once it was woken.
    expect(wakers.size).toBe(0)
    c.dispose()
  })

  it('re-sends a refused confirmation only after the reset the 429 gave', async () => {
    const seen: number[] = []
    const path = '/api/v2/runs/run-1/actions/apply'
    nock(host)
      .post(path)
      .reply(function () {
        seen.push(performance.now())
        return [
          429,
          { errors: [{ status: '429', title: 'Too many requests' }] },
          { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '0.3' }
        ]
      })
      .post(path)
      .reply(function () {
        seen.push(performance.now())
        return [202, '']
      })
    const c = client()
    await expect(c.request('POST', path, { idempotent: true, body: {} })).resolves.toMatchObject({ status: 202 })
    expect(seen).toHaveLength(2)
    expect((seen[1] ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(298)
    expect(c.stats.rateLimited).toBe(1)
    c.dispose()
  })

  it('keeps the run-list budget apart: a 429 on a run list holds neither reads of the run nor its confirmation', async () => {
    let listed = 0
    let listSeen: () => void = () => undefined
    const firstList = new Promise<void>(resolve => (listSeen = resolve))
    nock(host)
      .get(/^\/api\/v2\/workspaces\/ws-1\/runs/)
      .times(2)
      .reply(function () {
        listed++
        listSeen()
        return [
          429,
          { errors: [{ status: '429' }] },
          { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '40' }
        ]
      })
      .get('/api/v2/runs/run-1')
      .reply(200, ok, { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '29', 'X-RateLimit-Reset': '0.1' })
      .post('/api/v2/runs/run-1/actions/apply')
      .reply(202, '')
    const c = client()
    const stop = new AbortController()
    const list = c.request('GET', '/api/v2/workspaces/ws-1/runs?page%5Bsize%5D=20', { idempotent: true, signal: stop.signal })
    await firstList
    await expect(c.get('/api/v2/runs/run-1')).resolves.toEqual(ok)
    await expect(c.request('POST', '/api/v2/runs/run-1/actions/apply', { idempotent: true, body: {} })).resolves.toMatchObject({
      status: 202
    })
    // The run list itself is still waiting out its own reset.
    expect(listed).toBe(1)
    stop.abort(new AbortedError('The job was cancelled.', 'cancelled'))
    await expect(list).rejects.toBeInstanceOf(AbortedError)
    c.dispose()
  })

  it.each<[number, Partial<TextFacts>]>([
    [401, { statuses: [401], inputs: ['token'] }],
    [404, { statuses: [404], inputs: [] }],
    [409, { statuses: [409], inputs: [] }],
    [422, { statuses: [422], inputs: [] }]
  ])('does not retry %i and explains it', async (status, facts) => {
    const body =
      status === 422
        ? { errors: [{ status: '422', title: 'unprocessable entity', detail: 'Configuration version is missing' }] }
        : { errors: [{ status: String(status), title: status === 409 ? 'transition not allowed' : 'x' }] }
    const scope = nock(host).get('/api/v2/x').reply(status, body)
    const c = client()
    const err = (await c.get('/api/v2/x').catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(status)
    expect(err.transient).toBe(false)
    expect(textFacts(err.message)).toMatchObject(facts)
    // What the API said (its title, its detail) is passed on.
    const said = body.errors[0] as { title: string; detail?: string }
    if (status === 409 || status === 422) expect(err.message).toContain(`${said.title}${said.detail ? `: ${said.detail}` : ''}`)
    expect(err.message).not.toContain('tok-secret')
    expect(c.stats.requests).toBe(1)
    scope.done()
    c.dispose()
  })

  it('refuses to follow a redirect, so the token never leaves the API host', async () => {
    const elsewhere = nock('https://evil.example.net').get('/steal').reply(200, ok)
    nock(host).get('/api/v2/x').reply(302, '', { Location: 'https://evil.example.net/steal' })
    const c = client()
    const err = (await c.get('/api/v2/x').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    // The error names the status, where it pointed, and the input to check.
    expect(textFacts(err.message)).toMatchObject({ statuses: [302], urls: ['https://evil.example.net/steal'], inputs: ['hostname'] })
    expect(elsewhere.isDone()).toBe(false)
    c.dispose()
  })

  it('bounds a request whose answer never comes', async () => {
    nock(host).get('/api/v2/x').delay(600).reply(200, ok)
    const c = client({ requestTimeoutMs: 150, maxAttempts: 1 })
    const err = await c.get('/api/v2/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(textFacts((err as Error).message).seconds).toEqual([0.15])
    c.dispose()
  })

  it('treats a 200 that is not JSON as a proxy problem worth retrying', async () => {
    nock(host).get('/api/v2/x').reply(200, '<html>captive portal</html>').get('/api/v2/x').reply(200, ok)
    const c = client()
    await expect(c.get('/api/v2/x')).resolves.toEqual(ok)
    expect(out.text()).toMatch(/not JSON.*proxy/)
    c.dispose()
  })

  it('caps an absurd rate-limit reset (an hour) and says so', async () => {
    nock(host)
      .get('/api/v2/x')
      .reply(429, { errors: [{ status: 429, title: 'Too many requests' }] }, { 'X-RateLimit-Reset': '3600' })
      .get('/api/v2/x')
      .reply(200, ok)
    const c = client({ maxRateLimitWaitMs: 200 })
    await expect(c.get('/api/v2/x')).resolves.toEqual(ok)
    // A line with the wait asked for and the (capped) wait taken.
    const waits = stepFacts(out.text())
      .lines.filter(l => l.includes('tfe.example.com') && l.includes('GET /api/v2/x'))
      .map(l => textFacts(l).seconds)
    // Taken: the capped reset, spread, and the pacing a 429 brings (its rate halved): seconds, not an hour.
    expect(waits.map(([asked, taken]) => [asked, (taken as number) < 5])).toEqual([[3600, true]])
    c.dispose()
  })

  it('does not hold the client for an hour when X-RateLimit-Reset is absurd on a spent budget', async () => {
    nock(host)
      .get('/api/v2/a')
      .reply(200, ok, { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '3600' })
      .get('/api/v2/b')
      .reply(200, ok)
    const c = client({ maxRateLimitWaitMs: 100 })
    await c.get('/api/v2/a')
    await expect(c.get('/api/v2/b')).resolves.toEqual(ok)
    c.dispose()
  })

  it('answers a 2xx whose JSON is not JSON:API with a clear, non-retried error', async () => {
    nock(host).get('/api/v2/x').reply(200, { status: 'ok' })
    const c = client({ hostSetting: "the 'hostname' input" })
    const err = (await c.get('/api/v2/x').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.transient).toBe(false)
    expect(textFacts(err.message)).toMatchObject({ statuses: [200], inputs: ['hostname'] })
    expect(c.stats.requests).toBe(1)
    c.dispose()
  })

  it('golden: how the client words a failed request', async () => {
    nock(host)
      .get('/api/v2/x')
      .reply(401, { errors: [{ status: '401', title: 'unauthorized' }] })
    nock(host)
      .get('/api/v2/y')
      .reply(409, { errors: [{ status: '409', title: 'transition not allowed' }] })
    const c = client()
    const messages = await Promise.all(['/api/v2/x', '/api/v2/y'].map(path => c.get(path).catch((e: unknown) => (e as Error).message)))
    expect(messages).toEqual([
      "tfe.example.com rejected the token (401 Unauthorized) on GET /api/v2/x. Check the 'token' input (or TFE_TOKEN): it may be wrong, expired or revoked, or belong to another host than 'tfe.example.com'.",
      'GET /api/v2/y: tfe.example.com answered 409 (transition not allowed).'
    ])
    c.dispose()
  })

  it('sends nothing once the signal has fired, and cuts an in-flight request off when it fires', async () => {
    const posted = nock(host).post('/api/v2/runs/run-1/actions/apply').reply(202, '')
    const c = client()
    const stopped = new AbortController()
    stopped.abort(new AbortedError('Timed out.', 'timeout'))
    await expect(
      c.request('POST', '/api/v2/runs/run-1/actions/apply', { idempotent: true, body: {}, signal: stopped.signal })
    ).rejects.toBeInstanceOf(AbortedError)
    expect(posted.isDone()).toBe(false)
    expect(c.stats.requests).toBe(0)

    nock(host).get('/api/v2/slow').delay(10_000).reply(200, ok)
    const cancel = new AbortController()
    setTimeout(() => cancel.abort(new AbortedError('The job was cancelled.', 'cancelled')), 50)
    const started = performance.now()
    await expect(c.get('/api/v2/slow', cancel.signal)).rejects.toMatchObject({ reason: 'cancelled' })
    expect(performance.now() - started).toBeLessThan(2_000)
    c.dispose()
  })
})

describe("the stand-in's rate limits, as a client meets them", () => {
  let s: StandIn | undefined
  const server = (): StandIn => {
    if (!s) throw new Error('not started')
    return s
  }
  beforeAll(async () => {
    s = new StandIn({ rateLimitPerSecond: true })
    await s.start()
  })
  afterAll(async () => {
    await s?.stop()
  })
  const get = async (path: string): Promise<{ status: number; limit: number; remaining: number; resetS: number }> => {
    const res = await fetch(`${server().url}${path}`, { headers: { Authorization: 'Bearer test-token' } })
    await res.text()
    const n = (name: string): number => Number(res.headers.get(name) ?? Number.NaN)
    return { status: res.status, limit: n('x-ratelimit-limit'), remaining: n('x-ratelimit-remaining'), resetS: n('x-ratelimit-reset') }
  }

  it("answers the 31st run list of a minute with 429 and that budget's headers, while other reads go on", async () => {
    const ws = server().addWorkspace({ name: 'listed' })
    const answers = []
    for (let i = 0; i < 31; i++) answers.push(await get(`/api/v2/workspaces/${ws.id}/runs?page%5Bsize%5D=1`))
    expect(answers.slice(0, 30).every(a => a.status === 200 && a.limit === 30)).toBe(true)
    expect(answers.slice(0, 30).map(a => a.remaining)).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i))
    const refused = answers[30]
    expect(refused).toMatchObject({ status: 429, limit: 30, remaining: 0 })
    // A minute's window: the reset is past the per-second one, and within the minute.
    expect(refused?.resetS).toBeGreaterThan(1)
    expect(refused?.resetS).toBeLessThanOrEqual(60)
    const other = await get(`/api/v2/workspaces/${ws.id}`)
    expect(other).toMatchObject({ status: 200, limit: 30 })
    expect(other.remaining).toBeGreaterThan(0)
    expect(other.resetS).toBeLessThanOrEqual(1)
    expect(server().rateLimited).toBe(1)
  })

  it('refuses a token past its per-second budget with 429 and X-RateLimit-*, and counts it', async () => {
    const limited = new StandIn({ rateLimitPerSecond: 5 })
    await limited.start()
    try {
      const ws = limited.addWorkspace({ name: 'busy' })
      const answers = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const res = await fetch(`${limited.url}/api/v2/workspaces/${ws.id}`, { headers: { Authorization: 'Bearer test-token' } })
          await res.text()
          return { status: res.status, limit: res.headers.get('x-ratelimit-limit'), remaining: res.headers.get('x-ratelimit-remaining') }
        })
      )
      const refused = answers.filter(a => a.status === 429)
      expect(answers.filter(a => a.status === 200).length).toBeLessThanOrEqual(5)
      expect(refused.length).toBeGreaterThanOrEqual(7)
      expect(refused.every(a => a.limit === '5' && a.remaining === '0')).toBe(true)
      expect(limited.rateLimited).toBe(refused.length)
    } finally {
      await limited.stop()
    }
  })
})

describe('documents: a 2xx body the resource modules cannot read', () => {
  useNockAndCapture()
  const runPath = '/api/v2/runs/run-1?include=plan,apply'
  const runDoc = runDocument({ id: 'run-1', status: 'planned', message: 'm' }, { status: 'finished', additions: 2 })
  const create: CreateRunOptions = {
    workspaceId: 'ws-1',
    message: 'm',
    isDestroy: false,
    planOnly: false,
    autoApply: false,
    allowEmptyApply: false,
    refresh: true,
    refreshOnly: false,
    targetAddrs: [],
    replaceAddrs: [],
    variables: [],
    savePlan: false,
    configurationVersionId: undefined
  }

  it('a run document reads as it did: its status and its plan from included', async () => {
    nock(host).get(runPath).reply(200, runDoc)
    const c = client()
    expect(await getRun(c, 'run-1')).toMatchObject({ id: 'run-1', status: 'planned', plan: { id: 'plan-1', additions: 2 } })
    c.dispose()
  })

  it.each([
    ['data null', { data: null }],
    ['data without an id', { data: { type: 'runs', attributes: { status: 'applied' } } }],
    ['data a list', { data: [runDoc.data] }],
    ['errors only', { errors: [{ status: '500', title: 'odd' }] }],
    ['an empty body', '']
  ])('a run read answered 200 with %s is an ApiError naming GET and the path, sent once', async (_name, body) => {
    nock(host).get(runPath).reply(200, body)
    const c = client()
    const err = await getRun(c, 'run-1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 200, method: 'GET', path: runPath, transient: false })
    expect(c.stats.requests).toBe(1)
    c.dispose()
  })

  it('a create answered 201 without a run document is an ApiError that keeps the 2xx status (the run may exist)', async () => {
    nock(host)
      .post('/api/v2/runs')
      .reply(201, { data: { type: 'runs' } })
    const c = client()
    const err = await createRun(c, create).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 201, method: 'POST', path: '/api/v2/runs', transient: false })
    expect(err).toBeInstanceOf(ApiError)
    c.dispose()
  })

  it('a list whose data is not a list is an ApiError; entries that are not resources are left out', async () => {
    const listPath = /^\/api\/v2\/workspaces\/ws-1\/runs/
    nock(host)
      .get(listPath)
      .reply(200, {
        data: [
          null,
          'run-9',
          { type: 'runs', attributes: { message: 'mark' } },
          runResource({ id: 'run-2', status: 'applied', message: 'a mark' })
        ],
        meta: { pagination: { 'next-page': null } }
      })
      .get('/api/v2/runs/run-1/policy-checks')
      .reply(200, { data: { id: 'polchk-1', type: 'policy-checks' } })
    const c = client()
    expect(await findRunsByMarker(c, 'ws-1', 'mark')).toEqual(['run-2'])
    const err = await listPolicyChecks(c, 'run-1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 200, method: 'GET', path: '/api/v2/runs/run-1/policy-checks', transient: false })
    c.dispose()
  })
})
