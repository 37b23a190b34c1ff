import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { TfeClient } from '../../src/tfe/client.js'
import { RunLifecycle, type Outcome } from '../../src/lifecycle/run-lifecycle.js'
import type { Settings } from '../../src/action/inputs.js'
import { AbortedError } from '../../src/common/errors.js'
import { useNockAndCapture } from '../helpers/env.ts'
import { endless, HostileHost } from '../helpers/hostile-host.ts'
import { only, stepFacts, textFacts } from '../helpers/step-facts.ts'
import {
  errorDocument,
  listDocument,
  outputResource,
  runDocument,
  runResource,
  stateVersionResource,
  workspaceResource
} from '../../stand-in/documents.ts'

const host = 'https://tfe.test'
const wsId = 'ws-AAAAAAAAAAAAAAAA'

function settings(over: Partial<Settings> = {}): Settings {
  return {
    token: 'tok',
    baseUrl: host,
    organization: 'acme',
    workspace: 'network',
    workspaceId: undefined,
    operation: 'apply',
    manualConfirm: false,
    retry: true,
    retryAttempts: 3,
    retryBackoffMinMs: 10,
    retryBackoffMaxMs: 20,
    waitForRun: true,
    message: 'msg',
    timeoutMs: 0,
    cancelOnAbort: true,
    targetAddrs: [],
    replaceAddrs: [],
    variables: [],
    allowEmptyApply: false,
    refresh: true,
    refreshOnly: false,
    readOutputs: true,
    showLogs: false,
    commentOnPr: false,
    githubToken: '',
    directory: '',
    savePlan: false,
    runId: undefined,
    variablesFromOutputs: [],
    ...over
  }
}

interface RunState {
  status: string
  confirmable?: boolean
  discardable?: boolean
  cancelable?: boolean
  hasChanges?: boolean
  confirmedAt?: string
  plan?: string
  apply?: string
  /** The plan's and apply's log-read-url. */
  logUrl?: string
  planOnly?: boolean
}

function runDoc(id: string, s: RunState, message = 'msg'): nock.Body {
  return runDocument(
    {
      id,
      status: s.status,
      message,
      workspaceId: wsId,
      hasChanges: s.hasChanges ?? true,
      isConfirmable: s.confirmable ?? false,
      isDiscardable: s.discardable ?? false,
      isCancelable: s.cancelable ?? false,
      planOnly: s.planOnly ?? false,
      statusTimestamps: s.confirmedAt ? { 'confirmed-at': s.confirmedAt } : {}
    },
    { status: s.plan ?? 'finished', additions: 2, changes: 1, destructions: 0, logReadUrl: s.logUrl },
    { status: s.apply ?? 'pending', additions: 2, changes: 1, destructions: 0, logReadUrl: s.logUrl }
  ) as unknown as nock.Body
}

/** nock hands over a vnd.api+json body as text. */
function attributesOf(body: unknown): Record<string, unknown> {
  const doc = (typeof body === 'string' ? JSON.parse(body) : body) as { data: { attributes: Record<string, unknown> } }
  return doc.data.attributes
}

const Confirmable: RunState = { status: 'planned', confirmable: true, discardable: true }
const Applied: RunState = { status: 'applied', apply: 'finished' }

/**
 * A fake workspace on nock: each created run replays a script of states; a confirm switches the
 * run to its `afterConfirm` script. Counts what the step did.
 */
class FakeApi {
  creates: Record<string, unknown>[] = []
  confirms: string[] = []
  discards: string[] = []
  cancels: string[] = []
  gets = 0
  private scripts: { before: RunState[]; afterConfirm: RunState[] }[]
  private runs = new Map<string, { script: RunState[]; afterConfirm: RunState[] }>()

  constructor(scripts: { before: RunState[]; afterConfirm?: RunState[] }[], options: { outputs?: boolean } = {}) {
    this.scripts = scripts.map(s => ({ before: [...s.before], afterConfirm: [...(s.afterConfirm ?? [])] }))
    const scope = nock(host).persist()
    scope
      .get('/api/v2/organizations/acme/workspaces/network')
      .reply(200, { data: workspaceResource({ id: wsId, name: 'network', organization: 'acme' }) })
    scope.post('/api/v2/runs').reply((_uri, body) => {
      const script = this.scripts.shift()
      if (!script) return [500, errorDocument(500, 'test: no more scripted runs')]
      const id = `run-${String(this.creates.length + 1).padStart(16, '0')}`
      this.creates.push(attributesOf(body))
      this.runs.set(id, { script: script.before, afterConfirm: script.afterConfirm })
      return [201, runDoc(id, { status: 'pending', discardable: true })]
    })
    scope
      .get(/\/api\/v2\/runs\/run-\d+$/)
      .query({ include: 'plan,apply' })
      .reply(uri => {
        this.gets++
        const id = uri.split('/').pop()?.split('?')[0] as string
        const run = this.runs.get(id)
        if (!run) return [404, errorDocument(404, 'not found')]
        const state = run.script.length > 1 ? (run.script.shift() as RunState) : (run.script[0] as RunState)
        return [200, runDoc(id, state)]
      })
    scope.post(/\/actions\/apply$/).reply(uri => {
      const id = uri.split('/')[4] as string
      const run = this.runs.get(id)
      if (!run || !run.script[0]?.confirmable) return [409, errorDocument(409, 'transition not allowed')]
      this.confirms.push(id)
      run.script = run.afterConfirm
      return [202, '']
    })
    // A discard or cancel ends the run at once, and is counted.
    for (const [action, done, end] of [
      ['discard', this.discards, 'discarded'],
      ['cancel', this.cancels, 'canceled']
    ] as const) {
      scope.post(new RegExp(`/actions/${action}$`)).reply(uri => {
        const id = uri.split('/')[4] as string
        done.push(id)
        const run = this.runs.get(id)
        if (run) run.script = [{ status: end }]
        return [202, '']
      })
    }
    // No structured log in these runs: the change report asks for the plan's JSON, not ready yet.
    // (Every request a test makes must be answered: an unmatched one is an unhandled error under jest.)
    scope.get(/\/api\/v2\/plans\/[^/]+\/json-output(-redacted)?$/).reply(204)
    scope.get(/\/api\/v2\/runs\/[^/]+\/(policy-checks|task-stages)/).reply(200, listDocument([], 1, 20))
    scope
      .get(/\/api\/v2\/workspaces\/[^/]+\/run-triggers/)
      .query(true)
      .reply(200, listDocument([], 1, 100))
    if (options.outputs === false) return
    scope
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(200, { data: stateVersionResource({ id: 'sv-1', serial: 1, resourcesProcessed: true }) })
    scope
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(
        200,
        listDocument(
          [outputResource('wsout-1', 'vpc_id', 'vpc-1', false), outputResource('wsout-2', 'db_password', 'hunter2', true)],
          1,
          100
        )
      )
  }
}

