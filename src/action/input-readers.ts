/**
 * How one input's text becomes a typed value (host, workspace, operation, numbers, lists, run
 * variables); every error names its input. Which inputs the step reads, and how they combine: inputs.ts.
 */
import * as core from '@actions/core'
import { DefaultHostname, Inputs, Operations, type Operation } from './names.js'
import { InputError } from '../common/errors.js'
import { hclLiteralProblem } from './hcl-literal.js'
import type { RunVariable } from '../tfe/runs.js'
import type { MatrixPlace } from '../tfe/rate-budgets.js'
import { isRecord } from '../common/json.js'

/**
 * A week. Past 2^31 ms (35,791 min) Node fires a timer at once; no GitHub job runs longer than
 * five days (self-hosted) anyway.
 */
const MaxTimeoutMinutes = 7 * 24 * 60
const NamePattern = /^[A-Za-z0-9_-]+$/
const WorkspaceIdPattern = /^ws-[A-Za-z0-9]+$/
const VariableKeyPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/

export function parseTimeout(): number {
  const minutes = parseNumber(Inputs.TimeoutMinutes, 0)
  if (minutes > MaxTimeoutMinutes) {
    throw new InputError(
      Inputs.TimeoutMinutes,
      `${core.getInput(Inputs.TimeoutMinutes)} minutes is more than the most this step accepts (${MaxTimeoutMinutes}, a week); use 0 for no limit of its own.`
    )
  }
  return Math.round(minutes * 60_000)
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** Accepts `host`, `host:port` or an `https://` URL; `http://` only for loopback test servers. */
export function parseHostname(raw: string): string {
  const value = raw.trim() || DefaultHostname
  const accepted = "a host name such as 'app.terraform.io' or 'tfe.example.com:8443', or an https:// URL"
  const withScheme = value.includes('://') ? value : `https://${value}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new InputError(Inputs.Hostname, `'${value}' is not ${accepted}.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(Inputs.Hostname, `scheme '${url.protocol}' is not supported; use ${accepted}.`)
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new InputError(
      Inputs.Hostname,
      `'${value}' uses plain http://, which would send the token unencrypted; use https:// (http:// is accepted only for loopback test servers).`
    )
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new InputError(Inputs.Hostname, `'${value}' must be only a host (and port), without a path, query or credentials.`)
  }
  return `${url.protocol}//${url.host}`
}

export function parseWorkspace(): { organization?: string; workspace?: string; workspaceId?: string } {
  const organization = core.getInput(Inputs.Organization) || undefined
  const workspace = core.getInput(Inputs.Workspace) || undefined
  const workspaceId = core.getInput(Inputs.WorkspaceId) || undefined
  if (workspaceId && workspace) {
    throw new InputError(Inputs.WorkspaceId, "give either 'workspace_id' or 'workspace' (with 'organization'), not both.")
  }
  if (workspaceId) {
    if (!WorkspaceIdPattern.test(workspaceId)) {
      throw new InputError(Inputs.WorkspaceId, `'${workspaceId}' is not a workspace ID; they look like 'ws-AbCdEf1234567890'.`)
    }
    return { organization, workspaceId }
  }
  if (!workspace) {
    throw new InputError(Inputs.Workspace, "is required: name the workspace with 'organization' and 'workspace', or give 'workspace_id'.")
  }
  if (!NamePattern.test(workspace)) {
    throw new InputError(Inputs.Workspace, `'${workspace}' is not a workspace name; names use only letters, digits, '-' and '_'.`)
  }
  if (!organization) {
    throw new InputError(Inputs.Organization, `is required with 'workspace' ('${workspace}'): name the organization that owns it.`)
  }
  if (!NamePattern.test(organization)) {
    throw new InputError(Inputs.Organization, `'${organization}' is not an organization name; names use only letters, digits, '-' and '_'.`)
  }
  return { organization, workspace }
}

function isOperation(value: string): value is Operation {
  return Operations.some(operation => operation === value)
}

export function parseOperation(raw: string): Operation {
  const value = (raw.trim() || 'apply').toLowerCase()
  if (isOperation(value)) return value
  throw new InputError(Inputs.Operation, `'${raw}' is not one of: ${Operations.join(', ')}.`)
}

export function parseBoolean(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name)
  if (raw === '') return fallback
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new InputError(name, `'${raw}' is not a boolean; use true or false.`)
  }
}

export function parseNumber(name: string, fallback: number): number {
  const raw = core.getInput(name)
  if (raw === '') return fallback
  const value = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value)) {
    throw new InputError(name, `'${raw}' is not a number of zero or more.`)
  }
  return value
}

export function parseList(name: string): string[] {
  return core.getMultilineInput(name).filter(line => line !== '')
}

