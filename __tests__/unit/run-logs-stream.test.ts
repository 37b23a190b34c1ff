/**
 * The live log stream against log hosts that misbehave: hostile lines, answers that never end,
 * hosts that hang, lines without end. The stream may give up on a log; it never throws, never
 * holds a connection past its bound, and says when the log was not read to its end.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { ChunkBytes, LineSplitter, MaxLineBytes, RunLogs } from '../../src/run-logs/stream.js'
import { resetOptionalWarnings } from '../../src/common/optional.js'
import type { Run } from '../../src/tfe/runs.js'
import { captureStdout } from '../helpers/env.ts'
import { endless, useHostileHost, withoutNock, type Handler } from '../helpers/hostile-host.ts'

withoutNock()
const hostile = useHostileHost()
let out: ReturnType<typeof captureStdout> | undefined
beforeEach(() => {
  resetOptionalWarnings()
  out = captureStdout()
})
afterEach(async () => {
  out?.restore()
})

/** A well-behaved archivist for `log`: honours limit and offset. */
function archivist(log: Buffer): Handler {
  return (req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams
    const offset = Number(q.get('offset') ?? 0)
    const limit = Number(q.get('limit') ?? log.length)
    res.writeHead(200)
    res.end(log.subarray(offset, offset + limit))
  }
}

function run(planUrl: string, planStatus: string): Run {
  return {
    id: 'run-1',
    status: planStatus === 'finished' ? 'planned_and_finished' : 'planning',
    message: '',
    hasChanges: true,
    savePlan: false,
    planOnly: false,
    workspaceId: 'ws-1',
    isConfirmable: false,
    isDiscardable: false,
    isCancelable: true,
    timestamps: {},
    positionInQueue: undefined,
    plan: { id: 'plan-1', status: planStatus, logReadUrl: planUrl, additions: 0, changes: 0, destructions: 0 },
    apply: undefined
  }
}

function logs(options: { quiet?: boolean; signal?: AbortSignal; readTimeoutMs?: number } = {}): RunLogs {
  return new RunLogs({ title: stage => `${stage}: demo`, intervalMs: 20, readTimeoutMs: 300, ...options })
}

function stream(...lines: string[]): Buffer {
  return Buffer.concat([Buffer.from([0x02]), Buffer.from(lines.join('\n') + '\n'), Buffer.from([0x03])])
}

const printed = (): string[] =>
  (out?.text() ?? '')
    .split('\n')
    .filter(l => l && !l.startsWith('::'))
    .map(l => l.trim())

