/**
 * The run engine: workspaces and runs as data, and the moves a person makes (confirm, discard,
 * cancel, override, lock); a run's life on timers (queue, stages, logs, state) is run-life.ts.
 * It knows nothing of HTTP: handlers call it.
 */
import type { StandInConfigurationVersion } from './configuration-versions.ts'
import { newCostEstimate } from './cost-estimates.ts'
import type { Archivist } from './logs.ts'
import {
  Cancelable,
  Discardable,
  newId,
  StandInUserId,
  stageStatus,
  type StandInRun,
  type StandInWorkspace,
  type Timings,
  type WorkspaceSpec
} from './model.ts'
import { jsonPlan } from './plan.ts'
import { newRun, newWorkspace } from './records.ts'
import { RunActivity } from './run-activity.ts'
import { RunLife } from './run-life.ts'
import { RunTriggers } from './run-triggers.ts'
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
  /** The timers that move runs on (run-life.ts). */
  private readonly life: RunLife
  private readonly defaultTimings: Partial<Timings>

  constructor(defaultTimings: Partial<Timings>) {
    this.defaultTimings = defaultTimings
    this.logLines = this.logs.logLines
    this.archivist = this.logs.archivist
    this.life = new RunLife(this, this.logs)
  }

  /** No timer fires after this, and none is set: the servers are going away. */
  stop(): void {
    this.life.stop()
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
    this.life.startApply(run)
    return true
  }

  discard(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!Discardable.has(run.status)) return false
    run.movedBy = StandInUserId
    const ws = this.mustWorkspace(run.workspaceId)
    ws.queue = ws.queue.filter(id => id !== runId)
    this.life.finish(run, 'discarded')
    return true
  }

  cancel(runId: string): boolean {
    const run = this.mustRun(runId)
    if (!Cancelable.has(run.status)) return false
    run.movedBy = StandInUserId
    if (run.status === 'pending') {
      const ws = this.mustWorkspace(run.workspaceId)
      ws.queue = ws.queue.filter(id => id !== runId)
      this.life.finish(run, 'canceled')
      return true
    }
    this.life.clearTimers(run)
    this.life.after(run, this.mustWorkspace(run.workspaceId).timings.cancelMs, () => {
      if (run.plan.status === 'running') stageStatus(run.plan, 'canceled')
      if (run.apply.status === 'running') stageStatus(run.apply, 'canceled')
      this.life.finish(run, 'canceled')
    })
    return true
  }

  /** An owner overrides a soft-mandatory policy failure. */
  overridePolicy(runId: string): boolean {
    const run = this.mustRun(runId)
    if (run.status !== 'policy_override') return false
    run.policyStatus = 'overridden'
    this.life.afterPolicy(run, 'policy_checked')
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
    this.life.startNext(ws)
  }

  // ---- new runs ----------------------------------------------------------------------------

  /** A new run from the create request's attributes, on a configuration version when given one. */
  createRun(ws: StandInWorkspace, a: Record<string, unknown>, cvId?: string): StandInRun {
    const run = newRun(ws, a, cvId)
    if (ws.spec.costEstimation) run.costEstimate = newCostEstimate(newId('ce'))
    this.runs.set(run.id, run)
    this.activity.record(run.id, 'pending', StandInUserId)
    // The create answer says `pending`, as the service's does; the run moves on right after.
    if (run.planOnly || run.savePlan) {
      // Speculative runs and saved plans neither wait for the workspace's queue nor lock it.
      this.life.after(run, 0, () => this.life.startPlan(run, ws))
    } else {
      ws.queue.push(run.id)
      this.life.after(run, 0, () => this.life.startNext(ws))
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
}