export function parseVariables(): RunVariable[] {
  const seen = new Set<string>()
  return parseList(Inputs.Variables).map((line, index) => {
    const eq = line.indexOf('=')
    const key = eq === -1 ? '' : line.slice(0, eq).trim()
    const value = eq === -1 ? '' : line.slice(eq + 1).trim()
    // The line may hold a secret value: name only the key and line number.
    if (eq === -1 || !VariableKeyPattern.test(key)) {
      throw new InputError(Inputs.Variables, `line ${index + 1} is not 'key=value' with a Terraform variable name as key.`)
    }
    if (value === '') {
      throw new InputError(
        Inputs.Variables,
        `'${key}' has no value; values are HCL literals, so a string is written with quotes: ${key}="text".`
      )
    }
    const problem = hclLiteralProblem(value)
    if (problem) {
      throw new InputError(Inputs.Variables, `line ${index + 1} ('${key}'): the value is not an HCL literal: ${problem}.`)
    }
    if (seen.has(key)) throw new InputError(Inputs.Variables, `'${key}' is given twice.`)
    seen.add(key)
    return { key, value }
  })
}

const MaxTriggeredRunsDepth = 10

/**
 * adopt_queued_run, follow_triggered_runs and triggered_runs_depth, and the combinations that make
 * no sense: adoption follows a run HCP Terraform queued for an apply, so nothing the step would
 * have put in its own run (run_id, save_plan, directory, targets, variables, …) can go with it.
 */
export function parseQueuedRunInputs(operation: Operation): {
  adoptQueuedRun: boolean
  followTriggeredRuns: boolean
  triggeredRunsDepth: number
  commitSha: string | undefined
} {
  const adoptQueuedRun = parseBoolean(Inputs.AdoptQueuedRun, false)
  const followTriggeredRuns = parseBoolean(Inputs.FollowTriggeredRuns, false)
  const depth = parseNumber(Inputs.TriggeredRunsDepth, 1)
  if (!Number.isInteger(depth) || depth < 1 || depth > MaxTriggeredRunsDepth) {
    throw new InputError(
      Inputs.TriggeredRunsDepth,
      `must be a whole number from 1 to ${MaxTriggeredRunsDepth}, got '${core.getInput(Inputs.TriggeredRunsDepth)}'.`
    )
  }
  if (followTriggeredRuns && !parseBoolean(Inputs.WaitForRun, true)) {
    throw new InputError(
      Inputs.FollowTriggeredRuns,
      `needs '${Inputs.WaitForRun}: true': runs are triggered by the apply, which the step then does not wait for.`
    )
  }
  if (adoptQueuedRun) {
    if (operation !== 'apply') {
      throw new InputError(Inputs.AdoptQueuedRun, `needs operation 'apply' (got '${operation}'): HCP Terraform queues apply runs only.`)
    }
    const conflicts = [
      Inputs.RunId,
      Inputs.SavePlan,
      Inputs.Directory,
      Inputs.TargetAddrs,
      Inputs.ReplaceAddrs,
      Inputs.Variables,
      Inputs.RefreshOnly
    ]
    const given = conflicts.find(name => {
      const raw = core.getInput(name).trim()
      return raw !== '' && raw.toLowerCase() !== 'false'
    })
    if (given) {
      throw new InputError(
        Inputs.AdoptQueuedRun,
        `cannot be true with '${given}': a run HCP Terraform queued does not have what '${given}' asks of the step's own run.`
      )
    }
  }
  const commitSha = (process.env.GITHUB_SHA ?? '').trim()
  return {
    adoptQueuedRun,
    followTriggeredRuns,
    triggeredRunsDepth: depth,
    commitSha: /^[0-9a-f]{40}$/i.test(commitSha) ? commitSha : undefined
  }
}

/** A whole number within bounds, or undefined. */
function wholeIn(value: unknown, min: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 100_000 ? value : undefined
}

/**
 * job_strategy: GitHub's strategy context as JSON (the input's default, `toJSON(strategy)`), for
 * the job's place in its matrix; empty or `{}`: none (the step waits for no turn).
 */
export function parseJobStrategy(): MatrixPlace | undefined {
  const raw = core.getInput(Inputs.JobStrategy).trim()
  if (raw === '') return undefined
  const shown = raw.length > 120 ? `${raw.slice(0, 120)}…` : raw
  const wrong = (why: string): InputError =>
    new InputError(
      Inputs.JobStrategy,
      `${why}: it takes the job's strategy context as JSON, as its default passes it ('\${{ toJSON(strategy) }}'), or '{}' for no matrix wait; got '${shown}'.`
    )
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw wrong('is not JSON')
  }
  if (!isRecord(value)) throw wrong('is not a JSON object')
  if (Object.keys(value).length === 0) return undefined
  const index = wholeIn(value['job-index'], 0)
  const total = wholeIn(value['job-total'], 1)
  const maxParallel = value['max-parallel'] === undefined ? total : wholeIn(value['max-parallel'], 1)
  if (index === undefined || total === undefined || maxParallel === undefined || index >= total) {
    throw wrong("needs 'job-index' (from 0) below 'job-total' and a 'max-parallel' of at least 1, as whole numbers")
  }
  return { index, total, maxParallel }
}
