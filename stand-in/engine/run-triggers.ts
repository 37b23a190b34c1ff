/**
 * Runs HCP Terraform queues by itself: run triggers (workspace → downstream workspace, with the
 * documented limits) and the run each one queues after a successful apply, and the run a push to
 * a VCS-connected workspace queues. Data and rules only: the HTTP side is resources/run-triggers.ts.
 */
import { newConfigurationVersion, type StandInConfigurationVersion } from './configuration-versions.ts'
import { newId, type StandInRun, type StandInWorkspace } from './model.ts'

/** run-triggers.mdx: "You can connect each workspace to up to 20 source workspaces." */
export const MaxSourcesPerWorkspace = 20

export interface StandInRunTrigger {
  id: string
  /** Downstream: the workspace the trigger queues runs on. */
  workspaceId: string
  /** Upstream: the workspace whose successful applies fire it. */
  sourceableId: string
  createdAt: string
}

/** What creating a trigger may answer instead of a trigger: a status, a title and a detail. */
export interface Refusal {
  status: number
  title: string
  detail: string
}

/** What the rules below need of the engine (kept narrow so this module never reaches its timers). */
export interface TriggerHost {
  readonly workspaces: Map<string, StandInWorkspace>
  readonly runs: Map<string, StandInRun>
  readonly configurationVersions: Map<string, StandInConfigurationVersion>
  /** A new run on the workspace's latest configuration, queued as an API run would be. */
  queueRun(ws: StandInWorkspace, attributes: Record<string, unknown>, cvId?: string): StandInRun | undefined
}

export class RunTriggers {
  readonly all = new Map<string, StandInRunTrigger>()

  inbound(workspaceId: string): StandInRunTrigger[] {
    return [...this.all.values()].filter(t => t.workspaceId === workspaceId)
  }

  outbound(workspaceId: string): StandInRunTrigger[] {
    return [...this.all.values()].filter(t => t.sourceableId === workspaceId)
  }

  /**
   * A trigger from `sourceableId` to `workspaceId`, or why not: an unknown source or one of another
   * organization is a 404 as documented; a self-trigger, a duplicate pair, a 21st source and a cycle
   * are 422s. (The cycle rule is the seed's "cycles are rejected at creation time"; it also keeps an
   * estate with auto-apply on run triggers from applying round and round.)
   */
  create(workspaceId: string, sourceableId: string, workspaces: Map<string, StandInWorkspace>): StandInRunTrigger | Refusal {
    const ws = workspaces.get(workspaceId)
    const source = workspaces.get(sourceableId)
    if (!ws || !source || source.organization !== ws.organization) {
      return { status: 404, title: 'not found', detail: 'Workspace or sourceable not found or user unauthorized to perform action' }
    }
    const refuse = (detail: string): Refusal => ({ status: 422, title: 'invalid attribute', detail })
    if (sourceableId === workspaceId) return refuse('Sourceable cannot be the same as the workspace')
    const inbound = this.inbound(workspaceId)
    if (inbound.some(t => t.sourceableId === sourceableId)) return refuse('Sourceable has already been taken')
    if (inbound.length >= MaxSourcesPerWorkspace) {
      return refuse(`Workspace cannot have more than ${MaxSourcesPerWorkspace} source workspaces`)
    }
    if (this.reaches(workspaceId, sourceableId)) return refuse('Run trigger would create a cycle')
    const trigger: StandInRunTrigger = { id: newId('rt'), workspaceId, sourceableId, createdAt: new Date().toISOString() }
    this.all.set(trigger.id, trigger)
    return trigger
  }

  delete(id: string): boolean {
    return this.all.delete(id)
  }

  /** Forgets every trigger to or from a workspace that is gone. */
  forgetWorkspace(workspaceId: string): void {
    for (const t of [...this.all.values()]) if (t.workspaceId === workspaceId || t.sourceableId === workspaceId) this.all.delete(t.id)
  }

