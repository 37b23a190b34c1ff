/**
 * A run's life on timers: each workspace's queue, the plan, the apply, the end of a run, and the
 * logs its stages write; the checks between plan and apply are plan-checks.ts. The engine
 * (engine.ts) holds the data and the moves a person makes, and calls this.
 */
import { ApplyError, applyScript, counts, PlanError, planScript, type LogFormat, type StageScript } from './logs.ts'
import { endEstimate } from './cost-estimates.ts'
import { newId, stageStatus, type Stage, type StandInRun, type StandInWorkspace } from './model.ts'
import { changesOf, declaredOutputsOf, outputChanges } from './plan.ts'
import { postPlanChecks, type CheckMoves } from './plan-checks.ts'
import type { RunActivity } from './run-activity.ts'
import { queueTriggeredRuns, type RunTriggers, type TriggerHost } from './run-triggers.ts'
import type { StageLogs } from './stage-logs.ts'
import { recordState, type StateVersions } from './state-versions.ts'
import { missingVariableError } from './variables.ts'

/** What a run's life reads and writes of the engine. */
export interface RunLifeHost extends TriggerHost {
  readonly activity: RunActivity
  readonly stateVersions: StateVersions
  readonly runTriggers: RunTriggers
  mustRun(id: string): StandInRun
  mustWorkspace(id: string): StandInWorkspace
  runsOf(workspaceId: string): StandInRun[]
}

export class RunLife implements CheckMoves {
  private readonly host: RunLifeHost
  private readonly logs: StageLogs
  private stopped = false

  constructor(host: RunLifeHost, logs: StageLogs) {
    this.host = host
    this.logs = logs
  }

  /** No timer fires after this, and none is set: the servers are going away. */
  stop(): void {
    this.stopped = true
    for (const run of this.host.runs.values()) run.timers.forEach(clearTimeout)
  }

  after(run: StandInRun, ms: number, fn: () => void): void {
    if (this.stopped) return
    const t = setTimeout(() => {
      run.timers = run.timers.filter(x => x !== t)
      fn()
    }, ms)
    run.timers.push(t)
  }

  clearTimers(run: StandInRun): void {
    run.timers.forEach(clearTimeout)
    run.timers = []
  }

  setStatus(run: StandInRun, status: string): void {
    run.status = status
    run.statusTimestamps[`${status.replace(/_/g, '-')}-at`] = new Date().toISOString()
    run.confirmable = false
    this.host.activity.record(run.id, status, run.movedBy)
    run.movedBy = undefined
  }

  startNext(ws: StandInWorkspace): void {
    if (ws.currentRunId || ws.manualLock) return
    const next = ws.queue.shift()
    if (!next) return
    ws.currentRunId = next
    this.startPlan(this.host.mustRun(next), ws)
  }

  startPlan(run: StandInRun, ws: StandInWorkspace): void {
    this.setStatus(run, 'plan_queued')
    this.after(run, ws.timings.queueMs, () => {
      this.setStatus(run, 'planning')
      stageStatus(run.plan, 'running')
      const script = planScript(
        this.logFormat(ws),
        changesOf(this.host.configurationVersions, run, ws),
        outputChanges(this.host.configurationVersions, ws, run)
      )
      this.writeLog(run, run.plan, ws.timings.planMs, script)
      this.after(run, ws.timings.planMs, () => this.planDone(run, ws))
    })
  }

  private planDone(run: StandInRun, ws: StandInWorkspace): void {
    ws.plansSeen++
    const missing = missingVariableError(ws, run)
    if (missing) {
      this.endLog(run, run.plan, planScript(this.logFormat(ws), [], [], missing).end)
      stageStatus(run.plan, 'errored')
      this.finish(run, 'errored')
      return
    }
    if (ws.plansSeen <= (ws.spec.failPlans ?? 0)) {
      this.endLog(run, run.plan, planScript(this.logFormat(ws), [], [], PlanError).end)
      stageStatus(run.plan, 'errored')
      this.finish(run, 'errored')
      return
    }
    this.endLog(run, run.plan)
    const n = counts(changesOf(this.host.configurationVersions, run, ws))
    run.plan.additions = n.add
    run.plan.changes = n.change
    run.plan.destructions = n.remove
    stageStatus(run.plan, 'finished')
    run.hasChanges = run.plan.additions + run.plan.changes + run.plan.destructions > 0
    if (run.savePlan && run.hasChanges) {
      run.planSerial = ws.stateVersion?.serial ?? 0
      this.setStatus(run, 'planned_and_saved')
      run.confirmable = true
      return
    }
    if (!run.hasChanges && !run.allowEmptyApply) {
      this.setStatus(run, 'planned')
      this.after(run, 20, () => this.finish(run, 'planned_and_finished'))
      return
    }
    this.setStatus(run, 'planned')
    postPlanChecks(this, run, ws)
  }

