/**
 * The decision table, walked: every documented run status (and one the action does not know) ×
 * operation × manual_confirm × is-confirmable × has-changes × the run's origin (queued, queued
 * to save its plan, or given with run_id), as inputs.ts allows them. Each row's decision is checked
 * against what a user is promised, not against a copy of the implementation.
 */
import { describe, expect, it } from '@jest/globals'
import {
  decide,
  decideNoConfiguration,
  decideReadFailure,
  decideStop,
  retryDelayMs,
  MaxConfirmRefusals,
  type Decision,
  type Memory,
  type RunFacts,
  type StopDecision,
  type StopReason
} from '../../src/lifecycle/decide.js'
import { decideChecks, decidePendingReport, decideReadAhead, NoChecksSeen, pendingClock } from '../../src/lifecycle/decide-reports.js'
import { Operations, type Operation } from '../../src/action/names.js'
// Runs HCP Terraform queued itself (decide-queued.ts): their rows are at the end.
import {
  decideAdoption,
  decideFollowDeeper,
  decideStopNotQueued,
  decideTriggeredLink,
  decideTriggeredNext,
  TriggerClockSkewMs,
  type CandidateFacts,
  type RunOrigin
} from '../../src/lifecycle/decide-queued.js'
import { evaluateGuard, type GuardFacts } from '../../src/review/guard.js'
import { parseGuardRules } from '../../src/review/rules.js'

const Documented = [
  'pending',
  'fetching',
  'fetching_completed',
  'pre_plan_running',
  'pre_plan_completed',
  'queuing',
  'plan_queued',
  'planning',
  'planned',
  'cost_estimating',
  'cost_estimated',
  'policy_checking',
  'policy_checked',
  'policy_override',
  'policy_soft_failed',
  'post_plan_running',
  'post_plan_awaiting_decision',
  'post_plan_completed',
  'planned_and_finished',
  'planned_and_saved',
  'confirmed',
  'queuing_apply',
  'apply_queued',
  'pre_apply_running',
  'pre_apply_awaiting_decision',
  'pre_apply_completed',
  'applying',
  'applied',
  'discarded',
  'errored',
  'canceled',
  'force_canceled',
  'a_status_from_the_future'
]
/** The retry pause of these rows: 10 s doubling up to 60 s. */
const Backoff = { retryBackoffMinMs: 10_000, retryBackoffMaxMs: 60_000 }

const Final = new Set(['applied', 'planned_and_finished', 'policy_soft_failed', 'discarded', 'errored', 'canceled', 'force_canceled'])
const ApplyPhase = new Set([
  'confirmed',
  'queuing_apply',
  'apply_queued',
  'pre_apply_running',
  'pre_apply_awaiting_decision',
  'pre_apply_completed',
  'applying'
])

function run(status: string, over: Partial<RunFacts> = {}): RunFacts {
  return {
    status,
    isConfirmable: false,
    isDiscardable: false,
    isCancelable: false,
    hasChanges: true,
    confirmedAt: undefined,
    planStatus: 'finished',
    applyStatus: 'pending',
    ...over
  }
}

function memory(over: Partial<Memory> = {}): Memory {
  return { confirmSentAt: undefined, confirmRefusals: 0, retriesLeft: 3, attempt: 1, ...over }
}

/** Where the followed run comes from: queued by the step, queued with save_plan, or given with run_id. */
type Origin = 'queued' | 'save-plan' | 'run-id'
const Origins: Origin[] = ['queued', 'save-plan', 'run-id']

interface Row {
  status: string
  origin: Origin
  operation: Operation
  manualConfirm: boolean
  confirmable: boolean
  hasChanges: boolean
  decision: Decision
}

const rows: Row[] = []
for (const status of Documented)
  for (const origin of Origins)
    for (const operation of Operations)
      for (const manualConfirm of [false, true])
        for (const confirmable of [false, true])
          for (const hasChanges of [false, true]) {
            // inputs.ts refuses save_plan and run_id with a plan-only operation.
            if (origin !== 'queued' && operation === 'plan') continue
            const decision = decide(
              run(status, { isConfirmable: confirmable, hasChanges }),
              {
                operation,
                manualConfirm,
                cancelOnAbort: true,
                savePlan: origin === 'save-plan',
                runId: origin === 'run-id' ? 'run-given' : undefined,
                ...Backoff
              },
              memory()
            )
            rows.push({ status, origin, operation, manualConfirm, confirmable, hasChanges, decision })
          }

