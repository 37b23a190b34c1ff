/**
 * The live suite's API client against broken and hostile answers (nock): rate limits waited out,
 * reads retried after 5xx, huge answers refused, error pages reported with their status and never
 * the token, the host taken as the action takes its hostname input.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { apiOrigin, ApiError, TfeApi } from './api.ts'

const origin = 'https://tfe.example.com'
const api = (): TfeApi => new TfeApi('tfe.example.com', 'acme', 'very-secret-token')
const run = { data: { id: 'run-1', type: 'runs', attributes: { status: 'planned', actions: { 'is-confirmable': true } } } }

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

describe('TfeApi', () => {
  it('waits out a 429 for X-RateLimit-Reset and sends again, the Bearer token and JSON:API headers each time', async () => {
    const scope = nock(origin, { reqheaders: { authorization: 'Bearer very-secret-token', accept: 'application/vnd.api+json' } })
      .post('/api/v2/runs/run-1/actions/apply', { comment: 'ok' })
      .reply(429, { errors: [{ status: 429, title: 'Too many requests' }] }, { 'X-RateLimit-Reset': '0.05' })
      .post('/api/v2/runs/run-1/actions/apply', { comment: 'ok' })
      .matchHeader('content-type', 'application/vnd.api+json')
      .reply(202)
    expect(await api().applyRun('run-1', 'ok')).toBe(202)
    expect(scope.isDone()).toBe(true)
  })

  it('retries a read after a 5xx, but not a change (a POST is answered as it came)', async () => {
    nock(origin).get('/api/v2/runs/run-1').reply(502, '<html>bad gateway</html>').get('/api/v2/runs/run-1').reply(200, run)
    expect(await api().readRun('run-1')).toMatchObject({ status: 'planned', confirmable: true })
    nock(origin).post('/api/v2/runs/run-1/actions/apply').reply(503, 'down')
    expect(await api().applyRun('run-1', 'ok')).toBe(503)
  })

  it('refuses an answer over 8 MB', async () => {
    nock(origin)
      .get('/api/v2/runs/run-1')
      .reply(200, () => 'x'.repeat(9 * 1024 * 1024))
    await expect(api().readRun('run-1')).rejects.toThrow(/over 8388608 bytes/)
  })

  it('reports an unexpected answer with its status and the API’s error text, never the token', async () => {
    const taken422 = 'Name has already been taken'
    nock(origin)
      .post('/api/v2/organizations/acme/workspaces')
      .reply(422, { errors: [{ status: '422', title: 'invalid attribute', detail: taken422 }] })
      .get('/api/v2/workspaces/ws-1')
      .reply(404, '<html>not json</html>')
    const taken = await api()
      .createWorkspace('twr-live-x', '')
      .catch((e: unknown) => e)
    expect(taken).toBeInstanceOf(ApiError)
    expect((taken as ApiError).status).toBe(422)
    expect((taken as Error).message).toContain(taken422)
    const missing = await api()
      .readWorkspace('ws-1')
      .catch((e: unknown) => e)
    expect((missing as ApiError).status).toBe(404)
    for (const e of [taken, missing]) expect((e as Error).message).not.toContain('very-secret-token')
  })

  it('takes the host as the action takes its hostname input: bare, host:port, or a URL', () => {
    expect(apiOrigin('app.terraform.io')).toBe('https://app.terraform.io')
    expect(apiOrigin('tfe.example.com:8443/')).toBe('https://tfe.example.com:8443')
    expect(apiOrigin('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080')
    expect(apiOrigin(' https://tfe.example.com/some/path ')).toBe('https://tfe.example.com')
  })
})