  afterPolicy(run: StandInRun, status: string): void {
    this.setStatus(run, status)
    this.readyToApply(run)
  }

  readyToApply(run: StandInRun): void {
    if (run.planOnly) {
      this.finish(run, 'planned_and_finished')
      return
    }
    if (run.autoApply) {
      this.after(run, 10, () => this.startApply(run))
      return
    }
    run.confirmable = true
  }

  startApply(run: StandInRun): void {
    const ws = this.host.mustWorkspace(run.workspaceId)
    run.apply.logIssued = true
    this.setStatus(run, 'confirmed')
    this.after(run, 10, () => {
      this.setStatus(run, 'apply_queued')
      this.after(run, ws.timings.applyQueueMs, () => {
        this.setStatus(run, 'applying')
        stageStatus(run.apply, 'running')
        const script = applyScript(
          this.logFormat(ws),
          changesOf(this.host.configurationVersions, run, ws),
          outputChanges(this.host.configurationVersions, ws, run)
        )
        this.writeLog(run, run.apply, ws.timings.applyMs, script)
        this.after(run, ws.timings.applyMs, () => this.applyDone(run, ws))
      })
    })
  }

  private applyDone(run: StandInRun, ws: StandInWorkspace): void {
    ws.appliesSeen++
    if (ws.appliesSeen <= (ws.spec.failApplies ?? 0)) {
      this.endLog(run, run.apply, applyScript(this.logFormat(ws), [], [], ApplyError).end)
      stageStatus(run.apply, 'errored')
      this.finish(run, 'errored')
      return
    }
    this.endLog(run, run.apply)
    stageStatus(run.apply, 'finished')
    run.apply.additions = run.plan.additions
    run.apply.changes = run.plan.changes
    run.apply.destructions = run.plan.destructions
    ws.resources = Math.max(0, ws.resources + run.apply.additions - run.apply.destructions)
    if (run.configurationVersionId) {
      const cv = this.host.configurationVersions.get(run.configurationVersionId)
      if (cv) cv.promoted = true
      const applied = changesOf(this.host.configurationVersions, run, ws)
      ws.stateAddresses = [
        ...ws.stateAddresses.filter(a => !applied.some(c => c.address === a && c.action === 'delete')),
        ...applied.filter(c => c.action === 'create').map(c => c.address)
      ].sort()
    }
    ws.hasState = true
    ws.outputs = run.isDestroy ? {} : { ...(ws.spec.outputs ?? {}), ...declaredOutputsOf(this.host.configurationVersions, run, ws) }
    for (const name of Object.keys(ws.outputs)) ws.outputIds[name] ??= newId('wsout')
    run.apply.stateVersionId = recordState(this.host.stateVersions, ws, run.id, performance.now() + ws.timings.processingMs).id
    this.finish(run, 'applied')
    // The state changed: every plan saved against the old one is stale.
    for (const other of this.host.runsOf(ws.id)) if (other.status === 'planned_and_saved') this.finish(other, 'discarded')
    // Only here, after an apply that ended well, do run triggers fire.
    queueTriggeredRuns(this.host, this.host.runTriggers, run)
  }

  finish(run: StandInRun, status: string): void {
    this.clearTimers(run)
    // A stage cut short (cancel) still closes its log.
    for (const stage of [run.plan, run.apply]) if (stage.pendingEnd) this.endLog(run, stage, [])
    // A stage the run never reached ends too: log readers stop when their stage's status is final.
    for (const stage of [run.plan, run.apply]) if (stage.status === 'pending') stageStatus(stage, 'unreachable')
    if (run.costEstimate) endEstimate(run.costEstimate)
    this.setStatus(run, status)
    run.terminalAt = performance.now()
    const ws = this.host.mustWorkspace(run.workspaceId)
    if (ws.currentRunId === run.id) {
      ws.currentRunId = undefined
      this.startNext(ws)
    }
  }

  // ---- logs -------------------------------------------------------------------------------

  private logFormat(ws: StandInWorkspace): LogFormat {
    return ws.spec.logFormat ?? 'structured'
  }

  /** Opens a stage's log with its first lines, writes the middle half-way; the stage's end writes the rest. */
  private writeLog(run: StandInRun, stage: Stage, durationMs: number, script: StageScript): void {
    this.logs.open(stage, script)
    this.after(run, Math.floor(durationMs / 2), () => this.logs.append(stage, script.middle))
  }

  private endLog(run: StandInRun, stage: Stage, error?: string[]): void {
    this.logs.end(stage, () => this.host.mustWorkspace(run.workspaceId).spec.logEtx !== false, error)
  }
}
