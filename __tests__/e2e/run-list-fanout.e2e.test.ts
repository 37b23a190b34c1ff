/**
 * Run lists in a fan-out: 50 steps at once on one token, with adopt_queued_run and run triggers, against
 * the stand-in enforcing HCP Terraform's limits (30 requests a second, 30 run lists a minute, each with its own headers).
 * In one process: each step is what main.ts runs (inputs through getSettings, its own TfeClient and pacer, RunLifecycle, writeOutputs).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getSettings, type Settings } from '../../src/action/inputs.js'
import { TfeClient } from '../../src/tfe/client.js'
import { RunLifecycle, type PostStateSink } from '../../src/lifecycle/run-lifecycle.js'
import { writeOutputs } from '../../src/report/outputs.js'
import type { LoggedRequest } from '../../stand-in/server.ts'
import { actionYml, parseFileCommands, runnerDefault } from '../helpers/action-runner.ts'
import { captureStdout, setInputs } from '../helpers/env.ts'
import { useStandIn } from '../helpers/stand-in.ts'

const Steps = 50
const RunListsPerMinute = 30
const Sha = '0123456789abcdef0123456789abcdef01234567'
/** The fan-out's token, and one for the small cases, whose run lists must not eat the fan-out's budget. */
const FanToken = 'test-token'
const SoloToken = 'solo-token'
const fixture = useStandIn('fan', {
  rateLimitPerSecond: true,
  tokens: { [FanToken]: '*', [SoloToken]: '*' },
  defaultTimings: { queueMs: 200, planMs: 1500, applyMs: 1000, applyQueueMs: 100, processingMs: 200 }
})
const changes = { changes: { add: 1, change: 0, destroy: 0 }, outputs: { id: { value: 'x' } } }
const vcs = { ...changes, vcsRepo: { identifier: 'acme/infra', branch: 'main' } }

/** What the runner gives a step (action-runner.ts), set in this process for the steps it runs. */
const RunnerEnv: Record<string, string> = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/infra',
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_NUMBER: '17',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_SHA: Sha,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_EVENT_NAME: 'push'
}
const dir = mkdtempSync(join(tmpdir(), 'run-list-fanout-'))
const saved = new Map<string, string | undefined>()
beforeAll(() => {
  const event = join(dir, 'event.json')
  writeFileSync(event, JSON.stringify({ repository: { full_name: 'acme/infra', name: 'infra', owner: { login: 'acme' } } }))
  for (const [name, value] of Object.entries({ ...RunnerEnv, GITHUB_EVENT_PATH: event, RUNNER_TEMP: dir, GITHUB_STEP_SUMMARY: '' })) {
    saved.set(name, process.env[name])
    process.env[name] = value
  }
})
afterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

/** The post step is not run here: what the main step leaves for it is dropped. */
const NoPostState: PostStateSink = {
  creating: () => undefined,
  following: () => undefined,
  stopping: () => undefined,
  release: () => undefined
}

interface StepEnd {
  code: number
  outputs: Record<string, string>
  message: string
}

/** One step: main.ts's client, lifecycle and outputs (its exit code is 1 exactly when the outcome fails). */
async function runInProcess(i: number, settings: Settings): Promise<StepEnd> {
  const client = new TfeClient({ baseUrl: settings.baseUrl, token: settings.token, hostSetting: "the 'hostname' input" })
  try {
    const outcome = await new RunLifecycle(settings, client, NoPostState).execute(AbortSignal.any([]))
    const file = join(dir, `output-${i}`)
    writeFileSync(file, '')
    // writeOutputs is synchronous: no other step writes in between.
    process.env.GITHUB_OUTPUT = file
    writeOutputs(outcome)
    delete process.env.GITHUB_OUTPUT
    return { code: outcome.success ? 0 : 1, outputs: parseFileCommands(readFileSync(file, 'utf8')), message: outcome.message }
  } finally {
    client.dispose()
  }
}