/** A persistent nock scope that already answers the workspace read. */
function workspaceApi(facts: Partial<Parameters<typeof workspaceResource>[0]> = {}): nock.Scope {
  return nock(host)
    .persist()
    .get('/api/v2/organizations/acme/workspaces/network')
    .reply(200, { data: workspaceResource({ id: wsId, name: 'network', organization: 'acme', ...facts }) })
    .get(/\/api\/v2\/plans\/[^/]+\/json-output(-redacted)?$/)
    .reply(204)
    .get(/\/api\/v2\/runs\/[^/]+\/(policy-checks|task-stages)/)
    .reply(200, listDocument([], 1, 20))
    .get(/\/api\/v2\/workspaces\/[^/]+\/run-triggers/)
    .query(true)
    .reply(200, listDocument([], 1, 100))
}

/** The workspace, one run (run-1) created pending, and the interceptor for its reads: give its reply. */
function runOne(facts: Partial<Parameters<typeof workspaceResource>[0]> = {}): nock.Interceptor {
  return workspaceApi(facts)
    .post('/api/v2/runs')
    .reply(201, runDoc('run-1', { status: 'pending' }))
    .get('/api/v2/runs/run-1')
    .query(true)
}

const fastPolls = { firstMs: 5, growth: 1, capMs: 5, pendingCapMs: 5, denseMs: 5, sparseMaxMs: 5, logLedMs: 5 }

interface Recorded {
  following: string[]
  releases: number
  stopping: string[]
}

async function execute(
  s: Settings,
  signal = new AbortController().signal,
  options: {
    readOutageLimitMs?: number
    createRetryDelayMs?: number
    cancel?: AbortSignal
    outputsBoundMs?: number
    logDrainMs?: number
    pollSchedule?: typeof fastPolls
  } = {}
): Promise<Outcome & Recorded> {
  const recorded: Recorded = { following: [], releases: 0, stopping: [] }
  const client = new TfeClient({ baseUrl: host, token: 'tok', backoffBaseMs: 5 })
  const sink = {
    creating: () => undefined,
    following: (id: string) => void recorded.following.push(id),
    stopping: (reason: string) => void recorded.stopping.push(reason),
    release: () => void recorded.releases++
  }
  try {
    const outcome = await new RunLifecycle(s, client, sink, {
      pollSchedule: options.pollSchedule ?? fastPolls,
      createRetryDelayMs: options.createRetryDelayMs ?? 5,
      readOutageLimitMs: options.readOutageLimitMs ?? 120_000,
      outputsBoundMs: options.outputsBoundMs ?? 2_000,
      stopBudgetMs: 2_000,
      logIntervalMs: 20,
      logDrainMs: options.logDrainMs ?? 2_000
    }).execute(signal, options.cancel ?? signal)
    return { ...outcome, ...recorded }
  } finally {
    client.dispose()
  }
}

