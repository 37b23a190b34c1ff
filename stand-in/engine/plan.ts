/**
 * What a run's plan finds: the resource changes and outputs, from the uploaded configuration when
 * the run has one, else from the workspace's spec. Pure functions of the engine's data.
 */
import { declaredOutputs, resourceAddresses, type StandInConfigurationVersion } from './configuration-versions.ts'
import { changesFor, type Change, type OutputChange } from './logs.ts'
import type { OutputSpec, StandInRun, StandInWorkspace } from './model.ts'
import { attributeJsonPlan, scenarioChanges } from './plan-json.ts'

type Versions = Map<string, StandInConfigurationVersion>

export function changesOf(versions: Versions, run: StandInRun, ws: StandInWorkspace): Change[] {
  if (run.refreshOnly) return []
  if (ws.spec.planScenario) return scenarioChanges(ws.spec.planScenario, run.isDestroy)
  const cv = run.configurationVersionId ? versions.get(run.configurationVersionId) : undefined
  // A VCS version without files is the stand-in's stand-in for the repository: the spec decides.
  if (cv && !(cv.ingress && cv.files.size === 0)) {
    // The plan of uploaded code: its resource blocks against the state.
    const wanted = run.isDestroy ? [] : resourceAddresses(cv.files, ws.spec.workingDirectory ?? '')
    return [
      ...wanted.filter(a => !ws.stateAddresses.includes(a)).map(address => ({ address, action: 'create' as const })),
      ...ws.stateAddresses.filter(a => !wanted.includes(a)).map(address => ({ address, action: 'delete' as const }))
    ]
  }
  return changesFor(ws.spec.changes ?? { add: 1, change: 0, destroy: 0 }, run.isDestroy, ws.resources)
}

/** The `output` blocks of the run's uploaded configuration, in the workspace's working directory. */
export function declaredOutputsOf(versions: Versions, run: StandInRun, ws: StandInWorkspace): Record<string, OutputSpec> {
  const cv = run.configurationVersionId ? versions.get(run.configurationVersionId) : undefined
  return cv ? declaredOutputs(cv.files, ws.spec.workingDirectory ?? '') : {}
}

/** The outputs a run's configuration declares: none for a destroy, which removes them. */
export function outputChanges(versions: Versions, ws: StandInWorkspace, run: StandInRun): OutputChange[] {
  if (run.isDestroy) return []
  return Object.entries({ ...(ws.spec.outputs ?? {}), ...declaredOutputsOf(versions, run, ws) }).map(([name, o]) => ({
    name,
    sensitive: o.sensitive === true,
    value: o.value
  }))
}

/** The plan as `terraform show -json` writes it (plan-json.ts): addresses, actions and attribute-level values. */
export function jsonPlan(versions: Versions, run: StandInRun, ws: StandInWorkspace, redacted = false): unknown {
  return attributeJsonPlan({
    changes: changesOf(versions, run, ws),
    outputs: outputChanges(versions, ws, run),
    scenario: ws.spec.planScenario,
    redacted
  })
}
