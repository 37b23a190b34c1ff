/**
 * The variables a workspace's configuration declares without a default: a plan (destroy plans
 * too) errors unless the run or the workspace gives each one a value, with Terraform's own
 * diagnostic. Pure: the engine calls missingVariableError when a plan ends.
 */
import type { StandInRun, StandInWorkspace } from './model.ts'

export const MissingVariableSummary = 'No value for required variable'

/** The first required variable neither the run nor the workspace sets, as the plan's diagnostic. */
export function missingVariableError(ws: StandInWorkspace, run: StandInRun): { summary: string; detail: string } | undefined {
  const given = new Set([...run.variables.map(v => v.key), ...Object.keys(ws.spec.variables ?? {})])
  const missing = (ws.spec.requiredVariables ?? []).find(name => !given.has(name))
  if (missing === undefined) return undefined
  return {
    summary: MissingVariableSummary,
    detail: `The root module input variable "${missing}" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.`
  }
}