describe('the decision table', () => {
  it(`has a row for every documented status × origin × operation × manual_confirm × is-confirmable × has-changes (${Documented.length * 7 * 8} rows)`, () => {
    // queued: 3 operations; save_plan and run_id: apply and destroy.
    expect(rows).toHaveLength(Documented.length * (3 + 2 + 2) * 2 * 2 * 2)
  })

  it('guarantee: never waits without saying who it waits for — every row either ends, acts, or names what it waits for', () => {
    for (const r of rows) {
      const d = r.decision
      expect([r.status, d.action]).toEqual([r.status, expect.stringMatching(/^(confirm|wait|wait-for-person|succeed|retry|fail)$/)])
      if (d.action === 'wait') expect(['queue', 'stage', 'confirmation-accepted', 'unknown-status']).toContain(d.for)
      if (d.action === 'wait-for-person') expect(['confirmation', 'policy-override', 'run-task']).toContain(d.for)
    }
  })

  it('a final status always ends the step: it never waits on a run that cannot move', () => {
    for (const r of rows.filter(r => Final.has(r.status))) {
      expect([r.status, ['succeed', 'fail', 'retry'].includes(r.decision.action)]).toEqual([r.status, true])
    }
  })

  it('guarantee: never waits without saying who it waits for — a confirmable run is confirmed exactly when this step is the one to confirm, whatever has-changes says', () => {
    for (const r of rows.filter(r => r.confirmable && !Final.has(r.status) && !ApplyPhase.has(r.status))) {
      // A step that saves a plan never applies it: a later step (run_id) or a person does.
      const expected =
        r.operation === 'plan'
          ? 'succeed'
          : r.origin === 'save-plan'
            ? r.status === 'planned_and_saved'
              ? 'succeed'
              : 'wait'
            : r.manualConfirm
              ? 'wait-for-person'
              : 'confirm'
      expect([r.status, r.origin, r.operation, r.manualConfirm, r.hasChanges, r.decision.action]).toEqual([
        r.status,
        r.origin,
        r.operation,
        r.manualConfirm,
        r.hasChanges,
        expected
      ])
    }
  })

  it('never confirms a plan-only run, a plan it is saving, with manual_confirm, or a run that is already confirmed', () => {
    for (const r of rows) {
      if (r.operation === 'plan' || r.origin === 'save-plan' || r.manualConfirm || ApplyPhase.has(r.status)) {
        expect([r.status, r.operation, r.manualConfirm, r.decision.action]).not.toEqual([r.status, r.operation, r.manualConfirm, 'confirm'])
      }
    }
    const confirmedElsewhere = decide(
      run('planned', { isConfirmable: true, confirmedAt: '2026-11-23T07:00:00Z' }),
      { operation: 'apply', manualConfirm: false, cancelOnAbort: true, savePlan: false, ...Backoff },
      memory()
    )
    expect(confirmedElsewhere.action).not.toBe('confirm')
  })

  it.each<[string, Decision]>([
    ['pending', { action: 'wait', for: 'queue' }],
    ['planning', { action: 'wait', for: 'stage' }],
    ['cost_estimating', { action: 'wait', for: 'stage' }],
    ['applying', { action: 'wait', for: 'stage' }],
    ['policy_override', { action: 'wait-for-person', for: 'policy-override' }],
    ['post_plan_awaiting_decision', { action: 'wait-for-person', for: 'run-task' }],
    ['pre_apply_awaiting_decision', { action: 'wait-for-person', for: 'run-task' }],
    ['a_status_from_the_future', { action: 'wait', for: 'unknown-status' }],
    ['applied', { action: 'succeed', end: 'applied' }],
    ['planned_and_finished', { action: 'succeed', end: 'no-changes' }],
    ['discarded', { action: 'fail', reason: 'discarded' }],
    ['canceled', { action: 'fail', reason: 'canceled' }],
    ['force_canceled', { action: 'fail', reason: 'force-canceled' }]
  ])('an apply step at %s: %j', (status, expected) => {
    expect(
      decide(run(status), { operation: 'apply', manualConfirm: false, cancelOnAbort: true, savePlan: false, ...Backoff }, memory())
    ).toEqual(expected)
  })

  it('errored: retries a plan or apply error while retries are left, never a policy or run task failure', () => {
    const s = { operation: 'apply' as const, manualConfirm: false, cancelOnAbort: true, savePlan: false, ...Backoff }
    expect(decide(run('errored', { planStatus: 'errored' }), s, memory())).toEqual({ action: 'retry', stage: 'plan', delayMs: 10_000 })
    expect(decide(run('errored', { applyStatus: 'errored' }), s, memory({ attempt: 2 }))).toEqual({
      action: 'retry',
      stage: 'apply',
      delayMs: 20_000
    })
    expect(decide(run('errored', { applyStatus: 'errored' }), s, memory({ retriesLeft: 0 }))).toEqual({
      action: 'fail',
      reason: 'errored-apply'
    })
    expect(decide(run('errored', { applyStatus: 'unreachable' }), s, memory())).toEqual({ action: 'fail', reason: 'errored-elsewhere' })
  })

  it('guarantee: a 409 on confirm never leaves a run unconfirmed — it confirms again when the run is confirmable again', () => {
    const s = { operation: 'apply' as const, manualConfirm: false, cancelOnAbort: true, savePlan: false, ...Backoff }
    // planned → 409 (it moved on) → cost_estimating → cost_estimated, confirmable again.
    expect(decide(run('cost_estimating'), s, memory({ confirmRefusals: 1 }))).toEqual({ action: 'wait', for: 'stage' })
    expect(decide(run('cost_estimated', { isConfirmable: true }), s, memory({ confirmRefusals: 1 }))).toEqual({ action: 'confirm' })
    // Once accepted, a stale read of the same status does not confirm twice; a later status may.
    expect(decide(run('planned', { isConfirmable: true }), s, memory({ confirmSentAt: 'planned' }))).toEqual({
      action: 'wait',
      for: 'confirmation-accepted'
    })
    // It keeps refusing: the step gives up on the live run (a stop, decided by decideStop), not a failed run.
    expect(decide(run('planned', { isConfirmable: true }), s, memory({ confirmRefusals: MaxConfirmRefusals }))).toEqual({
      action: 'give-up',
      why: 'confirm-refused'
    })
  })
})

