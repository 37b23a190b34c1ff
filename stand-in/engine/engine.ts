/**
 * The run engine: workspaces and runs as data, each workspace's queue, the stage timers that move
 * runs through their statuses, the logs and state versions they write, and the moves a person
 * makes (confirm, discard, cancel, override, lock). It knows nothing of HTTP: handlers call it.
 */
import type { StandInConfigurationVersion } from './configuration-versions.ts'
import { endEstimate, finishEstimate, newCostEstimate, queueEstimate } from './cost-estimates.ts'
import { ApplyError, applyScript, counts, PlanError, planScript, type Archivist, type LogFormat, type StageScript } from './logs.ts'
import {
  Cancelable,
  Discardable,
  newId,
  StandInUserId,
  stageStatus,
  type Stage,
  type StandInRun,
  type StandInWorkspace,
  type Timings,
  type WorkspaceSpec
} from './model.ts'
import { changesOf, declaredOutputsOf, jsonPlan, outputChanges } from './plan.ts'
import { missingVariableError } from './variables.ts'
import { newRun, newWorkspace } from './records.ts'
import { RunActivity } from './run-activity.ts'
import { queueTriggeredRuns, RunTriggers } from './run-triggers.ts'
import { StageLogs } from './stage-logs.ts'
import { recordState, StateVersions } from './state-versions.ts'

export class RunEngine {
  readonly runs = new Map<string, StandInRun>()
  readonly workspaces = new Map<string, StandInWorkspace>()
  readonly configurationVersions = new Map<string, StandInConfigurationVersion>()
  readonly logLines: StageLogs['logLines']
  readonly archivist: Archivist
  /** Comments and run events. */
  readonly activity = new RunActivity(newId)
  /** Every state of every workspace; a workspace's `stateVersion` is its current one. */
  readonly stateVersions = new StateVersions()
  /** Run triggers between workspaces (run-triggers.ts: their rules, and the runs they queue). */
  readonly runTriggers = new RunTriggers()
  private readonly logs = new StageLogs()
  private readonly defaultTimings: Partial<Timings>
  private stopped = false

  constructor(defaultTimings: Partial<Timings>) {
    this.defaultTimings = defaultTimings
    this.logLines = this.logs.logLines
    this.archivist = this.logs.archivist
  }

  /** No timer fires after this, and none is set: the servers are going away. */
  stop(): void {
    this.stopped = true
    for (const run of this.runs.values()) run.timers.forEach(clearTimeout)
  }

  addWorkspace(spec: WorkspaceSpec): StandInWorkspace {
    const ws = newWorkspace(spec, this.defaultTimings)
    this.workspaces.set(ws.id, ws)
    if (ws.hasState) recordState(this.stateVersions, ws, undefined, 0)
    return ws
  }

  workspaceByName(name: string, organization = 'demo-org'): StandInWorkspace | undefined {
    return [...this.workspaces.values()].find(w => w.name === name && w.organization === organization)
  }

  runsOf(workspaceId: string): StandInRun[] {
    return [...this.runs.values()].filter(r => r.workspaceId === workspaceId)
  }

  mustRun(id: string): StandInRun {
    const run = this.runs.get(id)
    if (!run) throw new Error(`stand-in: no run ${id}`)
    return run
  }

  mustWorkspace(id: string): StandInWorkspace {
    const ws = this.workspaces.get(id)
    if (!ws) throw new Error(`stand-in: no workspace ${id}`)
    return ws
  }

  // ---- a person's moves ---------------------------------------------------------------------

