/** The step's outputs, set whatever the outcome, so `if: always()` steps can read what happened. */
import * as core from '@actions/core'
import { Outputs } from '../action/names.js'
import { RunStatus } from '../tfe/statuses.js'
import type { Outcome } from '../lifecycle/run-lifecycle.js'

export function resourceCounts(outcome: Outcome): { additions: number; changes: number; destructions: number } | undefined {
  const run = outcome.run
  if (!run) return undefined
  // An applied run's own counts are the truth; otherwise the plan's say what would change.
  const stage = run.apply && run.status === RunStatus.Applied ? run.apply : run.plan
  return stage ? { additions: stage.additions, changes: stage.changes, destructions: stage.destructions } : undefined
}

/** Sets every output, whatever the outcome, so `if: always()` steps can read what happened. */
export function writeOutputs(outcome: Outcome): void {
  const counts = resourceCounts(outcome)
  core.setOutput(Outputs.RunId, outcome.run?.id ?? '')
  core.setOutput(Outputs.RunUrl, outcome.runUrl ?? '')
  core.setOutput(Outputs.Status, outcome.status)
  core.setOutput(Outputs.WorkspaceId, outcome.workspace?.id ?? '')
  core.setOutput(Outputs.HasChanges, String(outcome.run?.hasChanges ?? false))
  core.setOutput(Outputs.Attempts, String(outcome.attempts))
  core.setOutput(Outputs.RunIds, JSON.stringify(outcome.runIds))
  core.setOutput(Outputs.ResourceAdditions, String(counts?.additions ?? 0))
  core.setOutput(Outputs.ResourceChanges, String(counts?.changes ?? 0))
  core.setOutput(Outputs.ResourceDestructions, String(counts?.destructions ?? 0))
  core.setOutput(Outputs.WorkspaceOutputs, JSON.stringify(outcome.outputs ?? {}))
  core.setOutput(Outputs.ConfigurationVersionId, outcome.configurationVersionId ?? '')
  core.setOutput(Outputs.Adopted, String(outcome.adopted === true))
  core.setOutput(
    Outputs.TriggeredRuns,
    JSON.stringify(
      (outcome.triggeredRuns ?? []).map(t => ({ workspace: t.workspace, run_id: t.runId, status: t.status, url: t.url, depth: t.depth }))
    )
  )
  // Names only, never values; from the JSON plan, else from the plan log's output messages.
  core.setOutput(Outputs.OutputsChanged, JSON.stringify(outputsChanged(outcome)))
  // held (the plan is left unconfirmed for a person or a later run_id step), passed, or empty.
  core.setOutput(Outputs.GuardVerdict, outcome.guard?.result === 'pending' ? '' : (outcome.guard?.result ?? ''))
}

/** The names of the workspace outputs the plan changes, never their values. */
export function outputsChanged(outcome: Outcome): string[] {
  const fromPlan = outcome.review?.outputsChanged
  if (fromPlan) return fromPlan
  return (outcome.changes?.outputs ?? []).map(o => o.name)
}