describe('the stop table', () => {
  const stop = (status: string, reason: StopReason, over: Partial<RunFacts> = {}, cancelOnAbort = true): StopDecision =>
    decideStop(run(status, over), { operation: 'apply', manualConfirm: false, cancelOnAbort, savePlan: false, ...Backoff }, reason)

  it('guarantee: never cancels an apply unless the job was cancelled or timed out with cancel_on_abort', () => {
    for (const status of Documented) {
      for (const reason of ['gave-up', 'duplicate'] as const) {
        const d = stop(status, reason, { isCancelable: true, isDiscardable: false })
        if (ApplyPhase.has(status) || status === 'a_status_from_the_future') {
          expect([status, reason, d]).toEqual([status, reason, expect.objectContaining({ how: expect.not.stringMatching(/^cancel$/) })])
        }
      }
      for (const reason of ['timeout', 'cancelled'] as const) {
        const d = stop(status, reason, { isCancelable: true, isDiscardable: true }, false)
        expect([status, reason, ['leave', 'none'].includes(d.how)]).toEqual([status, reason, true])
      }
    }
    expect(stop('applying', 'timeout', { isCancelable: true })).toEqual({ action: 'stop', how: 'cancel', why: 'applying' })
    expect(stop('applying', 'cancelled', { isCancelable: true })).toEqual({ action: 'stop', how: 'cancel', why: 'applying' })
  })

  it('leaves a saved plan it was given (run_id) unconfirmed when stopped, instead of discarding the review', () => {
    const settings = {
      operation: 'apply' as const,
      manualConfirm: true,
      cancelOnAbort: true,
      savePlan: false,
      runId: 'run-given',
      ...Backoff
    }
    for (const reason of ['timeout', 'cancelled', 'gave-up'] as const) {
      expect(decideStop(run('planned_and_saved', { isDiscardable: true, isConfirmable: true }), settings, reason)).toEqual({
        action: 'stop',
        how: 'leave',
        why: 'saved'
      })
    }
    expect(decideStop(run('applying', { isCancelable: true }), settings, 'timeout')).toMatchObject({ how: 'cancel' })
  })

  it.each<[string, StopReason, Partial<RunFacts>, string]>([
    ['pending', 'gave-up', { isDiscardable: true, isCancelable: true }, 'discard'],
    ['planned', 'gave-up', { isDiscardable: true, isConfirmable: true }, 'discard'],
    ['policy_override', 'gave-up', { isDiscardable: true }, 'discard'],
    ['planning', 'gave-up', { isCancelable: true }, 'cancel'],
    ['applying', 'gave-up', { isCancelable: true }, 'leave'],
    ['apply_queued', 'duplicate', { isCancelable: true }, 'leave'],
    ['planning', 'timeout', { isCancelable: true }, 'cancel'],
    ['applied', 'timeout', {}, 'none']
  ])('%s, %s, %j → %s', (status, reason, over, how) => {
    expect(stop(status, reason, over)).toMatchObject({ action: 'stop', how })
  })
})

