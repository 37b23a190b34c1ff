/** boundedRequest against hosts that never end, hang, or send too much: the step always lets go. */
import { describe, expect, it } from '@jest/globals'
import { boundedRequest, BoundedRequestError } from '../../src/tfe/signed-urls.js'
import { AbortedError } from '../../src/common/errors.js'
import { endless, useHostileHost, withoutNock } from '../helpers/hostile-host.ts'

withoutNock()
const hostile = useHostileHost()
describe('boundedRequest', () => {
  it('keeps at most maxBytes of an answer that never ends, and closes the connection', async () => {
    const url = await hostile.serve(endless(Buffer.alloc(65_536, 0x61)))
    const answer = await boundedRequest(`${url}/log`, { maxBytes: 100_000, overflow: 'truncate', timeoutMs: 5000 })
    expect(answer.status).toBe(200)
    expect(answer.body.length).toBe(100_000)
    expect(answer.truncated).toBe(true)
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
    // The host could not go on writing once the client let go (socket buffers allow a little).
    expect(hostile.host?.exchanges[0]?.sent).toBeLessThan(16 * 1_048_576)
  })

  it("rejects an answer over maxBytes with overflow 'fail'", async () => {
    const url = await hostile.serve(endless(Buffer.alloc(65_536, 0x7b)))
    await expect(boundedRequest(url, { maxBytes: 200_000, overflow: 'fail', timeoutMs: 5000 })).rejects.toMatchObject({
      kind: 'too-large'
    })
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
  })

  it('ends a host that trickles within one deadline for the whole exchange', async () => {
    const url = await hostile.serve(endless(Buffer.from('x'), 50))
    const started = Date.now()
    const err = await boundedRequest(url, { maxBytes: 1_000_000, overflow: 'fail', timeoutMs: 400 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BoundedRequestError)
    expect((err as BoundedRequestError).kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2000)
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
  })

  it('ends a host that never answers, and cuts the request off at once when the step stops', async () => {
    const url = await hostile.serve(() => undefined)
    const stop = new AbortController()
    setTimeout(() => stop.abort(new AbortedError('Timed out.', 'timeout')), 200)
    const started = Date.now()
    const err = await boundedRequest(url, { maxBytes: 10, overflow: 'fail', timeoutMs: 60_000, signal: stop.signal }).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(AbortedError)
    expect(Date.now() - started).toBeLessThan(1500)
    await hostile.host?.released()
    expect(hostile.host?.open).toBe(0)
    await expect(boundedRequest(url, { maxBytes: 10, overflow: 'fail', timeoutMs: 1000, signal: stop.signal })).rejects.toBeInstanceOf(
      AbortedError
    )
  })

  it('reads an http URL after an https one: each scheme gets an agent of its own', async () => {
    const url = await hostile.serve((_req, res) => {
      res.writeHead(200)
      res.end('log')
    })
    // An https URL on this plain host fails its handshake, but it made the first agent an https one.
    await expect(
      boundedRequest(url.replace('http:', 'https:'), { maxBytes: 100, overflow: 'fail', timeoutMs: 2000 })
    ).rejects.toBeInstanceOf(BoundedRequestError)
    const answer = await boundedRequest(`${url}/log`, { maxBytes: 100, overflow: 'fail', timeoutMs: 2000 })
    expect([answer.status, answer.body.toString()]).toEqual([200, 'log'])
  })

  it('sends no Authorization header and follows no redirect', async () => {
    const seen: Record<string, unknown>[] = []
    const url = await hostile.serve((req, res) => {
      seen.push(req.headers)
      res.writeHead(307, { Location: 'http://127.0.0.1:1/elsewhere' })
      res.end()
    })
    const answer = await boundedRequest(url, { maxBytes: 10, overflow: 'fail', timeoutMs: 1000 })
    expect(answer.status).toBe(307)
    expect(seen).toHaveLength(1)
    expect(seen[0]).not.toHaveProperty('authorization')
  })
})
