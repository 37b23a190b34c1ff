/**
 * The README's Guarantees and the edges around them, end to end: the bundled dist/index.js, run
 * as the runner runs it, against the stand-in (or a deliberately broken server) over real sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { StandIn } from '../../stand-in/server.ts'
import { makeCertificate } from '../../stand-in/tls.ts'
import { StandInText, useStandIn } from '../helpers/stand-in.ts'
import { runStep, waitFor } from '../helpers/action-runner.ts'
import { groupLines, only, stepFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 200, applyMs: 200, applyQueueMs: 20, processingMs: 50 }
/** The name HCP Terraform gives the workspace permission a token needs for workspace_outputs. */
const ReadStateOutputs = 'read state outputs'
const fixture = useStandIn('ws-g', { defaultTimings: fast })
const { workspace, inputs } = fixture

/** Lines the runner would read as workflow commands. */
function commands(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter(line => /^\s*::/.test(line))
}

describe('guarantees, end to end', () => {
  it('guarantee: never applies after the step was told to stop — a cancel during a slow read sends no confirmation, and the stop is done in time', async () => {
    const ws = workspace({ timings: { planMs: 3_000 } })
    let cancelledAt = 0
    const polled = (): boolean =>
      fixture.server.requests.some(q => q.method === 'GET' && q.path.startsWith(`/api/v2/runs/${fixture.server.runsOf(ws.id)[0]?.id}`))
    const r = await runStep({
      inputs: inputs(ws.name),
      onSpawn: child => {
        void waitFor(polled, 10_000, 'the first poll').then(() => {
          // The next read, the one that would first show is-confirmable, hangs; the plan ends and
          // the job is cancelled while it is in flight.
          fixture.server.injectFault({ method: 'GET', path: /^\/api\/v2\/runs\/run-/, kind: 'slow', delayMs: 20_000, times: 1 })
          void waitFor(() => fixture.server.runsOf(ws.id)[0]?.confirmable === true, 10_000, 'confirmable').then(() => {
            cancelledAt = performance.now()
            child.kill('SIGINT')
          })
        })
      },
      killAfterMs: 30_000
    })
    const run = fixture.server.runsOf(ws.id)[0]
    expect(r.code).toBe(1)
    // The runner kills a step 7.5 s after the cancel; it must be done well before.
    expect(r.exitedAt - cancelledAt).toBeLessThan(5_000)
    expect(fixture.server.requests.filter(q => q.path.endsWith('/actions/apply'))).toEqual([])
    expect(run?.status).toBe('discarded')
    expect(r.outputs.status).toBe('discarded')
  })

  it.each(['true', 'false'])(
    'guarantee: at most one run per attempt — a 504 whose run is committed 0.4 s later gives one run (wait_for_run %s)',
    async waitForRun => {
      const ws = workspace()
      fixture.server.injectFault({ method: 'POST', path: /^\/api\/v2\/runs$/, kind: 'status-504-late-commit', delayMs: 400, times: 1 })
      const r = await runStep({ inputs: inputs(ws.name, { wait_for_run: waitForRun }) })
      fixture.server.clearFaults()
      expect(r.code).toBe(0)
      const runs = fixture.server.runsOf(ws.id)
      expect(runs).toHaveLength(1)
      expect(JSON.parse(r.outputs.run_ids as string)).toEqual([runs[0]?.id])
      if (waitForRun === 'false') await waitFor(() => runs[0]?.status === 'applied', 10_000, 'the auto-apply')
      expect(fixture.server.workspaces.get(ws.id)?.appliesSeen).toBe(1)
    }
  )

  it('guarantee: a run that ended well is a success — even when timeout_minutes passes while its new state is processed', async () => {
    const ws = workspace({ outputs: { vpc_id: { value: 'vpc-late' } }, timings: { processingMs: 4_000 } })
    const r = await runStep({ inputs: inputs(ws.name, { timeout_minutes: '0.05' }) })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    expect(JSON.parse(r.outputs.workspace_outputs as string)).toEqual({ vpc_id: 'vpc-late' })
  })

  it('guarantee: workspace_outputs is never a silent {} — it waits for processing, fails naming the permission, or is skipped with read_outputs false', async () => {
    const slow = workspace({ outputs: { a: { value: 1 } }, timings: { processingMs: 1_500 } })
    const waited = await runStep({ inputs: inputs(slow.name) })
    expect(waited.code).toBe(0)
    expect(JSON.parse(waited.outputs.workspace_outputs as string)).toEqual({ a: 1 })
    expect(
      fixture.server.requests.some(q => q.path.includes(`/workspaces/${slow.id}/current-state-version-outputs`) && q.status === 503)
    ).toBe(false)

    const denied = workspace({ outputs: { a: { value: 1 } }, canReadStateOutputs: false })
    const failed = await runStep({ inputs: inputs(denied.name) })
    expect(failed.code).toBe(1)
    expect(failed.outputs.status).toBe('applied')
    // The error names the run, the workspace, the permission it lacks and the input that skips the read.
    const error = only(stepFacts(failed.stdout).annotations)
    expect([error.kind, error.runIds, error.workspaces, error.inputs]).toEqual([
      'error',
      [failed.outputs.run_id],
      [`demo-org/${denied.name}`],
      ['read_outputs']
    ])
    expect(error.quoted).toContain(ReadStateOutputs)

    const skipped = await runStep({ inputs: inputs(denied.name, { read_outputs: 'false' }) })
    expect(skipped.code).toBe(0)
    expect(skipped.outputs.workspace_outputs).toBe('{}')
  })

  it('guarantee: nothing from outside can start a workflow command — from the API: (::error and ::save-state lines in a lock reason and an error detail)', async () => {
    const ws = workspace()
    const id = fixture.server.workspaceByName(ws.name)?.id as string
    const evil = 'maintenance\n::error::pwned\n::save-state name=active_run_id::run-evil'
    fixture.server.lock(id, 'user-Evil00000000001', evil)
    setTimeout(() => fixture.server.unlock(id), 1_000)
    fixture.server.injectFault({ method: 'GET', path: /^\/api\/v2\/runs\//, kind: 'status-503', detail: evil, times: 1 })
    const r = await runStep({ inputs: inputs(ws.name) })
    expect(r.code).toBe(0)
    expect(commands(r.stdout).filter(c => /pwned|run-evil/.test(c) && !/^::(notice|warning|debug)::/.test(c))).toEqual([])
    expect(r.state.active_run_id).toBe('')
    expect(r.stdout).toContain('maintenance')
  })
})

describe('edges, end to end', () => {
  it('refuses timeout_minutes past a week before any request, naming the input', async () => {
    const before = fixture.server.requests.length
    const r = await runStep({ inputs: inputs('anything', { timeout_minutes: '35792' }) })
    expect(r.code).toBe(1)
    // One error naming the input, the value given and the most it takes (a week, in minutes).
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.inputs]).toEqual(['error', ['timeout_minutes']])
    expect(error.text).toMatch(/\b35792\b.*\b10080\b/)
    expect(fixture.server.requests.length).toBe(before)
  })

  it('checks run variables as HCL literals before a run is spent on them, naming the line but never the value', async () => {
    const ws = workspace()
    for (const [variables, line, key] of [
      ['a="ok"\nregion=eu-west-1', 'line 2', 'region'],
      ['secret="hunter2', 'line 1', 'secret']
    ] as const) {
      const r = await runStep({ inputs: inputs(ws.name, { variables }) })
      expect(r.code).toBe(1)
      // One error naming the input, the line and the variable's name.
      const error = only(stepFacts(r.stdout).annotations)
      expect([error.kind, error.inputs, error.quoted]).toEqual(['error', ['variables'], ['variables', key]])
      expect(error.text).toContain(`${line} ('${key}')`)
      expect(r.stdout).not.toContain('hunter2')
    }
    expect(fixture.server.runsOf(ws.id)).toHaveLength(0)
  })

  it('a 2xx answer that is JSON but not JSON:API gets a clear error, not a TypeError', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"status":"ok","version":"3"}')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const r = await runStep({ inputs: { ...inputs('network'), hostname: `http://127.0.0.1:${port}` } })
      expect(r.code).toBe(1)
      // One error: the request, the status that was not an API document, the input to check.
      const error = only(stepFacts(r.stdout).annotations)
      expect([error.kind, error.statuses, error.inputs]).toEqual(['error', [200], ['hostname']])
      expect(error.text).toMatch(/^GET \/api\/v2\//)
      // V8's TypeError for a property read on undefined or null ends with the property: (reading 'x').
      expect(r.stdout + r.stderr).not.toMatch(/\(reading '[^']*'\)/)
    } finally {
      server.close()
    }
  })

  it('a refused connection names the hostname input', async () => {
    const server = http.createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    await new Promise<void>(resolve => server.close(() => resolve()))
    const r = await runStep({ inputs: { ...inputs('network'), hostname: `http://127.0.0.1:${port}` } })
    expect(r.code).toBe(1)
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.codes, error.inputs]).toEqual(['error', ['ECONNREFUSED'], ['hostname']])
    expect(error.text).toContain(`127.0.0.1:${port}`)
  })

  it('a host name that does not resolve names the hostname input', async () => {
    const r = await runStep({ inputs: { ...inputs('network'), hostname: 'tfe.does-not-exist.invalid' } })
    expect(r.code).toBe(1)
    const error = only(stepFacts(r.stdout).annotations)
    expect([error.kind, error.codes.filter(c => c !== 'ENOTFOUND' && c !== 'EAI_AGAIN'), error.codes.length, error.inputs]).toEqual([
      'error',
      [],
      1,
      ['hostname']
    ])
    expect(error.text).toContain('tfe.does-not-exist.invalid')
  })

  it('runs a whole apply over TLS against the stand-in in HTTPS mode, logs and outputs included', async () => {
    let certificate: ReturnType<typeof makeCertificate>
    try {
      certificate = makeCertificate()
    } catch (err) {
      throw new Error(`openssl is needed to make the stand-in's certificate: ${(err as Error).message}`)
    }
    const secure = new StandIn({ defaultTimings: fast, tls: certificate })
    await secure.start()
    try {
      expect(secure.url).toMatch(/^https:\/\//)
      secure.addWorkspace({ name: 'tls', outputs: { endpoint: { value: 'https://api.internal' } } })
      const r = await runStep({
        inputs: { token: 'test-token', hostname: secure.url, organization: 'demo-org', workspace: 'tls' },
        env: { NODE_EXTRA_CA_CERTS: certificate.certFile }
      })
      expect(r.code).toBe(0)
      expect(r.outputs.status).toBe('applied')
      expect(JSON.parse(r.outputs.workspace_outputs as string)).toEqual({ endpoint: 'https://api.internal' })
      expect(groupLines(stepFacts(r.stdout), 'Apply: demo-org/tls')).toEqual(
        expect.arrayContaining([expect.stringContaining(StandInText.applyComplete)])
      )
      expect(secure.archivistReads.length).toBeGreaterThan(0)
    } finally {
      await secure.stop()
    }
  })

  describe('TLS failures are not retried and name NODE_EXTRA_CA_CERTS', () => {
    let server: https.Server | undefined
    let handshakes = 0
    let certFile = ''
    let port = 0
    beforeAll(async () => {
      let certificate: ReturnType<typeof makeCertificate>
      try {
        // A certificate for another host: not trusted at all, or trusted and then the wrong name.
        certificate = makeCertificate('DNS:tfe.example.test')
      } catch {
        return
      }
      certFile = certificate.certFile
      server = https.createServer({ key: certificate.key, cert: certificate.cert }, (_req, res) => res.end('{}'))
      server.on('connection', () => handshakes++)
      await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
      port = (server.address() as AddressInfo).port
    })
    afterAll(() => void server?.close())

    it('a self-signed certificate fails at once', async () => {
      if (!server) throw new Error('openssl is needed to make a test certificate (apt-get install openssl)')
      handshakes = 0
      const r = await runStep({ inputs: { ...inputs('network'), hostname: `https://127.0.0.1:${port}` } })
      expect(r.code).toBe(1)
      // One error with Node's code for an untrusted certificate, the variable that adds a CA, and the host.
      const error = only(stepFacts(r.stdout).annotations)
      expect([error.kind, error.codes.length, error.codes[1], error.inputs]).toEqual(['error', 2, 'NODE_EXTRA_CA_CERTS', ['hostname']])
      expect(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(error.codes[0])
      expect(error.text).toMatch(new RegExp(`^GET .*127\\.0\\.0\\.1:${port}\\b`))
      expect(handshakes).toBe(1)
    })

    it('a certificate for another host name fails at once and points at the hostname input', async () => {
      if (!server) throw new Error('openssl is needed to make a test certificate (apt-get install openssl)')
      handshakes = 0
      const r = await runStep({
        inputs: { ...inputs('network'), hostname: `https://127.0.0.1:${port}` },
        env: { NODE_EXTRA_CA_CERTS: certFile }
      })
      expect(r.code).toBe(1)
      const error = only(stepFacts(r.stdout).annotations)
      expect([error.kind, error.codes, error.inputs]).toEqual([
        'error',
        ['ERR_TLS_CERT_ALTNAME_INVALID', 'NODE_EXTRA_CA_CERTS'],
        ['hostname']
      ])
      expect(error.text).toMatch(/^GET /)
      expect(handshakes).toBe(1)
    })
  })
})
