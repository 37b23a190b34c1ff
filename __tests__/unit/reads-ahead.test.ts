/** The reads a run's end needs, made before it: when they start, and that the end never waits for their random point. */
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { TfeClient } from '../../src/tfe/client.ts'
import { ReadsAhead, MaxAheadSpreadMs } from '../../src/lifecycle/ahead.ts'
import type { Step } from '../../src/lifecycle/step.ts'
import type { Run } from '../../src/tfe/runs.ts'
import { listDocument } from '../../stand-in/documents.ts'
import { useNockAndCapture } from '../helpers/env.ts'

const host = 'https://tfe.example.com'
const triggersPath = /\/api\/v2\/workspaces\/ws-1\/run-triggers/

/** Just what ReadsAhead touches of a step: its client, its workspace (with long averages), its plan cache. */
function fakeStep(planReads: string[]): Step {
  const client = new TfeClient({ baseUrl: host, token: 'tok', backoffBaseMs: 1 })
  return {
    client,
    target: { id: 'ws-1', planDurationAverageMs: 600_000, applyDurationAverageMs: 600_000 },
    plans: { read: async (id: string) => (planReads.push(id), { plan: undefined, why: 'test' }) }
  } as unknown as Step
}
const run = (id: string): Run => ({ id, plan: { id: `plan-${id}` } }) as unknown as Run

describe('reads ahead', () => {
  useNockAndCapture()

  it('waits for a random point of the stage, and goes at once when the run ends first', async () => {
    let listed = 0
    nock(host)
      .get(triggersPath)
      .query(true)
      .reply(() => (listed++, [200, listDocument([], 1, 100)]))
    const planReads: string[] = []
    // The latest point of the spread: five seconds after the stage began.
    const ahead = new ReadsAhead(() => 0.999)
    const signal = new AbortController().signal
    ahead.start(fakeStep(planReads), run('run-1'), { triggers: true, plan: true }, signal)
    await new Promise(resolve => setTimeout(resolve, 100))
    expect([listed, planReads]).toEqual([0, []])
    ahead.now()
    const late = new Promise(resolve => setTimeout(() => resolve('still waiting'), MaxAheadSpreadMs / 2))
    expect(await Promise.race([ahead.outboundTriggers('run-1'), late])).toEqual({ items: [], complete: true, skipped: 0 })
    expect([listed, planReads]).toEqual([1, ['plan-run-1']])
  })

  it('reads each once per run, and nothing of one run is another run’s', async () => {
    let listed = 0
    nock(host)
      .persist()
      .get(triggersPath)
      .query(true)
      .reply(() => (listed++, [200, listDocument([], 1, 100)]))
    const planReads: string[] = []
    const ahead = new ReadsAhead(() => 0)
    const step = fakeStep(planReads)
    const signal = new AbortController().signal
    for (const allowed of [
      { triggers: true, plan: false },
      { triggers: true, plan: true },
      { triggers: true, plan: true }
    ])
      ahead.start(step, run('run-1'), allowed, signal)
    await ahead.outboundTriggers('run-1')
    await new Promise(resolve => setTimeout(resolve, 20))
    expect([listed, planReads]).toEqual([1, ['plan-run-1']])
    // A retry's run: its own reads, and the first run's list is not handed out for it.
    expect(await ahead.outboundTriggers('run-2')).toBeUndefined()
    ahead.start(step, run('run-2'), { triggers: true, plan: false }, signal)
    await ahead.outboundTriggers('run-2')
    expect(listed).toBe(2)
    nock.cleanAll()
  })
})