  confirm(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!run.confirmable) return false
    run.movedBy = StandInUserId
    if (run.status === 'planned_and_saved') {
      // A confirmed saved plan becomes the workspace's current run for its apply.
      const ws = this.mustWorkspace(run.workspaceId)
      ws.currentRunId ??= run.id
    }
    this.startApply(run)
    return true
  }

  discard(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!Discardable.has(run.status)) return false
    run.movedBy = StandInUserId
    const ws = this.mustWorkspace(run.workspaceId)
    ws.queue = ws.queue.filter(id => id !== runId)
    this.finish(run, 'discarded')
    return true
  }

  cancel(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!Cancelable.has(run.status)) return false
    run.movedBy = StandInUserId
    if (run.status === 'pending') {
      const ws = this.mustWorkspace(run.workspaceId)
      ws.queue = ws.queue.filter(id => id !== runId)
      this.finish(run, 'canceled')
      return true
    }
    this.clearTimers(run)
    this.after(run, this.mustWorkspace(run.workspaceId).timings.cancelMs, () => {
      if (run.plan.status === 'running') stageStatus(run.plan, 'canceled')
      if (run.apply.status === 'running') stageStatus(run.apply, 'canceled')
      this.finish(run, 'canceled')
    })
    return true
  }

  /** An owner overrides a soft-mandatory policy failure. */
  overridePolicy(runId: string): boolean {
    const run = this.mustRun(runId)
    if (run.status !== 'policy_override') return false
    run.policyStatus = 'overridden'
    this.afterPolicy(run, 'policy_checked')
    return true
  }

  lock(workspaceId: string, by = StandInUserId, reason = 'locked by hand'): void {
    const ws = this.mustWorkspace(workspaceId)
    ws.manualLock = { by, reason }
    ws.updatedAt = new Date().toISOString()
  }

  unlock(workspaceId: string): void {
    const ws = this.mustWorkspace(workspaceId)
    ws.manualLock = undefined
    ws.updatedAt = new Date().toISOString()
    this.startNext(ws)
  }

  // ---- a run's life -------------------------------------------------------------------------

  /** A new run from the create request's attributes, on a configuration version when given one. */
  createRun(ws: StandInWorkspace, a: Record<string, unknown>, cvId?: string): StandInRun {
    const run = newRun(ws, a, cvId)
    if (ws.spec.costEstimation) run.costEstimate = newCostEstimate(newId('ce'))
    this.runs.set(run.id, run)
    this.activity.record(run.id, 'pending', StandInUserId)
    // The create answer says `pending`, as the service's does; the run moves on right after.
    if (run.planOnly || run.savePlan) {
      // Speculative runs and saved plans neither wait for the workspace's queue nor lock it.
      this.after(run, 0, () => this.startPlan(run, ws))
    } else {
      ws.queue.push(run.id)
      this.after(run, 0, () => this.startNext(ws))
    }
    return run
  }

  /** A run HCP Terraform queues by itself (a run trigger, a VCS push), on the latest configuration; none without one. */
  queueRun(ws: StandInWorkspace, a: Record<string, unknown>, cvId?: string): StandInRun | undefined {
    if (cvId) return this.createRun(ws, a, cvId)
    const latest = [...this.configurationVersions.values()]
      .filter(v => v.workspaceId === ws.id && v.status === 'uploaded' && !v.speculative && (!v.provisional || v.promoted))
      .pop()
    if (!latest && ws.spec.hasConfiguration === false) return undefined
    return this.createRun(ws, a, latest?.id)
  }

  /** The plan as `terraform show -json` writes it. */
  jsonPlan(run: StandInRun): unknown {
    return jsonPlan(this.configurationVersions, run, this.mustWorkspace(run.workspaceId))
  }

  private after(run: StandInRun, ms: number, fn: () => void): void {
    if (this.stopped) return
    const t = setTimeout(() => {
      run.timers = run.timers.filter(x => x !== t)
      fn()
    }, ms)
    run.timers.push(t)
  }

  private clearTimers(run: StandInRun): void {
    run.timers.forEach(clearTimeout)
    run.timers = []
  }

  private setStatus(run: StandInRun, status: string): void {
    run.status = status
    run.statusTimestamps[`${status.replace(/_/g, '-')}-at`] = new Date().toISOString()
    run.confirmable = false
    this.activity.record(run.id, status, run.movedBy)
    run.movedBy = undefined
  }

  private startNext(ws: StandInWorkspace): void {
    if (ws.currentRunId || ws.manualLock) return
    const next = ws.queue.shift()
    if (!next) return
    ws.currentRunId = next
    this.startPlan(this.mustRun(next), ws)
  }

  private startPlan(run: StandInRun, ws: StandInWorkspace): void {
    this.setStatus(run, 'plan_queued')
    this.after(run, ws.timings.queueMs, () => {
      this.setStatus(run, 'planning')
      stageStatus(run.plan, 'running')
      const script = planScript(
        this.logFormat(ws),
        changesOf(this.configurationVersions, run, ws),
        outputChanges(this.configurationVersions, ws, run)
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
    const n = counts(changesOf(this.configurationVersions, run, ws))
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
    if (ws.spec.runTask) {
      const task = ws.spec.runTask
      this.after(run, 10, () => {
        this.setStatus(run, 'post_plan_running')
        this.after(run, ws.timings.policyMs, () => {
          run.taskResult = task === 'passed' ? 'passed' : 'failed'
          run.taskEnforcement = task === 'mandatory-failed' ? 'mandatory' : 'advisory'
          if (task === 'mandatory-failed') {
            this.finish(run, 'errored')
            return
          }
          this.setStatus(run, 'post_plan_completed')
          this.afterTasks(run, ws)
        })
      })
      return
    }
    this.afterTasks(run, ws)
  }

  private afterTasks(run: StandInRun, ws: StandInWorkspace): void {
    if (ws.spec.costEstimation) {
      this.after(run, 10, () => {
        this.setStatus(run, 'cost_estimating')
        run.ranCostEstimate = true
        const ce = run.costEstimate
        if (ce) queueEstimate(ce)
        this.after(run, ws.timings.costEstimateMs, () => {
          if (ce) finishEstimate(ce, ws.resources, Math.max(0, ws.resources + run.plan.additions - run.plan.destructions))
          this.setStatus(run, 'cost_estimated')
          this.afterCostEstimate(run, ws)
        })
      })
      return
    }
    this.afterCostEstimate(run, ws)
  }

  private afterCostEstimate(run: StandInRun, ws: StandInWorkspace): void {
    if (!ws.spec.policy) {
      this.readyToApply(run)
      return
    }
    this.after(run, 10, () => {
      this.setStatus(run, 'policy_checking')
      run.ranPolicy = true
      this.after(run, ws.timings.policyMs, () => {
        if (ws.spec.policy === 'hard-fail') {
          run.policyStatus = 'hard_failed'
          this.finish(run, 'errored')
        } else if (ws.spec.policy === 'soft-fail') {
          run.policyStatus = 'soft_failed'
          if (run.planOnly) this.finish(run, 'policy_soft_failed')
          else this.setStatus(run, 'policy_override')
        } else {
          run.policyStatus = 'passed'
          this.afterPolicy(run, 'policy_checked')
        }
      })
    })
  }

  private afterPolicy(run: StandInRun, status: string): void {
    this.setStatus(run, status)
    this.readyToApply(run)
  }

  private readyToApply(run: StandInRun): void {
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

  private startApply(run: StandInRun): void {
    const ws = this.mustWorkspace(run.workspaceId)
    run.apply.logIssued = true
    this.setStatus(run, 'confirmed')
    this.after(run, 10, () => {
      this.setStatus(run, 'apply_queued')
      this.after(run, ws.timings.applyQueueMs, () => {
        this.setStatus(run, 'applying')
        stageStatus(run.apply, 'running')
        const script = applyScript(
          this.logFormat(ws),
          changesOf(this.configurationVersions, run, ws),
          outputChanges(this.configurationVersions, ws, run)
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
      const cv = this.configurationVersions.get(run.configurationVersionId)
      if (cv) cv.promoted = true
      const applied = changesOf(this.configurationVersions, run, ws)
      ws.stateAddresses = [
        ...ws.stateAddresses.filter(a => !applied.some(c => c.address === a && c.action === 'delete')),
        ...applied.filter(c => c.action === 'create').map(c => c.address)
      ].sort()
    }
    ws.hasState = true
    ws.outputs = run.isDestroy ? {} : { ...(ws.spec.outputs ?? {}), ...declaredOutputsOf(this.configurationVersions, run, ws) }
    for (const name of Object.keys(ws.outputs)) ws.outputIds[name] ??= newId('wsout')
    run.apply.stateVersionId = recordState(this.stateVersions, ws, run.id, performance.now() + ws.timings.processingMs).id
    this.finish(run, 'applied')
    // The state changed: every plan saved against the old one is stale.
    for (const other of this.runsOf(ws.id)) if (other.status === 'planned_and_saved') this.finish(other, 'discarded')
    // Only here, after an apply that ended well, do run triggers fire.
    queueTriggeredRuns(this, this.runTriggers, run)
  }

  private finish(run: StandInRun, status: string): void {
    this.clearTimers(run)
    // A stage cut short (cancel) still closes its log.
    for (const stage of [run.plan, run.apply]) if (stage.pendingEnd) this.endLog(run, stage, [])
    // A stage the run never reached ends too: log readers stop when their stage's status is final.
    for (const stage of [run.plan, run.apply]) if (stage.status === 'pending') stageStatus(stage, 'unreachable')
    if (run.costEstimate) endEstimate(run.costEstimate)
    this.setStatus(run, status)
    run.terminalAt = performance.now()
    const ws = this.mustWorkspace(run.workspaceId)
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
    this.logs.end(stage, () => this.mustWorkspace(run.workspaceId).spec.logEtx !== false, error)
  }
}