  /** Whether applies of `from` lead, trigger by trigger, to runs on `to`. */
  private reaches(from: string, to: string): boolean {
    const seen = new Set<string>()
    const next = [from]
    while (next.length) {
      const id = next.pop() ?? ''
      if (id === to) return true
      if (seen.has(id)) continue
      seen.add(id)
      for (const t of this.outbound(id)) next.push(t.workspaceId)
    }
    return false
  }
}

/**
 * The engine's hook after a run ended `applied`: one run on each downstream workspace, with source
 * `tfe-run-trigger`. Plan-only, errored, discarded and canceled runs never get here (only a run
 * that applied calls it). A triggered run waits at `planned` for a person unless the downstream
 * workspace sets `auto-apply-run-trigger`.
 */
export function queueTriggeredRuns(host: TriggerHost, triggers: RunTriggers, upstream: StandInRun): StandInRun[] {
  const source = host.workspaces.get(upstream.workspaceId)
  if (!source) return []
  const queued: StandInRun[] = []
  for (const trigger of triggers.outbound(source.id)) {
    const downstream = host.workspaces.get(trigger.workspaceId)
    // A local-execution workspace is never run by HCP Terraform, so a trigger queues nothing there.
    if (!downstream || downstream.spec.executionMode === 'local') continue
    const run = host.queueRun(downstream, {
      // The stand-in's wording. The step never parses it: it links a triggered run to its apply by
      // source, workspace and time (src/lifecycle/triggered.ts says why).
      message: `Triggered by a successful apply in workspace ${source.name} (${upstream.id})`,
      'auto-apply': downstream.spec.autoApplyRunTrigger === true
    })
    if (!run) continue
    run.source = 'tfe-run-trigger'
    // The reason the UI shows for these runs ("Reason = run_trigger", the run-triggers seed).
    run.triggerReason = 'run_trigger'
    run.triggeredBy = { runId: upstream.id, workspaceId: source.id }
    queued.push(run)
  }
  return queued
}

/**
 * A push of `commitSha` to a VCS-connected workspace: HCP Terraform queues a run for it, with
 * source `tfe-configuration-version` and the commit in its ingress attributes (what
 * `search[commit]` matches). Undefined when the workspace has no VCS connection.
 */
export function queueVcsRun(host: TriggerHost, ws: StandInWorkspace, commitSha: string, speculative = false): StandInRun | undefined {
  const repo = ws.spec.vcsRepo
  if (!repo) return undefined
  // The push ingresses a new configuration version holding the commit; the run plans it.
  const latest = [...host.configurationVersions.values()]
    .filter(v => v.workspaceId === ws.id && v.status === 'uploaded' && !v.speculative)
    .pop()
  const cv = newConfigurationVersion(newId('cv'), ws.id, { speculative })
  cv.status = 'uploaded'
  cv.files = latest?.files ?? new Map()
  cv.entries = latest?.entries ?? []
  cv.ingress = { id: newId('ia'), commitSha, branch: repo.branch ?? 'main', identifier: repo.identifier }
  host.configurationVersions.set(cv.id, cv)
  const run = host.queueRun(
    ws,
    {
      message: `Merge ${commitSha.slice(0, 7)} into ${repo.branch ?? 'main'}`,
      'plan-only': speculative,
      // A VCS run follows the workspace's own auto-apply setting, as the service's do.
      'auto-apply': ws.spec.autoApply === true
    },
    cv.id
  )
  if (!run) return undefined
  run.source = 'tfe-configuration-version'
  run.triggerReason = 'disabled'
  run.commitSha = commitSha
  return run
}

/** A workspace deleted: its runs stop and go, and so do its triggers (a downstream workspace that disappears). */
export function removeWorkspace(host: TriggerHost, triggers: RunTriggers, workspaceId: string): boolean {
  if (!host.workspaces.has(workspaceId)) return false
  for (const run of [...host.runs.values()]) {
    if (run.workspaceId !== workspaceId) continue
    run.timers.forEach(clearTimeout)
    host.runs.delete(run.id)
  }
  triggers.forgetWorkspace(workspaceId)
  host.workspaces.delete(workspaceId)
  return true
}