describe('run lifecycle', () => {
  const out = useNockAndCapture()

  it('queues an apply without auto-apply, confirms it once, and reports the apply and outputs', async () => {
    const api = new FakeApi([
      { before: [{ status: 'planning', cancelable: true }, Confirmable], afterConfirm: [{ status: 'applying' }, Applied] }
    ])
    const o = await execute(settings())
    expect(o.success).toBe(true)
    expect(o.status).toBe('applied')
    expect(api.creates).toHaveLength(1)
    expect(api.creates[0]).toMatchObject({ 'auto-apply': false, 'is-destroy': false, 'plan-only': false, refresh: true })
    expect(String(api.creates[0]?.message)).toMatch(/^msg \[tfe-workspace-run .+\.1\]$/)
    expect(api.confirms).toEqual([o.run?.id])
    expect(o.outputs).toEqual({ vpc_id: 'vpc-1' })
    expect(o.runUrl).toBe(`${host}/app/acme/workspaces/network/runs/${o.run?.id}`)
    expect(textFacts(o.message).runIds).toEqual([o.run?.id])
    expect(textFacts(o.message).urls).toEqual([o.runUrl])
    expect(o.following).toEqual([o.run?.id])
    expect(o.releases).toBeGreaterThan(0)
  })

  it('keeps waiting through statuses it does not know (cost estimation, run tasks, future ones)', async () => {
    const api = new FakeApi([
      {
        before: [
          { status: 'planning' },
          { status: 'cost_estimating' },
          { status: 'post_plan_awaiting_decision' },
          { status: 'some_status_from_the_future' },
          { status: 'cost_estimated', confirmable: true }
        ],
        afterConfirm: [{ status: 'queuing_apply' }, { status: 'applying' }, Applied]
      }
    ])
    const o = await execute(settings())
    expect(o.success).toBe(true)
    expect(api.confirms).toHaveLength(1)
    expect(only(stepFacts(out.text()).annotations, a => a.kind === 'notice').urls).toEqual([
      `${host}/app/acme/workspaces/network/runs/${api.confirms[0]}`
    ])
  })

  it('ends successfully at planned_and_finished without confirming anything', async () => {
    const api = new FakeApi([{ before: [{ status: 'planning' }, { status: 'planned_and_finished', hasChanges: false }] }])
    const o = await execute(settings())
    expect(o.success).toBe(true)
    expect(o.status).toBe('planned_and_finished')
    expect(o.run?.hasChanges).toBe(false)
    expect(api.confirms).toHaveLength(0)
    expect(o.message).toMatch(/no changes/)
  })

  it('confirms a confirmable plan whose has-changes is false (output-only changes) instead of waiting forever', async () => {
    const api = new FakeApi([{ before: [{ ...Confirmable, hasChanges: false }], afterConfirm: [Applied] }])
    const o = await execute(settings())
    expect(o.status).toBe('applied')
    expect(api.confirms).toHaveLength(1)
    nock.cleanAll()
    const api2 = new FakeApi([{ before: [{ ...Confirmable, hasChanges: false }], afterConfirm: [Applied] }])
    expect((await execute(settings({ allowEmptyApply: true }))).status).toBe('applied')
    expect(api2.creates[0]).toMatchObject({ 'allow-empty-apply': true })
  })

  it('with manual_confirm waits for a person and never confirms', async () => {
    const api = new FakeApi([{ before: [Confirmable, Confirmable, Confirmable, { status: 'confirmed' }, { status: 'applying' }, Applied] }])
    const o = await execute(settings({ manualConfirm: true }))
    expect(o.success).toBe(true)
    expect(api.confirms).toHaveLength(0)
    expect(api.creates[0]).toMatchObject({ 'auto-apply': false })
    const notice = only(stepFacts(out.text()).annotations, a => a.kind === 'notice')
    expect([notice.inputs, notice.urls]).toEqual([['manual_confirm'], [`${host}/app/acme/workspaces/network/runs/${notice.runIds[0]}`]])
  })

  it('waits for a policy override even with manual_confirm false, then confirms', async () => {
    const api = new FakeApi([
      {
        before: [
          { status: 'policy_checking' },
          { status: 'policy_override', discardable: true },
          { status: 'policy_override', discardable: true },
          { status: 'policy_checked', confirmable: true }
        ],
        afterConfirm: [Applied]
      }
    ])
    const o = await execute(settings())
    expect(o.success).toBe(true)
    expect(api.confirms).toHaveLength(1)
    expect(out.text().match(/soft-mandatory policy failed.*override/g)).toHaveLength(1)
  })

  it('retries runs that errored in their plan, with backoff in seconds growing to the cap', async () => {
    const planError: RunState = { status: 'errored', plan: 'errored' }
    const api = new FakeApi([
      { before: [planError] },
      { before: [planError] },
      { before: [planError] },
      { before: [Confirmable], afterConfirm: [Applied] }
    ])
    const started = performance.now()
    const o = await execute(settings({ retryBackoffMinMs: 100, retryBackoffMaxMs: 150 }))
    expect(o.success).toBe(true)
    expect(api.creates).toHaveLength(4)
    expect(o.runIds).toHaveLength(4)
    expect(new Set(api.creates.map(c => c.message)).size).toBe(4)
    const log = out.text()
    // One warning per retried run, each with the pause before the next run.
    const warnings = stepFacts(log).annotations.filter(a => a.kind === 'warning')
    expect(warnings.map(w => w.seconds)).toEqual([[0.1], [0.15], [0.15]])
    expect(performance.now() - started).toBeGreaterThanOrEqual(100 + 150 + 150)
  })

  it('gives up after 1 + retry_attempts runs that errored in their apply', async () => {
    const applyError: RunState = { status: 'errored', apply: 'errored' }
    const api = new FakeApi([1, 2, 3].map(() => ({ before: [Confirmable], afterConfirm: [{ status: 'applying' }, applyError] })))
    const o = await execute(settings({ retryAttempts: 2 }))
    expect(o.success).toBe(false)
    expect(o.status).toBe('errored')
    expect(api.creates).toHaveLength(3)
    expect(o.runIds).toHaveLength(3)
    expect(textFacts(o.message).inputs).toEqual(['retry_attempts'])
  })

  it('does not retry when retry is false', async () => {
    const api = new FakeApi([{ before: [{ status: 'errored', plan: 'errored' }] }, { before: [Confirmable] }])
    const o = await execute(settings({ retry: false }))
    expect(o.success).toBe(false)
    expect(api.creates).toHaveLength(1)
    expect([o.attempts, o.runIds.length]).toEqual([1, 1])
  })

  it.each<[string, RunState]>([
    ['a hard-mandatory policy failure', { status: 'errored', plan: 'finished', apply: 'unreachable' }],
    ['a discard by someone else', { status: 'discarded' }],
    ['a cancel by someone else', { status: 'canceled' }],
    ['a force-cancel', { status: 'force_canceled' }]
  ])('treats %s as final', async (_what, end) => {
    const api = new FakeApi([{ before: [{ status: 'planning' }, end] }, { before: [Applied] }])
    const o = await execute(settings())
    expect(o.success).toBe(false)
    expect(o.status).toBe(end.status)
    expect(api.creates).toHaveLength(1)
    expect(textFacts(o.message).urls).toEqual([`${host}/app/acme/workspaces/network/runs/${o.run?.id}`])
  })

  it('queues destroy runs with is-destroy', async () => {
    const api = new FakeApi([{ before: [Confirmable], afterConfirm: [Applied] }])
    const o = await execute(settings({ operation: 'destroy' }))
    expect(o.success).toBe(true)
    expect(api.creates[0]).toMatchObject({ 'is-destroy': true, 'plan-only': false })
    expect(o.outputs).toBeUndefined()
  })

  it('queues plan-only runs, never confirms them, and accepts a soft policy failure with a warning', async () => {
    const api = new FakeApi([{ before: [{ status: 'planning' }, { status: 'policy_soft_failed' }] }])
    const o = await execute(settings({ operation: 'plan' }))
    expect(o.success).toBe(true)
    expect(api.creates[0]).toMatchObject({ 'plan-only': true, 'auto-apply': false })
    expect(api.confirms).toHaveLength(0)
    expect(only(stepFacts(out.text()).annotations, a => a.kind === 'warning').runIds).toEqual([o.run?.id])
  })

  it('sends targets, replacements and variables as run attributes', async () => {
    const api = new FakeApi([{ before: [{ status: 'planned_and_finished' }] }])
    await execute(
      settings({
        targetAddrs: ['module.a'],
        replaceAddrs: ['aws_instance.b'],
        variables: [{ key: 'region', value: '"eu"' }],
        refresh: false
      })
    )
    expect(api.creates[0]).toMatchObject({
      'target-addrs': ['module.a'],
      'replace-addrs': ['aws_instance.b'],
      variables: [{ key: 'region', value: '"eu"' }],
      refresh: false
    })
  })

  it('treats destroy on a workspace without configuration as a successful no-op, and apply as a failure', async () => {
    workspaceApi()
      .post('/api/v2/runs')
      .reply(422, { errors: [{ status: '422', title: 'unprocessable entity', detail: 'Configuration version is missing' }] })
    const destroy = await execute(settings({ operation: 'destroy' }))
    expect(destroy.success).toBe(true)
    expect(destroy.runIds).toEqual([])
    expect(only(stepFacts(out.text()).annotations, a => a.kind === 'notice').workspaces).toEqual(['acme/network'])
    const apply = await execute(settings())
    expect(apply.success).toBe(false)
    expect([apply.status, apply.runIds, textFacts(apply.message).workspaces]).toEqual(['', [], ['acme/network']])
  })

  it('with wait_for_run false queues once and returns, auto-apply unless manual_confirm', async () => {
    const api = new FakeApi([{ before: [Confirmable] }, { before: [Confirmable] }])
    const o = await execute(settings({ waitForRun: false }))
    expect(o.success).toBe(true)
    expect(o.status).toBe('pending')
    expect(api.gets).toBe(0)
    expect(o.following).toEqual([])
    await execute(settings({ waitForRun: false, manualConfirm: true }))
    expect(api.creates.map(c => c['auto-apply'])).toEqual([true, false])
  })

  it('takes a 409 on confirm as done when the run has already moved on', async () => {
    let reads = 0
    runOne()
      .reply(() => {
        reads++
        return [200, runDoc('run-1', reads === 1 ? Confirmable : reads === 2 ? { status: 'apply_queued' } : Applied)]
      })
      .post('/api/v2/runs/run-1/actions/apply')
      .reply(409, { errors: [{ status: '409', title: 'transition not allowed' }] })
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(404, errorDocument(404, 'not found'))
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(200, listDocument([], 1, 100))
    const o = await execute(settings())
    expect(o.success).toBe(true)
    expect(o.status).toBe('applied')
  })

  it('finds the run instead of queueing a second one when the create answer is lost', async () => {
    let posts = 0
    workspaceApi()
      .post('/api/v2/runs')
      .reply((_uri, body) => {
        posts++
        const message = attributesOf(body).message
        lost = { id: 'run-LOST', type: 'runs', attributes: { message } }
        return [502, '<html>Bad Gateway</html>', { 'Content-Type': 'text/html' }]
      })
      .get(`/api/v2/workspaces/${wsId}/runs`)
      .query(q => String(q['filter[operation]']).includes('plan_only'))
      .reply(() => [
        200,
        {
          data: lost ? [{ id: 'run-OTHER', type: 'runs', attributes: { message: 'someone else' } }, lost] : [],
          meta: { pagination: { 'next-page': null } }
        }
      ])
      .get('/api/v2/runs/run-LOST')
      .query(true)
      .reply(200, runDoc('run-LOST', { status: 'planned_and_finished', hasChanges: false }))
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(404, errorDocument(404, 'not found'))
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(200, listDocument([], 1, 100))
    let lost: unknown
    const o = await execute(settings())
    expect(posts).toBe(1)
    expect(o.success).toBe(true)
    expect(o.runIds).toEqual(['run-LOST'])
    expect(
      stepFacts(out.text())
        .annotations.filter(a => a.kind === 'warning')
        .map(a => a.statuses)
    ).toEqual([[502]])
  })

  it.each([
    ['JSON that is not the API', { status: 'ok' }],
    ['a run without an id', { data: { type: 'runs' } }]
  ])('a create answered 201 with %s fails the step, and the run it may have queued is found and discarded', async (_name, answer) => {
    let posts = 0
    let queued: ReturnType<typeof runResource> | undefined
    const discards: string[] = []
    workspaceApi()
      .post('/api/v2/runs')
      .reply((_uri, body) => {
        posts++
        queued = runResource({ id: 'run-UNREAD', status: 'pending', message: String(attributesOf(body).message) })
        return [201, answer]
      })
      .get(`/api/v2/workspaces/${wsId}/runs`)
      .query(true)
      .reply(() => [200, listDocument(queued ? [queued] : [], 1, 20)])
      .get('/api/v2/runs/run-UNREAD')
      .query(true)
      .reply(() => [200, runDoc('run-UNREAD', discards.length ? { status: 'discarded' } : { status: 'pending', discardable: true })])
      .post('/api/v2/runs/run-UNREAD/actions/discard')
      .reply(() => {
        discards.push('run-UNREAD')
        return [202, '']
      })
    const o = await execute(settings())
    expect(posts).toBe(1)
    expect(o.success).toBe(false)
    expect(discards).toEqual(['run-UNREAD'])
    expect(o.runIds).toEqual(['run-UNREAD'])
    expect(o.status).toBe('discarded')
  })

  it('on timeout discards the waiting run it queued and says so', async () => {
    const api = new FakeApi([{ before: [Confirmable] }])
    const controller = new AbortController()
    setTimeout(() => controller.abort(new AbortedError('timeout', 'timeout')), 100)
    const o = await execute(settings({ manualConfirm: true, timeoutMs: 100 }), controller.signal)
    expect(o.success).toBe(false)
    expect(api.discards).toEqual([o.run?.id])
    expect(textFacts(o.message)).toMatchObject({
      inputs: ['timeout_minutes'],
      runIds: [o.run?.id],
      quoted: expect.arrayContaining(['timeout_minutes', 'planned'])
    })
  })

  it('on timeout leaves the run alone when cancel_on_abort is false', async () => {
    const api = new FakeApi([{ before: [Confirmable] }])
    const controller = new AbortController()
    setTimeout(() => controller.abort(new AbortedError('cancelled', 'cancelled')), 100)
    const o = await execute(settings({ manualConfirm: true, cancelOnAbort: false }), controller.signal)
    expect(o.success).toBe(false)
    expect(api.discards).toEqual([])
    expect(textFacts(o.message)).toMatchObject({ inputs: ['cancel_on_abort'], runIds: [o.run?.id] })
  })

  it('names the inputs to check when the workspace is not found', async () => {
    nock(host)
      .get('/api/v2/organizations/acme/workspaces/network')
      .reply(404, { errors: [{ status: '404', title: 'not found' }] })
    const o = await execute(settings())
    expect(o.success).toBe(false)
    expect(textFacts(o.message)).toMatchObject({ inputs: ['workspace', 'organization', 'hostname'], statuses: [404] })
    expect(textFacts(o.message).quoted.slice(0, 2)).toEqual(['network', 'acme'])
  })

  it('survives failed reads for a while, then fails clearly instead of polling forever', async () => {
    let reads = 0
    runOne().reply(() =>
      ++reads <= 2 ? [200, runDoc('run-1', { status: 'planning' })] : [503, { errors: [{ status: '503', title: 'unavailable' }] }]
    )
    const o = await execute(settings(), undefined, { readOutageLimitMs: 300 })
    expect(o.success).toBe(false)
    expect(textFacts(o.message)).toMatchObject({ runIds: ['run-1'], statuses: [503] })
    expect(stepFacts(out.text()).annotations.some(a => a.kind === 'warning' && a.runIds[0] === 'run-1' && a.statuses[0] === 503)).toBe(true)
    // It cannot read the run to stop it either; giving up is the step's own reason, so the post
    // step is not asked to try again: the run is released and left as it is, with its URL.
    expect(textFacts(o.message).urls).toEqual(['https://tfe.test/app/acme/workspaces/network/runs/run-1'])
    expect(textFacts(o.message).quoted).toContain('planning')
    expect(o.stopping).toEqual([])
    expect(o.releases).toBeGreaterThan(0)
  })

  it('discards a run that keeps refusing confirmation, so it does not hold the workspace', async () => {
    const discards: string[] = []
    runOne()
      .reply(200, runDoc('run-1', Confirmable))
      .post('/api/v2/runs/run-1/actions/apply')
      .reply(409, { errors: [{ status: '409', title: 'transition not allowed' }] })
      .post('/api/v2/runs/run-1/actions/discard')
      .reply(() => {
        discards.push('run-1')
        return [202, '']
      })
    const o = await execute(settings())
    expect(o.success).toBe(false)
    expect(discards).toEqual(['run-1'])
    expect(textFacts(o.message)).toMatchObject({ runIds: ['run-1'], statuses: [409], quoted: expect.arrayContaining(['planned']) })
    expect(o.message).toContain('https://tfe.test/app/acme/workspaces/network/runs/run-1')
  })

  // ---- trust under races (issue: the run as one decision table) -------------------------------

  it('guarantee: never applies after the step was told to stop — the deadline lands while the read showing is-confirmable is in flight', async () => {
    for (const cancelOnAbort of [true, false]) {
      nock.cleanAll()
      const controller = new AbortController()
      const requests: string[] = []
      // The first poll answers late (is-confirmable): the deadline fires while it is in flight.
      nock(host).get('/api/v2/runs/run-1').query(true).delay(300).reply(200, runDoc('run-1', Confirmable))
      let reads = 0
      runOne()
        .reply(() => [200, runDoc('run-1', requests.length || ++reads > 3 ? { status: 'discarded' } : Confirmable)])
        .post(/\/actions\/(apply|discard|cancel)$/)
        .reply(uri => {
          requests.push(uri.split('/').pop() as string)
          return [202, '']
        })
      setTimeout(() => controller.abort(new AbortedError('timeout', 'timeout')), 100)
      const o = await execute(settings({ cancelOnAbort, timeoutMs: 100 }), controller.signal)
      expect(o.success).toBe(false)
      expect(requests).not.toContain('apply')
      expect([cancelOnAbort, requests]).toEqual([cancelOnAbort, cancelOnAbort ? ['discard'] : []])
    }
  })

  it('guarantee: never applies after the step was told to stop — an in-flight read is cut off when the job is cancelled, and the run is still stopped in time', async () => {
    const controller = new AbortController()
    const discards: string[] = []
    let reads = 0
    // A read that would hang for 20 s: the step must not wait for it.
    nock(host)
      .get('/api/v2/runs/run-1')
      .query(true)
      .delay(20_000)
      .reply(200, runDoc('run-1', { status: 'planned' }))
    runOne()
      .reply(() => {
        reads++
        return [200, runDoc('run-1', reads >= 3 ? { status: 'discarded' } : { status: 'planned', discardable: true })]
      })
      .post('/api/v2/runs/run-1/actions/discard')
      .reply(() => {
        discards.push('run-1')
        return [202, '']
      })
    setTimeout(() => controller.abort(new AbortedError('cancelled', 'cancelled')), 100)
    const started = Date.now()
    const o = await execute(settings({ manualConfirm: true }), controller.signal)
    // The runner kills the step 7.5 s after a cancel; the stop must be done well before.
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(discards).toEqual(['run-1'])
    expect(o.stopping).toEqual(['cancelled'])
    expect(o.status).toBe('discarded')
  })

  it('guarantee: at most one run per attempt — a 504 whose run is committed 0.4 s later is found, not queued again', async () => {
    for (const waitForRun of [true, false]) {
      nock.cleanAll()
      const committed: ReturnType<typeof runResource>[] = []
      let posts = 0
      workspaceApi()
        .post('/api/v2/runs')
        .reply((_uri, body) => {
          posts++
          const message = attributesOf(body).message as string
          setTimeout(() => committed.push(runResource({ id: 'run-LATE', status: 'pending', message })), 400)
          return [504, '<html>Gateway Time-out</html>', { 'Content-Type': 'text/html' }]
        })
        .get(`/api/v2/workspaces/${wsId}/runs`)
        .query(true)
        .reply(() => [200, listDocument([...committed].reverse(), 1, 20)])
        .get('/api/v2/runs/run-LATE')
        .query(true)
        .reply(200, runDoc('run-LATE', { status: 'planned_and_finished', hasChanges: false }))
        .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
        .query(true)
        .reply(200, listDocument([], 1, 100))
      const o = await execute(settings({ waitForRun }), undefined, { createRetryDelayMs: 600 })
      expect([waitForRun, posts]).toEqual([waitForRun, 1])
      expect(o.runIds).toEqual(['run-LATE'])
      expect(o.success).toBe(true)
    }
  })

  it('guarantee: at most one run per attempt — a run committed even later than the pause is listed in run_ids and discarded with a comment saying why', async () => {
    const committed: ReturnType<typeof runResource>[] = []
    const discarded: { id: string; comment: string }[] = []
    let posts = 0
    workspaceApi()
      .post('/api/v2/runs')
      .reply((_uri, body) => {
        const message = attributesOf(body).message as string
        if (++posts === 1) return [504, '<html>Gateway Time-out</html>', { 'Content-Type': 'text/html' }]
        // The first request reaches the backend only now, just before the re-send.
        committed.push(runResource({ id: 'run-FIRST', status: 'plan_queued', message, createdAt: '2026-11-23T07:00:01Z' }))
        committed.push(runResource({ id: 'run-SECOND', status: 'pending', message, createdAt: '2026-11-23T07:00:02Z' }))
        return [201, runDoc('run-SECOND', { status: 'pending', discardable: true }, message)]
      })
      .get(`/api/v2/workspaces/${wsId}/runs`)
      .query(true)
      .reply(() => [200, listDocument([...committed].reverse(), 1, 20)])
      .get('/api/v2/runs/run-FIRST')
      .query(true)
      .reply(200, runDoc('run-FIRST', { status: 'planned_and_finished', hasChanges: false }))
      .get('/api/v2/runs/run-SECOND')
      .query(true)
      .reply(() => [
        200,
        runDoc('run-SECOND', discarded.length ? { status: 'discarded' } : { status: 'pending', discardable: true, cancelable: true })
      ])
      .post('/api/v2/runs/run-SECOND/actions/discard')
      .reply((_uri, body) => {
        discarded.push({ id: 'run-SECOND', comment: String((typeof body === 'string' ? JSON.parse(body) : body).comment) })
        return [202, '']
      })
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(200, listDocument([], 1, 100))
    const o = await execute(settings(), undefined, { createRetryDelayMs: 5 })
    expect(posts).toBe(2)
    expect(o.runIds).toEqual(['run-FIRST', 'run-SECOND'])
    expect(o.run?.id).toBe('run-FIRST')
    expect(o.attempts).toBe(1)
    expect(discarded.map(d => d.id)).toEqual(['run-SECOND'])
    expect(textFacts(discarded[0]?.comment ?? '').runIds).toEqual(['run-FIRST'])
  })

  it('guarantee: never cancels an apply unless the job was cancelled or timed out with cancel_on_abort — giving up for its own reasons leaves an apply in progress alone, and nothing for the post step', async () => {
    const actions: string[] = []
    let reads = 0
    runOne()
      .reply(() => {
        reads++
        if (reads === 1) return [200, runDoc('run-1', { status: 'applying', cancelable: true, confirmedAt: '2026-11-23T07:00:00Z' })]
        // The outage ends just as the step goes to stop the run: it reads it, and must leave it.
        if (reads <= 30 && !actions.length && reads < 20) return [503, errorDocument(503, 'unavailable')]
        return [200, runDoc('run-1', { status: 'applying', cancelable: true, confirmedAt: '2026-11-23T07:00:00Z' })]
      })
      .post(/\/actions\/(cancel|discard|apply)$/)
      .reply(uri => {
        actions.push(uri.split('/').pop() as string)
        return [202, '']
      })
    const o = await execute(settings(), undefined, { readOutageLimitMs: 200 })
    expect(o.success).toBe(false)
    expect(actions).toEqual([])
    expect(o.status).toBe('applying')
    expect(textFacts(o.message).urls).toEqual(['https://tfe.test/app/acme/workspaces/network/runs/run-1'])
    expect(o.stopping).toEqual([])
    expect(o.releases).toBeGreaterThan(0)
  })

  it('guarantee: never cancels an apply unless the job was cancelled or timed out with cancel_on_abort — giving up on a run that still waits discards it, with a comment that states the real reason', async () => {
    const comments: string[] = []
    let reads = 0
    let outageUntil = Infinity
    runOne()
      .reply(() => {
        reads++
        if (comments.length) return [200, runDoc('run-1', { status: 'discarded' })]
        if (reads === 1 || Date.now() > outageUntil) return [200, runDoc('run-1', { status: 'policy_override', discardable: true })]
        // Two minutes of failed reads, compressed: the outage outlasts the step's limit a little.
        if (outageUntil === Infinity) outageUntil = Date.now() + 1000
        return [503, errorDocument(503, 'unavailable')]
      })
      .post('/api/v2/runs/run-1/actions/discard')
      .reply((_uri, body) => {
        comments.push(String((typeof body === 'string' ? JSON.parse(body) : body).comment))
        return [202, '']
      })
    const o = await execute(settings(), undefined, { readOutageLimitMs: 200 })
    expect(o.success).toBe(false)
    expect(comments).toHaveLength(1)
    expect(textFacts(comments[0] ?? '')).toMatchObject({ runIds: ['run-1'], statuses: [503] })
    expect(comments[0]).not.toMatch(/cancelled/)
    expect(o.status).toBe('discarded')
  })

  it('guarantee: a 409 on confirm never leaves a run unconfirmed — planned → cost_estimating race, then confirmed at cost_estimated', async () => {
    const confirms: string[] = []
    let phase = 'planned'
    runOne()
      .reply(() => {
        if (phase === 'planned') return [200, runDoc('run-1', Confirmable)]
        if (phase === 'cost_estimating') {
          phase = 'cost_estimated'
          return [200, runDoc('run-1', { status: 'cost_estimating' })]
        }
        if (phase === 'cost_estimated') return [200, runDoc('run-1', { status: 'cost_estimated', confirmable: true, discardable: true })]
        return [200, runDoc('run-1', Applied)]
      })
      .post('/api/v2/runs/run-1/actions/apply')
      .reply(() => {
        confirms.push(phase)
        if (phase === 'planned') {
          // The run moved on between the read and the confirm.
          phase = 'cost_estimating'
          return [409, errorDocument(409, 'transition not allowed')]
        }
        phase = 'applied'
        return [202, '']
      })
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(404, errorDocument(404, 'not found'))
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(200, listDocument([], 1, 100))
    const o = await execute(settings())
    expect(confirms).toEqual(['planned', 'cost_estimated'])
    expect(o.success).toBe(true)
    expect(o.status).toBe('applied')
  })

  it('guarantee: a run that ended well is a success — even when the deadline passes during the outputs read', async () => {
    const controller = new AbortController()
    nock(host)
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(() => {
        controller.abort(new AbortedError('timeout', 'timeout'))
        return [200, { data: stateVersionResource({ id: 'sv-1', serial: 1, resourcesProcessed: true }) }]
      })
    const api = new FakeApi([{ before: [Confirmable], afterConfirm: [Applied] }])
    const o = await execute(settings({ timeoutMs: 60_000 }), controller.signal, { cancel: new AbortController().signal })
    expect(api.confirms).toHaveLength(1)
    expect(o.success).toBe(true)
    expect(o.status).toBe('applied')
    expect(o.outputs).toEqual({ vpc_id: 'vpc-1' })
  })

  it('guarantee: workspace_outputs is never a silent {} — it waits for the new state to be processed (resources-processed, 503s) and reads every page', async () => {
    let svReads = 0
    let outputReads = 0
    const all = [
      outputResource('wsout-1', 'a', 1, false),
      outputResource('wsout-2', 'b', 'two', false),
      outputResource('wsout-3', 'c', [3], false)
    ]
    const pages = [listDocument(all, 1, 2), listDocument(all, 2, 2)]
    new FakeApi([{ before: [Confirmable], afterConfirm: [Applied] }], { outputs: false })
    nock(host)
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .times(3)
      .reply(() => [200, { data: stateVersionResource({ id: 'sv-1', serial: 2, resourcesProcessed: ++svReads >= 3 }) }])
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(q => q['page[number]'] === '1')
      .times(2)
      .reply(() => (++outputReads === 1 ? [503, errorDocument(503, 'unavailable')] : [200, pages[0]]))
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(q => q['page[number]'] === '2')
      .reply(200, pages[1])
    const o = await execute(settings())
    expect(svReads).toBe(3)
    expect(o.success).toBe(true)
    expect(o.outputs).toEqual({ a: 1, b: 'two', c: [3] })
  })

  it('guarantee: workspace_outputs is never a silent {} — the step fails, naming the permission, when outputs cannot be read after an apply; read_outputs: false skips them', async () => {
    workspaceApi({ canReadStateOutputs: false })
    new FakeApi([{ before: [Confirmable], afterConfirm: [Applied] }])
    const o = await execute(settings())
    expect(o.success).toBe(false)
    expect(o.status).toBe('applied')
    expect(o.message).toMatch(/applied.*'read state outputs' permission.*read_outputs: false/)
    nock.cleanAll()
    const api = new FakeApi([{ before: [Confirmable], afterConfirm: [Applied] }], { outputs: false })
    nock(host)
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(404, errorDocument(404, 'not found'))
    nock(host).get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`).query(true).reply(404, errorDocument(404, 'not found'))
    const after404 = await execute(settings())
    expect(after404.success).toBe(false)
    expect(textFacts(after404.message).inputs).toContain('read_outputs')
    expect(after404.message).toContain('404')
    void api
    nock.cleanAll()
    new FakeApi([{ before: [Confirmable], afterConfirm: [Applied] }])
    const skipped = await execute(settings({ readOutputs: false }))
    expect(skipped.success).toBe(true)
    expect(skipped.outputs).toBeUndefined()
  })

  it('guarantee: a run that ended well is a success — and status tells where a run ended after a stop: cancelled on timeout reads canceled', async () => {
    const api = new FakeApi([{ before: [{ status: 'planning', cancelable: true }] }])
    const controller = new AbortController()
    setTimeout(() => controller.abort(new AbortedError('timeout', 'timeout')), 80)
    const o = await execute(settings({ timeoutMs: 80 }), controller.signal)
    expect(api.cancels).toHaveLength(1)
    expect(o.status).toBe('canceled')
    expect(textFacts(o.message)).toMatchObject({ runIds: [o.run?.id], quoted: ['timeout_minutes', 'planning', 'canceled'] })
  })

  it('guarantee: nothing from outside can start a workflow command — from the API: lock reasons, error details and statuses are flattened', async () => {
    const evil = 'maintenance\n::error::pwned\r\n::save-state name=active_run_id::run-evil'
    let reads = 0
    runOne({ locked: true, lockedReason: evil, lockedBy: { id: 'user-1', type: 'users' } })
      .reply(() => {
        reads++
        if (reads === 1) return [503, errorDocument(503, 'unavailable', evil)]
        if (reads === 2) return [200, runDoc('run-1', { status: 'odd\n::error::status' })]
        return [200, runDoc('run-1', { status: 'planned_and_finished', hasChanges: false })]
      })
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(200, listDocument([], 1, 100))
    const o = await execute(settings())
    expect(o.success).toBe(true)
    const lines = out.text().split(/\r?\n/)
    expect(lines.filter(l => /^\s*::(error|save-state)/.test(l))).toEqual([])
    expect(out.text()).toContain('maintenance')
  })
})

describe('run lifecycle at the edges', () => {
  const out = useNockAndCapture()

  it('guarantee: a run that ended well is a success — even when the deadline lands during the read that shows it applied', async () => {
    const controller = new AbortController()
    let reads = 0
    runOne()
      .reply((_uri, _body, reply) => {
        reads++
        if (reads === 1) return reply(null, [200, runDoc('run-1', { status: 'applying', confirmedAt: '2026-12-02T00:00:00Z' })])
        if (reads === 2) {
          // The deadline passes while the answer that shows the end is on its way.
          controller.abort(new AbortedError('timeout', 'timeout'))
          setTimeout(() => reply(null, [200, runDoc('run-1', Applied)]), 300)
          return
        }
        reply(null, [200, runDoc('run-1', Applied)])
      })
      .get(`/api/v2/workspaces/${wsId}/current-state-version`)
      .query({ include: 'outputs' })
      .reply(200, { data: stateVersionResource({ id: 'sv-1', serial: 1, resourcesProcessed: true }) })
      .get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)
      .query(true)
      .reply(200, listDocument([outputResource('wsout-1', 'vpc_id', 'vpc-1', false)], 1, 100))
    const o = await execute(settings({ timeoutMs: 60_000 }), controller.signal, { cancel: new AbortController().signal })
    expect(reads).toBeGreaterThanOrEqual(3)
    expect(o.success).toBe(true)
    expect(o.status).toBe('applied')
    expect(o.outputs).toEqual({ vpc_id: 'vpc-1' })
  })

  it('run_id refuses a speculative plan before anything is sent, naming the input', async () => {
    const sent: string[] = []
    workspaceApi()
      .get('/api/v2/runs/run-spec')
      .query(true)
      .reply(200, runDoc('run-spec', { status: 'planned_and_finished', planOnly: true }))
      .on('request', (req: { method: string; path: string }) => sent.push(`${req.method} ${req.path}`))
    const o = await execute(settings({ runId: 'run-spec' }))
    expect(o.success).toBe(false)
    expect(o.message).toContain("'run_id'")
    expect(o.message).toContain('run-spec')
    expect(sent.filter(r => !r.startsWith('GET'))).toEqual([])
    expect(o.following).toEqual([])
  })

  it('guarantee: a log line never ends the step — a log host that never ends its answer leaves the apply followed to its end', async () => {
    nock.enableNetConnect('127.0.0.1')
    const line =
      '{"@level":"info","@message":"a: Plan to create","type":"planned_change","change":{"resource":{"addr":"null_resource.a"},"action":"create"}}\n'
    const chunk = Buffer.from(line.repeat(500))
    const logHost = new HostileHost(endless(chunk))
    const logUrl = `${await logHost.start()}/log`
    try {
      const api = new FakeApi([
        {
          before: [
            { status: 'planning', cancelable: true, plan: 'running', logUrl },
            { ...Confirmable, logUrl }
          ],
          afterConfirm: [
            { status: 'applying', apply: 'running', logUrl },
            { status: 'applying', apply: 'running', logUrl },
            { ...Applied, logUrl }
          ]
        }
      ])
      const o = await execute(settings({ showLogs: true }), new AbortController().signal, { logDrainMs: 300 })
      expect(o.success).toBe(true)
      expect(o.status).toBe('applied')
      expect(api.cancels).toEqual([])
      expect(api.discards).toEqual([])
      // The change list could not be read to its end: the report never claims the log's list is
      // whole (on a loaded machine the drain may end before the first line, and the report falls
      // back to the counts, saying so).
      expect(o.changes?.source === 'log' && o.changes.complete).toBe(false)
      expect(['log', 'counts']).toContain(o.changes?.source)
      void out
    } finally {
      await logHost.stop()
    }
  })

  it.each([
    ['shown', true],
    ['not shown (show_logs: false)', false]
  ])(
    'a plan whose log is %s is read again when its log ends, not when the poll schedule says',
    async (_, showLogs) => {
      nock.enableNetConnect('127.0.0.1')
      // The schedule alone would read the run again only after 30 s: the test ends long before.
      const slow = {
        firstMs: 100,
        growth: 1000,
        capMs: 30_000,
        pendingCapMs: 30_000,
        denseMs: 30_000,
        sparseMaxMs: 30_000,
        logLedMs: 30_000
      }
      let log = Buffer.from('\u0002Terraform v1.9.0\n')
      const logHost = new HostileHost((req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams
        const offset = Number(q.get('offset'))
        res.writeHead(200)
        res.end(log.subarray(offset, offset + Number(q.get('limit'))))
      })
      const logUrl = `${await logHost.start()}/log`
      let ended = false
      const reads: string[] = []
      try {
        runOne().reply(() => {
          const state: RunState = ended
            ? { status: 'planned_and_finished', planOnly: true, logUrl }
            : { status: 'planning', plan: 'running', cancelable: true, planOnly: true, logUrl }
          reads.push(state.status)
          if (!ended && reads.length === 1)
            setTimeout(() => {
              // The plan ends: its status and its log's ETX at once, as the stand-in writes them.
              ended = true
              log = Buffer.concat([log, Buffer.from('Plan: 1 to add.\n\u0003')])
            }, 300)
          return [200, runDoc('run-1', state)]
        })
        const o = await execute(settings({ operation: 'plan', showLogs }), new AbortController().signal, { pollSchedule: slow })
        expect([o.success, o.status]).toEqual([true, 'planned_and_finished'])
        // The schedule's quick reads after the change saw it planning, then nothing for 30 s; the read
        // the log's end brought saw it finished (the test's bound is half of those 30 s).
        expect(reads).toEqual(['planning', 'planning', 'planned_and_finished'])
      } finally {
        await logHost.stop()
      }
    },
    15_000
  )
})