describe("the step's other decisions", () => {
  it('a save_plan step ends at planned_and_saved; a run_id step confirms the saved plan it was given', () => {
    const base = { operation: 'apply' as const, manualConfirm: false, cancelOnAbort: true, ...Backoff }
    const saved = run('planned_and_saved', { isConfirmable: true, isDiscardable: true })
    expect(decide(saved, { ...base, savePlan: true }, memory())).toEqual({ action: 'succeed', end: 'plan-saved' })
    expect(decide(saved, { ...base, savePlan: false, runId: 'run-given' }, memory())).toEqual({ action: 'confirm' })
    expect(decide(saved, { ...base, savePlan: false, runId: 'run-given', manualConfirm: true }, memory())).toEqual({
      action: 'wait-for-person',
      for: 'confirmation'
    })
  })

  it('retries after the minimum pause, doubled per attempt, never over the maximum', () => {
    expect([1, 2, 3, 4, 5].map(a => retryDelayMs(Backoff, a))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000])
  })

  it('a workspace without configuration: a destroy has nothing to do, anything else fails', () => {
    expect(decideNoConfiguration('destroy')).toEqual({ action: 'succeed', end: 'nothing-to-destroy' })
    expect(decideNoConfiguration('apply')).toEqual({ action: 'fail', reason: 'no-configuration' })
    expect(decideNoConfiguration('plan')).toEqual({ action: 'fail', reason: 'no-configuration' })
  })

  it('gives up on a run it cannot read only once the outage lasted the limit', () => {
    expect(decideReadFailure(119_999, 120_000)).toBeUndefined()
    expect(decideReadFailure(120_000, 120_000)).toEqual({ action: 'give-up', why: 'read-outage' })
  })

  it('says why a run is pending after 10 s, then every 30 s, reading the workspace at most once a minute', () => {
    let clock = pendingClock(0)
    const said: [number, boolean][] = []
    for (let t = 0; t <= 130_000; t += 5_000) {
      const d = decidePendingReport(t, clock)
      if (d.report) {
        said.push([t, d.checkWorkspace])
        clock = d.clock
      }
    }
    expect(said).toEqual([
      [10_000, true],
      [40_000, false],
      [70_000, true],
      [100_000, false],
      [130_000, true]
    ])
  })

  it('reads policy checks once their stage is over, and task results once per stage, also when polls missed the stage', () => {
    const facts = (status: string, over: Partial<RunFacts> = {}) => run(status, over)
    let seen = NoChecksSeen
    const step = (status: string, stamps: string[] = [], over: Partial<RunFacts> = {}) => {
      const d = decideChecks(facts(status, over), stamps, seen)
      seen = d.seen
      return [d.readPolicy, d.readTasks]
    }
    expect(step('planning')).toEqual([false, false])
    expect(step('policy_checking')).toEqual([false, false])
    expect(step('policy_checked')).toEqual([true, false])
    expect(step('post_plan_running', ['policy-checked-at'])).toEqual([false, false])
    expect(step('post_plan_completed', ['policy-checked-at', 'post-plan-completed-at'])).toEqual([false, true])
    expect(step('planned', ['policy-checked-at', 'post-plan-completed-at'])).toEqual([false, false])
    // A stage seen only in the timestamps, and an error outside plan and apply: both are read.
    seen = NoChecksSeen
    expect(step('planned', ['policy-checked-at'])).toEqual([true, false])
    seen = NoChecksSeen
    expect(step('errored', [], { planStatus: 'finished', applyStatus: 'unreachable' })).toEqual([true, true])
  })

  it('starts the reads the end needs before the end: the run triggers once an apply plans, the JSON plan once it is confirmed', () => {
    // Every documented status, and one the action does not know.
    const when = (operation: Operation, read: 'triggers' | 'plan') =>
      Documented.filter(status => decideReadAhead({ status }, operation)[read])
    const apply = [...ApplyPhase]
    expect(when('apply', 'plan')).toEqual(apply)
    expect(when('apply', 'triggers')).toEqual(['planning', ...apply])
    expect(when('destroy', 'triggers')).toEqual(['planning', ...apply])
    // A plan-only run fires no run trigger, and never reaches an apply.
    expect(when('plan', 'triggers')).toEqual([])
    expect(['post_apply_running', 'post_apply_completed'].map(status => decideReadAhead({ status }, 'apply').plan)).toEqual([true, true])
    expect(decideReadAhead({ status: 'some_new_status' }, 'apply')).toEqual({ triggers: false, plan: false })
  })
})