let stepNumber = 0
/** Steps started together, each with the runner's inputs (action.yml's defaults under the workflow's); their job logs are kept apart from jest's. */
async function runSteps(workflowInputs: Record<string, string>[]): Promise<{ ends: StepEnd[]; wallMs: number }> {
  const defaults = Object.fromEntries(Object.entries(actionYml().inputs).map(([name, spec]) => [name, runnerDefault(spec.default ?? '')]))
  const out = captureStdout()
  try {
    const settings = workflowInputs.map(inputs => {
      setInputs({ ...defaults, ...inputs })
      return getSettings()
    })
    const startedAt = Date.now()
    const ends = await Promise.all(settings.map(each => runInProcess(++stepNumber, each)))
    return { ends, wallMs: Date.now() - startedAt }
  } finally {
    out.restore()
  }
}

const RunListPath = /^\/api\/v2\/(?:workspaces|organizations)\/([^/?]+)\/runs(?:\?|$)/

/** A run list some step sent, with the answer's run-list headers. */
interface ListCall {
  workspaceId: string
  step: number
  path: string
  at: number
  status: number
  remaining: number
  resetMs: number
}

function runLists(requests: readonly LoggedRequest[], stepOf: (workspaceId: string) => number = () => 0): ListCall[] {
  return requests.flatMap(q => {
    const workspaceId = q.method === 'GET' ? RunListPath.exec(q.path)?.[1] : undefined
    if (workspaceId === undefined) return []
    const { at, status, path } = q
    const step = stepOf(workspaceId)
    return [{ workspaceId, step, path, at, status, remaining: q.limit?.remaining ?? Number.NaN, resetMs: q.limit?.resetMs ?? Number.NaN }]
  })
}

/**
 * Requests a step sent although an answer it had before said the run-list window was spent
 * (X-RateLimit-Remaining 0, on a 429 or on the answer that took the last place) until its reset.
 * The stand-in logs arrival times to the millisecond; the client counts the reset from when it read the answer, later.
 */
function sentIntoSpentWindow(calls: readonly ListCall[]): { step: number; at: number; spentUntil: number }[] {
  const early: { step: number; at: number; spentUntil: number }[] = []
  const spentUntil = new Map<number, number>()
  for (const c of [...calls].sort((a, b) => a.at - b.at)) {
    const until = spentUntil.get(c.step) ?? 0
    if (c.at + 2 < until) early.push({ step: c.step, at: c.at, spentUntil: until })
    if (c.remaining <= 0) spentUntil.set(c.step, Math.max(until, c.at + c.resetMs))
  }
  return early
}

const Lists = { commit: `search%5Bcommit%5D=${Sha}`, trigger: 'filter%5Bsource%5D=tfe-run-trigger' } as const
const kindOf = (path: string): string => Object.entries(Lists).find(([, query]) => path.includes(query))?.[0] ?? path

describe('adoption lists the runs it needs, and no more', () => {
  it.each([
    ['a VCS-connected workspace with this commit’s run: the commit’s list settles it', 'vcs-run', ['commit'], 'true'],
    ['a VCS-connected workspace without one: the commit’s list, then the run triggers’', 'vcs', ['commit', 'trigger'], 'false'],
    ['a workspace without VCS: only the run triggers’ list (no run of its can prove a commit)', 'plain', ['trigger'], 'false']
  ])('%s', async (_, kind, lists, adopted) => {
    const s = fixture.server
    const ws = fixture.workspace(kind === 'plain' ? changes : vcs)
    const queued = kind === 'vcs-run' ? s.queueVcsRun(ws.id, Sha).id : undefined
    const from = s.requests.length
    const { ends } = await runSteps([fixture.inputs(ws.name, { token: SoloToken, adopt_queued_run: 'true', show_logs: 'false' })])
    const [end] = ends
    expect([end?.code, end?.outputs.adopted, s.runsOf(ws.id).length]).toEqual([0, adopted, 1])
    if (queued) expect(end?.outputs.run_id).toBe(queued)
    expect(runLists(s.requests.slice(from)).map(c => kindOf(c.path))).toEqual(lists)
  })
})