describe('the live log stream', () => {
  it('guarantee: a log line never ends the step — outputs with null entries, bad diagnostics and changes are rendered, and the lines after them still show', async () => {
    const lastLine = 'after the hostile lines'
    const lines = [
      '{"@level":"info","@message":"Outputs: 2","type":"outputs","outputs":{"vpc_id":null,"subnets":"x"}}',
      '{"@level":"error","@message":"Error: x","type":"diagnostic","diagnostic":null}',
      '{"@level":"error","@message":"Error: y","type":"diagnostic","diagnostic":{"range":{"start":null},"detail":7}}',
      '{"@level":"info","@message":"p","type":"planned_change","change":{"resource":null,"action":"create"}}',
      '{"@level":"info","@message":"s","type":"change_summary","changes":[1,2]}',
      lastLine
    ]
    const url = await hostile.serve(archivist(stream(...lines)))
    const l = logs()
    l.observe(run(url, 'running'))
    await l.finish(run(url, 'finished'), 3000)
    expect(printed()).toContain(lastLine)
    expect(printed()).toContain('vpc_id = null')
    expect(l.planComplete).toBe(true)
    expect(out?.text()).not.toContain('::warning::')
  })

  it('keeps at most one chunk per read from a host that ignores ?limit and never ends its answer, and lets go of it', async () => {
    const line = Buffer.from('{"@level":"info","@message":"spam","type":"log"}\n')
    const url = await hostile.serve(endless(Buffer.concat(Array.from({ length: 2000 }, () => line))))
    const l = logs()
    l.observe(run(url, 'running'))
    await new Promise(r => setTimeout(r, 1500))
    l.stop()
    await hostile.host?.released(2000)
    expect(hostile.host?.open).toBe(0)
    const offsets = (hostile.host?.exchanges ?? []).map(e => Number(new URL(e.url, 'http://x').searchParams.get('offset')))
    expect(offsets.length).toBeGreaterThan(2)
    // Each read advanced by exactly what it kept: one chunk, never the whole endless answer.
    offsets.forEach((o, i) => expect(o).toBe(i * ChunkBytes))
  })

  it('cuts off a read the log host never answers, and every read at once when the step stops', async () => {
    const url = await hostile.serve(() => undefined)
    const stop = new AbortController()
    const l = logs({ signal: stop.signal, readTimeoutMs: 200 })
    l.observe(run(url, 'running'))
    await new Promise(r => setTimeout(r, 700))
    // Each hung read was given up after its bound: none is held open past it.
    const closed = (hostile.host?.exchanges ?? []).filter(e => e.closedAt !== undefined)
    expect(closed.length).toBeGreaterThanOrEqual(2)
    for (const e of closed) expect((e.closedAt as number) - e.openedAt).toBeLessThan(1000)
    stop.abort()
    await hostile.host?.released(1000)
    expect(hostile.host?.open).toBe(0)
    l.stop()
  })

  it('says the plan log was not read to its end when the drain bound cuts it', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(200)}`)
    const log = stream(...lines)
    // A slow archivist: 100 ms per read, so the whole log needs several seconds.
    const url = await hostile.serve((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams
      const offset = Number(q.get('offset'))
      setTimeout(() => {
        res.writeHead(200)
        res.end(log.subarray(offset, offset + Number(q.get('limit'))))
      }, 100)
    })
    const l = logs({ quiet: true })
    await l.finish(run(url, 'finished'), 150)
    expect(l.planComplete).toBe(false)
  })

  it('reads a whole log once the run has ended, quietly, so the summary sees every change', async () => {
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `{"@level":"info","@message":"r${i}: Plan to create","type":"planned_change","change":{"resource":{"addr":"null_resource.r${i}"},"action":"create"}}`
    )
    const url = await hostile.serve(archivist(stream(...lines)))
    const l = logs({ quiet: true })
    await l.finish(run(url, 'finished'), 10_000)
    expect(l.planComplete).toBe(true)
    expect(l.plan.digest.changes.size).toBe(3000)
    expect(printed()).toEqual([])
  })
})

describe('the log says when its stage ends', () => {
  /** A plan log that grows: `body` is what the archivist has so far. */
  function growing(): { handler: Handler; body: { bytes: Buffer }; reads: () => number } {
    const body = { bytes: Buffer.from([0x02, ...Buffer.from('Terraform v1.9.0\n')]) }
    let reads = 0
    const handler: Handler = (req, res) => {
      reads++
      const q = new URL(req.url ?? '/', 'http://x').searchParams
      const offset = Number(q.get('offset'))
      res.writeHead(200)
      res.end(body.bytes.subarray(offset, offset + Number(q.get('limit'))))
    }
    return { handler, body, reads: () => reads }
  }

  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise(resolve => setTimeout(resolve, 5))
  }

  it('leads while a log opened with STX is read, and wakes a sleeper the moment its ETX arrives', async () => {
    const log = growing()
    const l = logs()
    l.observe(run(await hostile.serve(log.handler), 'running'))
    await until(() => l.leads('planning'))
    // The plan's log says nothing of the apply, nor of the statuses between the stages.
    expect([l.leads('applying'), l.leads('planned'), l.endedStages]).toEqual([false, false, 0])
    const seen = l.endedStages
    const asleep = l.sleep(seen, 60_000, new AbortController().signal)
    const readsBefore = log.reads()
    log.body.bytes = Buffer.concat([log.body.bytes, Buffer.from('Plan: 1 to add.\n'), Buffer.from([0x03])])
    await asleep
    expect([l.leads('planning'), l.endedStages, log.reads() > readsBefore]).toEqual([false, 1, true])
    // A sleeper that comes after the end does not sleep at all.
    await l.sleep(seen, 60_000, new AbortController().signal)
    l.stop()
  })

  it('never leads on a log without STX, whose end only its stage status can tell', async () => {
    const l = logs()
    l.observe(run(await hostile.serve(archivist(Buffer.from('no frame\n'))), 'running'))
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(l.leads('planning')).toBe(false)
    l.stop()
  })

  it('leads while the run waits for its stage (the log is empty until STX); once the stage runs, only a log that opened with STX leads', async () => {
    const body = { bytes: Buffer.alloc(0) }
    const l = logs()
    l.observe(
      run(
        await hostile.serve((req, res) => {
          const q = new URL(req.url ?? '/', 'http://x').searchParams
          res.writeHead(200)
          res.end(body.bytes.subarray(Number(q.get('offset')), Number(q.get('offset')) + Number(q.get('limit'))))
        }),
        'running'
      )
    )
    // An empty log that answers: a queued run's plan will open it with STX and close it with ETX.
    await until(() => l.leads('pending'))
    expect([l.leads('plan_queued'), l.leads('planning'), l.leads('cost_estimating')]).toEqual([true, false, false])
    // A host that writes the plan without STX: once planning, only the status can tell its end.
    body.bytes = Buffer.from('no frame\n')
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(l.leads('planning')).toBe(false)
    l.stop()
    expect(l.leads('pending')).toBe(false)
  })

  it('stops leading when the log host stops answering, and when the step stops', async () => {
    const log = growing()
    let hang = false
    const l = logs()
    l.observe(run(await hostile.serve((req, res, exchange, host) => (hang ? undefined : log.handler(req, res, exchange, host))), 'running'))
    await until(() => l.leads('planning'))
    hang = true
    // Three read intervals without an answer: its silence says nothing of the stage.
    await until(() => !l.leads('planning'))
    hang = false
    await until(() => l.leads('planning'))
    l.stop()
    expect(l.leads('planning')).toBe(false)
  })

  it('a sleeper is cut short by the step’s stop, with its reason', async () => {
    const l = logs()
    const stop = new AbortController()
    const asleep = l.sleep(l.endedStages, 60_000, stop.signal)
    stop.abort(new Error('timeout'))
    await expect(asleep).rejects.toThrow('timeout')
  })
})

describe('line splitting', () => {
  it('splits lines across chunks, and cuts a line longer than the bound, saying how much was dropped', () => {
    const s = new LineSplitter()
    expect(s.push(Buffer.from('one\r\ntw'))).toEqual(['one'])
    expect(s.push(Buffer.from('o\nthree'))).toEqual(['two'])
    expect(s.push(Buffer.alloc(0), true)).toEqual(['three'])
    const long = Buffer.alloc(MaxLineBytes + 5000, 0x61)
    const lines = [...s.push(long.subarray(0, 700_000)), ...s.push(long.subarray(700_000)), ...s.push(Buffer.from('\nnext\n'))]
    expect(lines).toHaveLength(2)
    expect(lines[0]?.startsWith('a'.repeat(MaxLineBytes))).toBe(true)
    expect(lines[0]).toContain('5000')
    expect(lines[1]).toBe('next')
  })

  it('keeps a multi-byte character that a chunk boundary cuts in two', () => {
    const s = new LineSplitter()
    const bytes = Buffer.from('café\n')
    expect([...s.push(bytes.subarray(0, 4)), ...s.push(bytes.subarray(4))]).toEqual(['café'])
  })
})
