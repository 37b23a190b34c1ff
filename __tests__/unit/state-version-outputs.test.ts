/** Listing a workspace's current outputs with their sensitivity: hostile and malformed answers (non-JSON, odd entries, endless pages) are bounded or refused. */
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { TfeClient } from '../../src/tfe/client.ts'
import { ApiError } from '../../src/common/errors.ts'
import { listCurrentOutputs, MaxOutputPages } from '../../src/tfe/state-version-outputs.ts'
import { getCurrentStateVersion } from '../../src/tfe/state-versions.ts'
import { useNockAndCapture } from '../helpers/env.ts'

const host = 'https://tfe.example.com'
const path = '/api/v2/workspaces/ws-1/current-state-version-outputs'
const client = (): TfeClient => new TfeClient({ baseUrl: host, token: 'tok', backoffBaseMs: 1, maxAttempts: 2 })

const item = (attributes: Record<string, unknown>) => ({ id: 'wsout-1', type: 'state-version-outputs', attributes })

describe('listCurrentOutputs', () => {
  useNockAndCapture()

  it('keeps sensitivity, and never a sensitive value even when an answer carries one', async () => {
    nock(host)
      .get(path)
      .query(true)
      .reply(200, {
        data: [
          item({ name: 'vpc_id', sensitive: false, value: 'vpc-1' }),
          item({ name: 'token', sensitive: true, value: 'leaked-by-a-proxy' }),
          item({ name: 'odd', value: 'no sensitive flag' }),
          item({ sensitive: false, value: 'no name' }),
          { id: 'x', type: 'state-version-outputs' }
        ]
      })
    expect(await listCurrentOutputs(client(), 'ws-1')).toEqual([
      { name: 'vpc_id', sensitive: false, value: 'vpc-1' },
      { name: 'token', sensitive: true, value: null },
      { name: 'odd', sensitive: true, value: null }
    ])
  })

  it('a 404 is no outputs to read (undefined), not an empty list', async () => {
    nock(host)
      .get(path)
      .query(true)
      .reply(404, { errors: [{ status: '404' }] })
    expect(await listCurrentOutputs(client(), 'ws-1')).toBeUndefined()
  })

  it('an answer that is not JSON is an API error, not an empty list', async () => {
    nock(host).get(path).query(true).times(2).reply(200, '<html>proxy login</html>')
    await expect(listCurrentOutputs(client(), 'ws-1')).rejects.toBeInstanceOf(ApiError)
  })

  it('a 200 whose data is not a list is an API error naming the request, not an empty list', async () => {
    nock(host)
      .get(path)
      .query(true)
      .reply(200, { data: item({ name: 'vpc_id', sensitive: false, value: 'vpc-1' }) })
    const err = await listCurrentOutputs(client(), 'ws-1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 200, method: 'GET', path: expect.stringMatching(`^${path}\\?`), transient: false })
  })

  it('an answer whose pages never end stops after the bound', async () => {
    const scope = nock(host)
      .get(path)
      .query(true)
      .times(MaxOutputPages)
      .reply(200, (uri: string) => {
        const page = Number(new URL(uri, host).searchParams.get('page[number]'))
        return { data: [item({ name: `o${page}`, sensitive: false, value: page })], meta: { pagination: { 'next-page': page + 1 } } }
      })
    const outputs = await listCurrentOutputs(client(), 'ws-1')
    expect(outputs).toHaveLength(MaxOutputPages)
    expect(scope.isDone()).toBe(true)
  })
})

describe('getCurrentStateVersion with its outputs included', () => {
  useNockAndCapture()
  const svPath = '/api/v2/workspaces/ws-1/current-state-version'
  const version = (processed: boolean, outputIds: string[]) => ({
    id: 'sv-1',
    type: 'state-versions',
    attributes: { 'resources-processed': processed },
    relationships: { outputs: { data: outputIds.map(id => ({ id, type: 'state-version-outputs' })) } }
  })
  const output = (id: string, attributes: Record<string, unknown>) => ({ id, type: 'state-version-outputs', attributes })
  const answer = (body: unknown) => {
    let query: Record<string, unknown> | undefined
    nock(host)
      .get(svPath)
      .query(q => ((query = q), true))
      .reply(200, body as nock.Body)
    return () => query
  }

  it('asks for the outputs in the same request, and gives the non-sensitive ones once the state is processed', async () => {
    const query = answer({
      data: version(true, ['wsout-1', 'wsout-2']),
      included: [
        output('wsout-1', { name: 'vpc_id', sensitive: false, value: 'vpc-1' }),
        output('wsout-2', { name: 'db', sensitive: true, value: 'leaked' })
      ]
    })
    expect(await getCurrentStateVersion(client(), 'ws-1')).toEqual({ id: 'sv-1', resourcesProcessed: true, outputs: { vpc_id: 'vpc-1' } })
    expect(query()).toEqual({ include: 'outputs' })
  })

  it.each([
    [
      'a state not processed yet',
      { data: version(false, ['wsout-1']), included: [output('wsout-1', { name: 'a', sensitive: false, value: 1 })] }
    ],
    ['an answer that left the outputs out (include not honoured)', { data: version(true, ['wsout-1']) }],
    [
      'an answer that included only some of them',
      { data: version(true, ['wsout-1', 'wsout-2']), included: [output('wsout-1', { name: 'a', sensitive: false, value: 1 })] }
    ],
    ['a state that names none (no outputs, or relationships not filled in)', { data: version(true, []), included: [] }],
    ['an output without a sensitivity flag', { data: version(true, ['wsout-1']), included: [output('wsout-1', { name: 'a', value: 1 })] }],
    [
      'an included entry of another type under the same id',
      {
        data: version(true, ['wsout-1']),
        included: [{ id: 'wsout-1', type: 'runs', attributes: { name: 'a', sensitive: false, value: 1 } }]
      }
    ],
    ['included that is not a list', { data: version(true, ['wsout-1']), included: 'outputs' }]
  ])('leaves the outputs to the outputs endpoint for %s', async (_, body) => {
    answer(body)
    const read = await getCurrentStateVersion(client(), 'ws-1')
    expect(read?.outputs).toBeUndefined()
    expect(read?.id).toBe('sv-1')
  })
})