describe('run lists in a fan-out of 50 steps on one token', () => {
  it(
    'adopts each VCS run, queues one run where there is none, reports each triggered run, and keeps the run lists within their own budget',
    async () => {
      const s = fixture.server
      const fan = Array.from({ length: Steps }, (_, i) => {
        // Every other workspace is VCS-connected, and HCP Terraform has already queued a run for the merge.
        const up = fixture.workspace(i % 2 === 0 ? vcs : changes)
        const down = fixture.workspace(changes)
        s.addRunTrigger(down.id, up.id)
        return { up, down, vcsRun: i % 2 === 0 ? s.queueVcsRun(up.id, Sha).id : undefined }
      })
      const stepOf = new Map(fan.flatMap(({ up, down }, i) => [[up.id, i] as const, [down.id, i] as const]))
      const from = s.requests.length
      const { ends, wallMs } = await runSteps(
        fan.map(({ up }) => fixture.inputs(up.name, { adopt_queued_run: 'true', show_logs: 'false' }))
      )

      // Every step ends well with the outputs a workflow reads: the VCS run it adopted or its own, and the triggered run.
      expect(ends.filter(e => e.code !== 0).map(e => e.message)).toEqual([])
      fan.forEach(({ up, down, vcsRun }, i) => {
        const o = ends[i]?.outputs ?? {}
        const runs = s.runsOf(up.id)
        const downRuns = s.runsOf(down.id)
        expect({ step: i, runs: runs.length, downRuns: downRuns.length }).toEqual({ step: i, runs: 1, downRuns: 1 })
        expect({ step: i, runId: o.run_id, runIds: o.run_ids, adopted: o.adopted, status: o.status }).toEqual({
          step: i,
          runId: vcsRun ?? runs[0]?.id,
          runIds: JSON.stringify([vcsRun ?? runs[0]?.id]),
          adopted: String(vcsRun !== undefined),
          status: 'applied'
        })
        expect({ step: i, triggered: JSON.parse(o.triggered_runs ?? '[]') }).toEqual({
          step: i,
          triggered: [
            {
              workspace: `demo-org/${down.name}`,
              run_id: downRuns[0]?.id,
              status: expect.any(String),
              url: `${s.url}/app/demo-org/workspaces/${down.name}/runs/${downRuns[0]?.id}`,
              depth: 1
            }
          ]
        })
      })

      const calls = runLists(s.requests.slice(from), id => stepOf.get(id) ?? -1)
      const refused = calls.filter(c => c.status === 429)
      const refusalsPerStep = fan.map((_, i) => refused.filter(c => c.step === i).length)
      const accepted = calls.length - refused.length
      // The answered run lists alone take this long at 30 a minute: the first 30 at once, then 30 more each minute.
      const floorMs = Math.floor((accepted - 1) / RunListsPerMinute) * 60_000
      // RUN_LIST_FANOUT_FIGURES=<file> keeps the figures (BENCHMARKS.md) and every run list with its answer.
      if (process.env.RUN_LIST_FANOUT_FIGURES) {
        const figures = { steps: Steps, runLists: calls.length, accepted, refused: refused.length, refusalsPerStep, wallMs, floorMs }
        writeFileSync(process.env.RUN_LIST_FANOUT_FIGURES, JSON.stringify({ figures, calls }))
      }

      // The budget did bind (else nothing below would show anything): some answer said the window was spent.
      expect(calls.some(c => c.remaining === 0)).toBe(true)
      // Each list is one of the steps', and every answer (a 429 too) carried the run lists' own headers.
      expect(calls.filter(c => c.step < 0 || !Number.isFinite(c.remaining) || !Number.isFinite(c.resetMs))).toEqual([])
      // One list answered per step before queueing (the commit's on a VCS-connected workspace, which finds the run),
      // and one after the apply, on the downstream workspace.
      const answered = (ids: string[]): number[] => ids.map(id => calls.filter(c => c.status !== 429 && c.workspaceId === id).length)
      expect(answered(fan.map(f => f.up.id))).toEqual(fan.map(() => 1))
      expect(answered(fan.map(f => f.down.id))).toEqual(fan.map(() => 1))
      // No step sends a run list into a window an answer it had already said was spent.
      expect(sentIntoSpentWindow(calls)).toEqual([])
      // 429s stay bounded: fewer run lists refused than answered, and none refused more than three times.
      expect(refused.length).toBeLessThan(accepted)
      expect(refusalsPerStep.filter(n => n > 3)).toEqual([])
      // And the fan-out ends within five minutes of that floor: no step is held far past the windows its lists need.
      expect(wallMs).toBeLessThan(floorMs + 5 * 60_000)
    },
    15 * 60_000
  )
})
