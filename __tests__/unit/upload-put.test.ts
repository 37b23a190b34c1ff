/**
 * The PUT of the archive against loopback upload hosts that misbehave: one that never ends its
 * answer, one that answers without end, one that redirects. The stand-in's upload host has no such faults.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { putArchive } from '../../src/upload/put.js'
import { AbortedError, RunFailedError } from '../../src/common/errors.js'
import { captureStdout } from '../helpers/env.js'

interface Seen {
  method: string | undefined
  authorization: string | undefined
  bytes: number
}

const servers: http.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise(r => s.close(r))
  }
})

/** A loopback upload host; `answer` gets each request once its body is in. */
async function host(answer: (res: http.ServerResponse, seen: Seen) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    // The client cuts these exchanges off: that is what is tested, not an error of the host.
    req.on('error', () => undefined)
    res.on('error', () => undefined)
    let bytes = 0
    req.on('data', (c: Buffer) => (bytes += c.length))
    req.on('end', () => {
      const s = { method: req.method, authorization: req.headers.authorization, bytes }
      seen.push(s)
      answer(res, s)
    })
  })
  servers.push(server)
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/upload/abc`, seen }
}

function archive(): { file: string; bytes: number } {
  const file = join(mkdtempSync(join(tmpdir(), 'upload-put-')), 'configuration.tar.gz')
  writeFileSync(file, Buffer.alloc(64 * 1024, 7))
  return { file, bytes: 64 * 1024 }
}

describe('the upload PUT', () => {
  it('an upload host that answers headers and never ends the body: the step stop signal ends the PUT at once', async () => {
    const stop = new AbortController()
    let stoppedAt = 0
    const { url, seen } = await host(res => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.write('stored')
      // The step's deadline passes while the answer's body is still coming.
      setTimeout(() => {
        stoppedAt = performance.now()
        stop.abort(new AbortedError('Timed out after 0 s.', 'timeout'))
      }, 200)
    })
    const { file, bytes } = archive()
    await expect(putArchive(file, bytes, url, stop.signal)).rejects.toBeInstanceOf(AbortedError)
    expect(performance.now() - stoppedAt).toBeLessThan(1000)
    expect(seen).toEqual([{ method: 'PUT', authorization: undefined, bytes }])
  })

  it('one deadline for the whole exchange, answer body included: a body that never ends fails each try at its bound', async () => {
    const { url, seen } = await host(res => {
      res.writeHead(200)
      res.write('x')
    })
    const { file, bytes } = archive()
    const out = captureStdout()
    const started = performance.now()
    try {
      await expect(
        putArchive(file, bytes, url, new AbortController().signal, { tryMs: 300, tries: 2, backoffMs: 10 })
      ).rejects.toBeInstanceOf(RunFailedError)
    } finally {
      out.restore()
    }
    expect(performance.now() - started).toBeLessThan(2000)
    expect(seen).toHaveLength(2)
  })

  it('an answer without end is cut at a few KiB: the archive was taken, the step goes on', async () => {
    let written = 0
    const { url } = await host(res => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      const more = (): void => {
        while (!res.destroyed && written < 2 ** 30) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once('drain', more)
        }
      }
      more()
    })
    const { file, bytes } = archive()
    await expect(putArchive(file, bytes, url, new AbortController().signal, { tryMs: 5000 })).resolves.toBeUndefined()
    expect(written).toBeLessThan(64 * 2 ** 20)
  })

  it('never sends the token and follows no redirect: a 307 elsewhere fails without touching the other host', async () => {
    const elsewhere = await host(res => res.end())
    const { url, seen } = await host(res => {
      res.writeHead(307, { Location: elsewhere.url })
      res.end()
    })
    const { file, bytes } = archive()
    await expect(putArchive(file, bytes, url, new AbortController().signal)).rejects.toBeInstanceOf(RunFailedError)
    expect(seen).toEqual([{ method: 'PUT', authorization: undefined, bytes }])
    expect(elsewhere.seen).toEqual([])
  })
})