describe('runs HCP Terraform queued itself', () => {
  const sha = 'a'.repeat(40)
  const candidate = (id: string, over: Partial<CandidateFacts> = {}): CandidateFacts => ({
    ...run('planned', { isConfirmable: true, isDiscardable: true }),
    id,
    source: 'tfe-configuration-version',
    planOnly: false,
    savePlan: false,
    isDestroy: false,
    refreshOnly: false,
    commitSha: sha,
    createdAt: '2026-12-01T10:00:00.000Z',
    ...over
  })

  it.each<[string, Partial<CandidateFacts>, string]>([
    ['the VCS run of this commit', {}, 'commit'],
    ['the VCS run of this commit, the SHA in other case', { commitSha: sha.toUpperCase() }, 'commit'],
    ['a run trigger’s run on an API workspace', { source: 'tfe-run-trigger', commitSha: undefined }, 'run-trigger'],
    ['a VCS run of another commit', { commitSha: 'b'.repeat(40) }, 'other-commit'],
    ['a VCS run whose commit the API did not give', { commitSha: undefined }, 'commit-unknown'],
    ['a run trigger’s run planning another commit', { source: 'tfe-run-trigger', commitSha: 'b'.repeat(40) }, 'other-commit'],
    ['a speculative plan of this commit', { planOnly: true }, 'speculative'],
    ['a run someone confirmed (confirmed-at)', { status: 'apply_queued', confirmedAt: '2026-12-01T10:01:00Z' }, 'confirmed'],
    ['a run applying', { status: 'applying', isConfirmable: false }, 'confirmed'],
    ['a run that ended', { status: 'discarded' }, 'ended'],
    ['a destroy run', { isDestroy: true }, 'destroy'],
    ['a refresh-only run', { refreshOnly: true }, 'refresh-only'],
    ['a saved plan', { savePlan: true, status: 'planned_and_saved' }, 'saved-plan'],
    ['a run a person queued in the UI', { source: 'tfe-ui' }, 'not-queued-by-hcp'],
    ['a run another tool queued through the API', { source: 'tfe-api' }, 'not-queued-by-hcp']
  ])('adoption of %s: %s', (_, over, why) => {
    const d = decideAdoption([candidate('run-x', over)], sha)
    if (why === 'commit' || why === 'run-trigger') expect(d).toEqual({ adopt: true, runId: 'run-x', why, passedOver: [] })
    else expect(d).toEqual({ adopt: false, passedOver: [{ runId: 'run-x', why }] })
  })

  it('never adopts a VCS run when the step has no commit, and adopts the oldest, this commit’s before a trigger’s', () => {
    expect(decideAdoption([candidate('run-x')], undefined)).toMatchObject({ adopt: false })
    const d = decideAdoption(
      [
        candidate('run-trigger-old', { source: 'tfe-run-trigger', commitSha: undefined, createdAt: '2026-12-01T09:00:00Z' }),
        candidate('run-new', { createdAt: '2026-12-01T10:05:00Z' }),
        candidate('run-old', { createdAt: '2026-12-01T10:01:00Z' }),
        candidate('run-old', { createdAt: '2026-12-01T10:01:00Z' })
      ],
      sha
    )
    expect(d).toEqual({
      adopt: true,
      runId: 'run-old',
      why: 'commit',
      passedOver: [
        { runId: 'run-new', why: 'another-first' },
        { runId: 'run-trigger-old', why: 'another-first' }
      ]
    })
  })

  it('links a downstream run to the apply by source and time, and by the run ID its message names', () => {
    const applied = Date.parse('2026-12-01T10:00:00Z')
    const up = { runId: 'run-UpstreamRun00001', appliedAt: applied }
    const at = (s: number): string => new Date(applied + s * 1000).toISOString()
    const r = (id: string, source: string, s: number, message = 'Triggered by a run trigger') => ({ id, source, message, createdAt: at(s) })
    expect(decideTriggeredLink(up, [r('run-a', 'tfe-run-trigger', 2)])).toEqual({ runId: 'run-a', link: 'time' })
    expect(decideTriggeredLink(up, [r('run-a', 'tfe-api', 2), r('run-b', 'tfe-configuration-version', 3)])).toBeUndefined()
    // Created before the apply ended (beyond the clock skew): an earlier apply's run.
    expect(decideTriggeredLink(up, [r('run-a', 'tfe-run-trigger', -TriggerClockSkewMs / 1000 - 1)])).toBeUndefined()
    expect(decideTriggeredLink(up, [r('run-a', 'tfe-run-trigger', -1)])).toEqual({ runId: 'run-a', link: 'time' })
    // A fan-in: another upstream's run names its own run; the one naming this run wins over an older one.
    const other = r('run-other', 'tfe-run-trigger', 1, 'from run-OtherUpstream001')
    const mine = r('run-mine', 'tfe-run-trigger', 3, `from ${up.runId}`)
    expect(decideTriggeredLink(up, [other])).toBeUndefined()
    expect(decideTriggeredLink(up, [other, mine, r('run-plain', 'tfe-run-trigger', 2)])).toEqual({ runId: 'run-mine', link: 'named' })
    expect(decideTriggeredLink(up, [r('run-late', 'tfe-run-trigger', 9), r('run-early', 'tfe-run-trigger', 4)])).toEqual({
      runId: 'run-early',
      link: 'time'
    })
    const untimed = { id: 'run-x', source: 'tfe-run-trigger', message: '', createdAt: 'not a time' }
    expect(decideTriggeredLink(up, [untimed])).toBeUndefined()
  })

  const settings = (manualConfirm: boolean) => ({
    operation: 'apply' as const,
    manualConfirm,
    cancelOnAbort: true,
    savePlan: false,
    ...Backoff
  })
  const noMemory = { confirmSentAt: undefined, confirmRefusals: 0 }

  it('a triggered run: confirmed by the step’s own rules, a person asked with manual_confirm, its end is its end (never retried)', () => {
    for (const status of Documented) {
      for (const manualConfirm of [false, true]) {
        const next = decideTriggeredNext(run(status, { isConfirmable: status === 'planned' }), settings(manualConfirm), noMemory)
        const want =
          status === 'applied'
            ? { action: 'end', ok: true, why: 'applied' }
            : status === 'planned_and_finished'
              ? { action: 'end', ok: true, why: 'no-changes' }
              : Final.has(status)
                ? { action: 'end', ok: false, why: 'failed' }
                : status === 'planned'
                  ? manualConfirm
                    ? { action: 'ask', for: 'confirmation' }
                    : { action: 'confirm' }
                  : expect.objectContaining({ action: expect.stringMatching(/^(wait|ask)$/) })
        expect([status, manualConfirm, next]).toEqual([status, manualConfirm, want])
      }
    }
    // An errored plan with retries the step would have for its own run: a triggered run is not retried.
    expect(decideTriggeredNext(run('errored', { planStatus: 'errored' }), settings(false), noMemory)).toEqual({
      action: 'end',
      ok: false,
      why: 'failed'
    })
    expect(
      decideTriggeredNext(run('planned', { isConfirmable: true }), settings(false), {
        confirmSentAt: undefined,
        confirmRefusals: MaxConfirmRefusals
      })
    ).toEqual({ action: 'end', ok: false, why: 'confirm-refused' })
  })

  it('follows deeper only after an apply, and only while the depth is below the bound', () => {
    const applied = { action: 'end', ok: true, why: 'applied' } as const
    expect([1, 2, 3].map(depth => decideFollowDeeper(depth, 2, applied))).toEqual([true, false, false])
    expect(decideFollowDeeper(1, 5, { action: 'end', ok: true, why: 'no-changes' })).toBe(false)
    expect(decideFollowDeeper(1, 5, { action: 'end', ok: false, why: 'failed' })).toBe(false)
    expect(decideFollowDeeper(1, 5, { action: 'wait' })).toBe(false)
  })

  it('guarantee: never cancels a run it did not queue — an adopted run only after a cancel with cancel_on_abort, a triggered run never', () => {
    const stopSettings = (cancelOnAbort: boolean) => ({ operation: 'apply' as const, manualConfirm: false, cancelOnAbort, savePlan: false })
    for (const status of Documented) {
      const facts = run(status, { isCancelable: true, isDiscardable: true })
      for (const reason of ['timeout', 'cancelled', 'gave-up', 'duplicate'] as const) {
        for (const cancelOnAbort of [false, true]) {
          for (const origin of ['adopted', 'triggered'] as RunOrigin[]) {
            const d = decideStopNotQueued(facts, stopSettings(cancelOnAbort), reason, origin)
            const mayStop = origin === 'adopted' && reason === 'cancelled' && cancelOnAbort && !Final.has(status)
            expect([status, reason, cancelOnAbort, origin, ['discard', 'cancel'].includes(d.how)]).toEqual([
              status,
              reason,
              cancelOnAbort,
              origin,
              mayStop
            ])
          }
        }
      }
    }
    // The step's own runs keep decideStop's rules.
    expect(decideStopNotQueued(run('planning', { isCancelable: true }), stopSettings(true), 'timeout', 'queued')).toMatchObject({
      how: 'cancel'
    })
  })
})

