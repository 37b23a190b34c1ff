/**
 * The variables_from_outputs input: run variables taken from another workspace's current state
 * outputs, one `variable=workspace.output` per line. Reading it only; the outputs are read in
 * lifecycle/upstream-outputs.ts.
 */
import { InputError } from '../common/errors.js'
import { Inputs } from './names.js'
import type { RunVariable } from '../tfe/runs.js'

/** Where one variable's value comes from: a workspace by ID, or by name in an organization. */
export interface OutputSource {
  variable: string
  /** `ws-…`, or undefined for a named workspace. */
  workspaceId: string | undefined
  /** The named workspace's organization; undefined means the step's own organization. */
  organization: string | undefined
  workspace: string | undefined
  output: string
}

const LinePattern =
  /^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:(ws-[A-Za-z0-9]+)|(?:([A-Za-z0-9_-]+)\/)?([A-Za-z0-9_-]+))\.([A-Za-z_][A-Za-z0-9_-]*)$/

/** Parses the input's lines; every error names the input and the line. */
export function parseOutputSources(lines: string[], variables: RunVariable[], organization: string | undefined): OutputSource[] {
  const seen = new Set<string>()
  return lines.map((raw, index) => {
    const line = raw.trim()
    const m = LinePattern.exec(line)
    if (!m) {
      throw new InputError(
        Inputs.VariablesFromOutputs,
        `line ${index + 1} is not 'variable=workspace.output' (the workspace by name, organization/name or ws-… ID), such as vpc_id=network.vpc_id.`
      )
    }
    // Groups 1 and 5 take part in every match of the pattern; 2–4 may be empty.
    const [, variable = '', workspaceId, org, workspace, output = ''] = m
    if (seen.has(variable)) throw new InputError(Inputs.VariablesFromOutputs, `'${variable}' is given twice.`)
    if (variables.some(v => v.key === variable)) {
      throw new InputError(Inputs.VariablesFromOutputs, `'${variable}' is also given in '${Inputs.Variables}'; give it in one of them.`)
    }
    seen.add(variable)
    if (!workspaceId && !org && !organization) {
      throw new InputError(
        Inputs.VariablesFromOutputs,
        `line ${index + 1} names workspace '${workspace}' without an organization, and the step has none ('${Inputs.Organization}'): write organization/${workspace}.`
      )
    }
    return {
      variable,
      workspaceId: workspaceId || undefined,
      organization: workspaceId ? undefined : org || organization,
      workspace: workspaceId ? undefined : workspace,
      output
    }
  })
}
