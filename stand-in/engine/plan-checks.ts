/**
 * The checks between a run's plan and its apply, on timers: a post-plan run task, the cost
 * estimate, the policy check, each when the workspace has one. The rest of a run's life: run-life.ts.
 */
import { finishEstimate, queueEstimate } from './cost-estimates.ts'
import type { StandInRun, StandInWorkspace } from './model.ts'

/** What the checks do to a run through its life: timers, statuses, its end, and what comes after them. */
export interface CheckMoves {
  after(run: StandInRun, ms: number, fn: () => void): void
  setStatus(run: StandInRun, status: string): void
  finish(run: StandInRun, status: string): void
  /** The policy check is over (passed, or overridden): the run goes on to its apply. */
  afterPolicy(run: StandInRun, status: string): void
  /** No policy check: the run goes on to its apply. */
  readyToApply(run: StandInRun): void
}

/** After a plan with changes: the run task, then the cost estimate, then the policy check. */
export function postPlanChecks(moves: CheckMoves, run: StandInRun, ws: StandInWorkspace): void {
  if (ws.spec.runTask) {
    const task = ws.spec.runTask
    moves.after(run, 10, () => {
      moves.setStatus(run, 'post_plan_running')
      moves.after(run, ws.timings.policyMs, () => {
        run.taskResult = task === 'passed' ? 'passed' : 'failed'
        run.taskEnforcement = task === 'mandatory-failed' ? 'mandatory' : 'advisory'
        if (task === 'mandatory-failed') {
          moves.finish(run, 'errored')
          return
        }
        moves.setStatus(run, 'post_plan_completed')
        costEstimate(moves, run, ws)
      })
    })
    return
  }
  costEstimate(moves, run, ws)
}

function costEstimate(moves: CheckMoves, run: StandInRun, ws: StandInWorkspace): void {
  if (ws.spec.costEstimation) {
    moves.after(run, 10, () => {
      moves.setStatus(run, 'cost_estimating')
      run.ranCostEstimate = true
      const ce = run.costEstimate
      if (ce) queueEstimate(ce)
      moves.after(run, ws.timings.costEstimateMs, () => {
        if (ce) finishEstimate(ce, ws.resources, Math.max(0, ws.resources + run.plan.additions - run.plan.destructions))
        moves.setStatus(run, 'cost_estimated')
        policyCheck(moves, run, ws)
      })
    })
    return
  }
  policyCheck(moves, run, ws)
}

function policyCheck(moves: CheckMoves, run: StandInRun, ws: StandInWorkspace): void {
  if (!ws.spec.policy) {
    moves.readyToApply(run)
    return
  }
  moves.after(run, 10, () => {
    moves.setStatus(run, 'policy_checking')
    run.ranPolicy = true
    moves.after(run, ws.timings.policyMs, () => {
      if (ws.spec.policy === 'hard-fail') {
        run.policyStatus = 'hard_failed'
        moves.finish(run, 'errored')
      } else if (ws.spec.policy === 'soft-fail') {
        run.policyStatus = 'soft_failed'
        if (run.planOnly) moves.finish(run, 'policy_soft_failed')
        else moves.setStatus(run, 'policy_override')
      } else {
        run.policyStatus = 'passed'
        moves.afterPolicy(run, 'policy_checked')
      }
    })
  })
}