describe('the decision table with auto_confirm_if', () => {
  const Confirmable = ['planned', 'cost_estimated', 'policy_checked', 'post_plan_completed', 'planned_and_saved']
  type Fact = 'none' | 'other-run' | 'other-status' | 'passed' | 'pending' | 'held'
  const Facts: Fact[] = ['none', 'other-run', 'other-status', 'passed', 'pending', 'held']
  const guardRows: { status: string; onHeld: 'wait' | 'fail'; fact: Fact; manualConfirm: boolean; decision: Decision }[] = []
  for (const status of Confirmable)
    for (const onHeld of ['wait', 'fail'] as const)
      for (const fact of Facts)
        for (const manualConfirm of [false, true]) {
          const guard =
            fact === 'none'
              ? undefined
              : {
                  runId: fact === 'other-run' ? 'run-other' : 'run-this',
                  status: fact === 'other-status' ? 'planning' : status,
                  result: fact === 'held' ? ('held' as const) : fact === 'pending' ? ('pending' as const) : ('passed' as const)
                }
          const decision = decide(
            run(status, { id: 'run-this', isConfirmable: true }),
            { operation: 'apply', manualConfirm, cancelOnAbort: true, savePlan: false, guard: { onHeld }, ...Backoff },
            memory(),
            guard
          )
          guardRows.push({ status, onHeld, fact, manualConfirm, decision })
        }

  it('confirms only on a passed verdict made on this run at this status', () => {
    for (const r of guardRows.filter(r => !r.manualConfirm)) {
      const expected: Decision =
        r.fact === 'passed'
          ? { action: 'confirm' }
          : r.fact === 'pending'
            ? { action: 'wait', for: 'stage' }
            : r.fact === 'held'
              ? r.onHeld === 'fail'
                ? { action: 'fail', reason: 'guard-held' }
                : { action: 'wait-for-person', for: 'guard' }
              : { action: 'check-guard' }
      expect([r.status, r.onHeld, r.fact, r.decision]).toEqual([r.status, r.onHeld, r.fact, expected])
    }
  })

  it('a verdict on another run or at another status is evaluated again, never taken as a pass', () => {
    for (const r of guardRows.filter(r => r.fact === 'other-run' || r.fact === 'other-status' || r.fact === 'none')) {
      expect([r.status, r.fact, r.decision.action]).not.toEqual([r.status, r.fact, 'confirm'])
    }
  })

  it('manual_confirm still waits for a person, whatever the verdict', () => {
    for (const r of guardRows.filter(r => r.manualConfirm)) {
      expect([r.status, r.fact, r.decision]).toEqual([r.status, r.fact, { action: 'wait-for-person', for: 'confirmation' }])
    }
  })

  it('a held plan with on_guard_held wait names who it waits for (a person), and never confirms', () => {
    const held = guardRows.filter(r => r.fact === 'held' && r.onHeld === 'wait' && !r.manualConfirm)
    expect(held.length).toBe(Confirmable.length)
    for (const r of held) expect(r.decision).toEqual({ action: 'wait-for-person', for: 'guard' })
  })

  it('the guard is never asked for a run that is not confirmable, already confirmed, or ended', () => {
    const settings = {
      operation: 'apply' as const,
      manualConfirm: false,
      cancelOnAbort: true,
      savePlan: false,
      guard: { onHeld: 'fail' as const },
      ...Backoff
    }
    for (const status of Documented) {
      const d = decide(run(status, { id: 'run-this', isConfirmable: false }), settings, memory())
      expect([status, d.action]).not.toEqual([status, 'check-guard'])
      expect([status, d.action]).not.toEqual([status, 'confirm'])
    }
    // Confirmed by this step already (the 202 was taken): no second evaluation, no second confirm.
    const sent = decide(run('planned', { id: 'run-this', isConfirmable: true }), settings, memory({ confirmSentAt: 'planned' }))
    expect(sent).toEqual({ action: 'wait', for: 'confirmation-accepted' })
  })
})

