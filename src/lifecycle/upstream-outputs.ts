/**
 * variables_from_outputs: before queueing, read each named upstream workspace's CURRENT state
 * outputs and turn the wanted ones into run variables (HCL literals). On apply the upstream has
 * applied before; on destroy (run in reverse) it still exists. A sensitive output is never
 * passed, a missing one is not guessed: either fails the step before anything is queued.
 */
import { Inputs } from '../action/names.js'
import { HclValueError, toHclLiteral } from '../action/hcl-value.js'
import type { OutputSource } from '../action/variables-from-outputs.js'
import { ApiError, RunFailedError } from '../common/errors.js'
import { log } from '../common/job-log.js'
import type { RunVariable } from '../tfe/runs.js'
import { listCurrentOutputs, type StateOutput } from '../tfe/state-version-outputs.js'
import { getWorkspaceById, getWorkspaceByName, type Workspace } from '../tfe/workspaces.js'
import type { Step } from './step.js'

const MaxNamesShown = 20

function sourceName(s: OutputSource): string {
  return s.workspaceId ?? `${s.organization}/${s.workspace}`
}

async function upstreamWorkspace(step: Step, s: OutputSource, signal: AbortSignal): Promise<Workspace> {
  try {
    if (s.workspaceId) return await getWorkspaceById(step.client, s.workspaceId, signal)
    // parseOutputSources gives a named source its organization.
    if (s.organization && s.workspace) return await getWorkspaceByName(step.client, s.organization, s.workspace, signal)
    throw new Error(`internal: output source '${s.variable}' names no workspace`)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new RunFailedError(
        `Input '${Inputs.VariablesFromOutputs}' ('${s.variable}'): workspace ${sourceName(s)} was not found on ${step.client.host}, or the token cannot see it (404). Nothing was queued.`
      )
    }
    throw err
  }
}

async function outputsOf(step: Step, ws: Workspace, s: OutputSource, signal: AbortSignal): Promise<StateOutput[]> {
  const name = `${ws.organization}/${ws.name}`
  const permission = `give the token's user or team the 'read state outputs' permission on ${name}`
  if (ws.canReadStateOutputs === false) {
    throw new RunFailedError(
      `Input '${Inputs.VariablesFromOutputs}' ('${s.variable}'): the token may not read the state outputs of workspace ${name}; ${permission}. Nothing was queued.`
    )
  }
  const outputs = await listCurrentOutputs(step.client, ws.id, signal)
  if (!outputs) {
    throw new RunFailedError(
      `Input '${Inputs.VariablesFromOutputs}' ('${s.variable}'): workspace ${name} has no current state outputs to read (404): apply it first, or ${permission}. Nothing was queued.`
    )
  }
  return outputs
}

function variableOf(ws: Workspace, s: OutputSource, outputs: StateOutput[]): RunVariable {
  const name = `${ws.organization}/${ws.name}`
  const where = `Input '${Inputs.VariablesFromOutputs}' ('${s.variable}')`
  const found = outputs.find(o => o.name === s.output)
  if (!found) {
    const names = outputs.slice(0, MaxNamesShown).map(o => o.name)
    const more = outputs.length > MaxNamesShown ? `, and ${outputs.length - MaxNamesShown} more` : ''
    throw new RunFailedError(
      `${where}: workspace ${name} has no output '${s.output}' in its current state (it has: ${names.length ? names.join(', ') + more : 'none'}). Apply it with that output declared, or fix the name. Nothing was queued.`
    )
  }
  if (found.sensitive) {
    throw new RunFailedError(
      `${where}: output '${s.output}' of workspace ${name} is sensitive, and sensitive outputs are never passed as run variables (they would be stored and shown with the run). Read it inside the workspace's configuration with the tfe_outputs data source instead. Nothing was queued.`
    )
  }
  try {
    return { key: s.variable, value: toHclLiteral(found.value) }
  } catch (err) {
    if (!(err instanceof HclValueError)) throw err
    throw new RunFailedError(
      `${where}: output '${s.output}' of workspace ${name} cannot be passed as a run variable: ${err.message}. Nothing was queued.`
    )
  }
}

/** The run variables the sources name, in the input's order; throws RunFailedError before anything is queued. */
export async function readUpstreamVariables(step: Step, signal: AbortSignal): Promise<RunVariable[]> {
  const sources = step.settings.variablesFromOutputs ?? []
  const read = new Map<string, Promise<{ ws: Workspace; outputs: StateOutput[] }>>()
  for (const s of sources) {
    const key = sourceName(s)
    if (!read.has(key)) {
      read.set(
        key,
        upstreamWorkspace(step, s, signal).then(async ws => ({ ws, outputs: await outputsOf(step, ws, s, signal) }))
      )
    }
  }
  // Each upstream is read once; a failed read rejects every source that names it, reported once below.
  const settled = await Promise.allSettled(read.values())
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  const variables: RunVariable[] = []
  for (const s of sources) {
    const pending = read.get(sourceName(s))
    if (!pending) throw new Error(`internal: the outputs of '${sourceName(s)}' were not read`)
    const { ws, outputs } = await pending
    variables.push(variableOf(ws, s, outputs))
    log.info(`Run variable ${s.variable} ← output ${s.output} of ${ws.organization}/${ws.name} (its current state).`)
  }
  return variables
}
