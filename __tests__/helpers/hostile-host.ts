/**
 * A loopback host that answers the way a careless or hostile server does (never ends, hangs,
 * trickles, ignores `?limit`), and records what happened to each connection, so a test can
 * check that the step let go: how many bytes it sent before the client closed, and when.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, beforeAll } from '@jest/globals'
import nock from 'nock'

export interface Exchange {
  url: string
  /** Body bytes the host managed to write before the connection closed. */
  sent: number
  /** Set when the client closed (or the host ended) the connection. */
  closedAt: number | undefined
  openedAt: number
}

export type Handler = (req: IncomingMessage, res: ServerResponse, exchange: Exchange, host: HostileHost) => void

export class HostileHost {
  readonly exchanges: Exchange[] = []
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private timers: NodeJS.Timeout[] = []

  constructor(handler: Handler) {
    this.server = createServer((req, res) => {
      const exchange: Exchange = { url: req.url ?? '', sent: 0, closedAt: undefined, openedAt: Date.now() }
      this.exchanges.push(exchange)
      const write = res.write.bind(res) as (chunk: Buffer | string) => boolean
      res.write = ((chunk: Buffer | string) => {
        exchange.sent += Buffer.byteLength(chunk)
        return write(chunk)
      }) as typeof res.write
      res.on('close', () => (exchange.closedAt ??= Date.now()))
      handler(req, res, exchange, this)
    })
    this.server.on('connection', socket => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  /** Repeats `fn` every `ms` until the host stops (for answers that never end). */
  every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms))
  }

  async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Connections still open: what the client has not let go of. */
  get open(): number {
    return this.sockets.size
  }

  /** Waits up to `ms` for the client to have let go of every connection; `open` then says whether it did. */
  async released(ms = 2000): Promise<void> {
    const until = Date.now() + ms
    while (this.sockets.size > 0 && Date.now() < until) await new Promise(r => setTimeout(r, 10))
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }
}

/** An answer that never ends: `chunk` written again every `ms`, whatever the client asked for. */
export function endless(chunk: Buffer, ms = 1): Handler {
  return (_req, res, _exchange, host) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    // As fast as the client reads, never faster: the host must not fill its own memory.
    const pump = (): void => {
      if (res.destroyed || res.writableEnded || res.writableNeedDrain) return
      res.write(chunk)
    }
    pump()
    host.every(ms, pump)
  }
}

/**
 * Real sockets, for tests that check what the client let go of: nock's interception (loaded for
 * every test file) keeps a passed-through socket open after the client destroyed its request,
 * which would hide exactly what these tests look for. It is switched off around such a file.
 */
export function withoutNock(): void {
  beforeAll(() => {
    if (nock.isActive()) nock.restore()
  })
}

/**
 * Hostile hosts for a test: `serve` starts one with a handler (`host` is the latest), and every
 * one the test started is stopped after it. A host left running (its server, the interval of an
 * endless answer) would keep the process alive after the last test.
 */
export function useHostileHost(): { serve(handler: Handler): Promise<string>; readonly host: HostileHost | undefined } {
  let started: HostileHost[] = []
  afterEach(async () => {
    const hosts = started
    started = []
    await Promise.all(hosts.map(h => h.stop()))
  })
  return {
    async serve(handler) {
      const host = new HostileHost(handler)
      started.push(host)
      return await host.start()
    },
    get host() {
      return started.at(-1)
    }
  }
}