describe('the decision table, from each rule outcome to what the step does', () => {
  // One plan, cost and policy fact per outcome of each rule: the verdict (review/guard.ts) is the fact decide gets.
  const destroyDb = { address: 'aws_db_instance.main', actions: ['delete', 'create'] }
  const create = { address: 'aws_s3_bucket.logs', actions: ['create'] }
  const plan = (changes: { address: string; actions: string[] }[]): GuardFacts['plan'] => ({
    state: 'known',
    value: { changes, source: 'the redacted JSON plan', countedDestroys: changes.filter(c => c.actions.includes('delete')).length }
  })
  const cost = (delta: number): GuardFacts['cost'] => ({
    state: 'known',
    value: { priorMonthly: 0, proposedMonthly: delta, deltaMonthly: delta }
  })
  const policy = (softFailures: string[]): GuardFacts['policy'] => ({ state: 'known', value: { softFailures } })
  const unknown = { state: 'unknown', why: 'could not be read' } as const
  const pending = { state: 'pending', why: 'still coming' } as const
  const rules: Record<
    string,
    { passed: Partial<GuardFacts>; held: Partial<GuardFacts>; unevaluable: Partial<GuardFacts>; pending?: Partial<GuardFacts> }
  > = {
    no_destroy: { passed: { plan: plan([create]) }, held: { plan: plan([destroyDb]) }, unevaluable: { plan: unknown } },
    'max_destroy=0': { passed: { plan: plan([create]) }, held: { plan: plan([destroyDb, create]) }, unevaluable: { plan: unknown } },
    'never_destroy=aws_db_instance.*': {
      passed: { plan: plan([{ address: 'aws_s3_bucket.old', actions: ['delete'] }]) },
      held: { plan: plan([destroyDb]) },
      unevaluable: { plan: unknown }
    },
    'max_cost_increase=10': {
      passed: { cost: cost(10) },
      held: { cost: cost(10.5) },
      unevaluable: { cost: unknown },
      pending: { cost: pending }
    },
    no_policy_soft_failure: {
      passed: { policy: policy([]) },
      held: { policy: policy(['prod/no-public-buckets']) },
      unevaluable: { policy: unknown },
      pending: { policy: pending }
    }
  }
  const none = { state: 'unknown', why: 'not needed' } as const
  const rows: [string, string, 'wait' | 'fail', Decision][] = []
  for (const [text, outcomes] of Object.entries(rules))
    for (const [outcome, facts] of Object.entries(outcomes))
      for (const onHeld of ['wait', 'fail'] as const) {
        const verdict = evaluateGuard(parseGuardRules(text), { plan: none, cost: none, policy: none, ...facts })
        const decision = decide(
          run('policy_checked', { id: 'run-this', isConfirmable: true }),
          { operation: 'apply', manualConfirm: false, cancelOnAbort: true, savePlan: false, guard: { onHeld }, ...Backoff },
          memory(),
          { runId: 'run-this', status: 'policy_checked', result: verdict.result }
        )
        rows.push([text, outcome, onHeld, decision])
      }

  it(`has a row for every rule × outcome × on_guard_held (${rows.length} rows), and confirms only a rule that passed`, () => {
    expect(rows).toHaveLength((3 * 3 + 2 * 4) * 2)
    for (const [text, outcome, onHeld, decision] of rows) {
      const expected: Decision =
        outcome === 'passed'
          ? { action: 'confirm' }
          : outcome === 'pending'
            ? { action: 'wait', for: 'stage' }
            : onHeld === 'fail'
              ? { action: 'fail', reason: 'guard-held' }
              : { action: 'wait-for-person', for: 'guard' }
      expect([text, outcome, onHeld, decision]).toEqual([text, outcome, onHeld, expected])
    }
  })
})
