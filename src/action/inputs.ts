/**
 * The step's inputs, read and validated once into typed Settings; every error names its input.
 * Nothing downstream reads an input again.
 */
import * as core from '@actions/core'
import { Inputs, type Operation } from './names.js'
import { InputError } from '../common/errors.js'
import type { RunVariable } from '../tfe/runs.js'
import { parseOutputSources, type OutputSource } from './variables-from-outputs.js'
import {
  parseBoolean,
  parseHostname,
  parseJobStrategy,
  parseList,
  parseNumber,
  parseOperation,
  parseQueuedRunInputs,
  parseTimeout,
  parseVariables,
  parseWorkspace
} from './input-readers.js'
import { parseGuardInputs, type GuardSettings } from './guard-inputs.js'
import type { MatrixPlace } from '../tfe/rate-budgets.js'

export type { RunVariable } from '../tfe/runs.js'

/** Everything the step needs, validated once; nothing downstream reads inputs again. */
export interface Settings {
  token: string
  /** Scheme and authority of the API host, e.g. `https://app.terraform.io`. */
  baseUrl: string
  organization: string | undefined
  workspace: string | undefined
  workspaceId: string | undefined
  operation: Operation
  manualConfirm: boolean
  retry: boolean
  retryAttempts: number
  retryBackoffMinMs: number
  retryBackoffMaxMs: number
  waitForRun: boolean
  /** Empty: the default message, which names the workflow run (see github-context.ts). */
  message: string
  /** 0 means no limit of the step's own. */
  timeoutMs: number
  cancelOnAbort: boolean
  targetAddrs: string[]
  replaceAddrs: string[]
  variables: RunVariable[]
  allowEmptyApply: boolean
  refresh: boolean
  refreshOnly: boolean
  /** Read the workspace's outputs after an apply; false when the workflow does not use them. */
  readOutputs: boolean
  /** Stream the plan and apply logs into the job log. */
  showLogs: boolean
  /** On pull_request events, write (and update) a comment with the status and the change table. */
  commentOnPr: boolean
  /** For the pull-request comment. */
  githubToken: string
  /** Pack and upload this directory as the run's configuration version; empty: the workspace's latest. */
  directory: string
  /** Plan and save the plan (apply/destroy): the step ends at planned_and_saved without confirming. */
  savePlan: boolean
  /** Follow (and confirm) this run instead of queueing one. */
  runId: string | undefined
  /** Run variables read from upstream workspaces' current state outputs before queueing (optional like the four below: absent means none). */
  variablesFromOutputs?: OutputSource[]
  // The four below are optional so that settings written before these inputs (test fixtures) stay whole: absent means off.
  /** Follow an open run HCP Terraform queued (this commit's VCS run, a run trigger's) instead of queueing one. */
  adoptQueuedRun?: boolean
  /** Follow the runs the apply's run triggers queued downstream, to triggeredRunsDepth hops. */
  followTriggeredRuns?: boolean
  triggeredRunsDepth?: number
  /** GITHUB_SHA: the commit a VCS run must plan to be adopted. */
  commitSha?: string | undefined
  /** auto_confirm_if: confirm only a plan these rules pass; undefined when the step confirms every plan (or none). */
  guard?: GuardSettings | undefined
  /** The job's place in its matrix (job_strategy): the first request waits for its turn. */
  matrix?: MatrixPlace | undefined
}

/** What the post step needs: it re-reads only these inputs. */
export type PostSettings = Pick<Settings, 'token' | 'baseUrl' | 'operation' | 'manualConfirm' | 'cancelOnAbort' | 'savePlan' | 'runId'>

const MaxRetryAttempts = 100

/** Reads the token and masks it before anything else can log it. Exported for the post step. */
export function readToken(): string {
  // Masked as it will be sent: a secret pasted with a trailing newline would otherwise register a
  // mask ("tok\n") that does not match the token itself.
  const token = (core.getInput(Inputs.Token) || process.env.TFE_TOKEN || '').trim()
  if (token) core.setSecret(token)
  return token
}

function readGithubToken(): string {
  const token = core.getInput(Inputs.GithubToken).trim()
  if (token) core.setSecret(token)
  return token
}

export function getSettings(): Settings {
  const token = readToken()
  if (!token) {
    throw new InputError(
      Inputs.Token,
      'is required: pass an HCP Terraform user or team API token (for example `token: ${{ secrets.TFE_TOKEN }}`), or set the TFE_TOKEN environment variable.'
    )
  }
  if (/\s/.test(token)) {
    throw new InputError(Inputs.Token, 'contains white space; copy the token again without line breaks or spaces.')
  }

  const baseUrl = parseHostname(core.getInput(Inputs.Hostname))
  const { organization, workspace, workspaceId } = parseWorkspace()
  const operation = parseOperation(core.getInput(Inputs.Operation))

  const retryBackoffMin = parseNumber(Inputs.RetryBackoffMin, 1)
  const retryBackoffMax = parseNumber(Inputs.RetryBackoffMax, 30)
  if (retryBackoffMax < retryBackoffMin) {
    throw new InputError(
      Inputs.RetryBackoffMax,
      `(${retryBackoffMax}) must be at least retry_backoff_min (${retryBackoffMin}); both are in seconds.`
    )
  }
  const retryAttempts = parseNumber(Inputs.RetryAttempts, 3)
  if (!Number.isInteger(retryAttempts) || retryAttempts > MaxRetryAttempts) {
    throw new InputError(
      Inputs.RetryAttempts,
      `must be a whole number from 0 to ${MaxRetryAttempts}, got '${core.getInput(Inputs.RetryAttempts)}'.`
    )
  }

  const refresh = parseBoolean(Inputs.Refresh, true)
  const refreshOnly = parseBoolean(Inputs.RefreshOnly, false)
  if (refreshOnly && operation === 'destroy') {
    throw new InputError(Inputs.RefreshOnly, "cannot be true with operation 'destroy': the API refuses refresh-only destroy runs.")
  }
  if (refreshOnly && !refresh) {
    throw new InputError(Inputs.Refresh, "cannot be false when 'refresh_only' is true.")
  }

  return {
    token,
    baseUrl,
    organization,
    workspace,
    workspaceId,
    operation,
    manualConfirm: parseBoolean(Inputs.ManualConfirm, false),
    retry: parseBoolean(Inputs.Retry, true),
    retryAttempts,
    retryBackoffMinMs: Math.round(retryBackoffMin * 1000),
    retryBackoffMaxMs: Math.round(retryBackoffMax * 1000),
    waitForRun: parseBoolean(Inputs.WaitForRun, true),
    message: core.getInput(Inputs.Message),
    timeoutMs: parseTimeout(),
    cancelOnAbort: parseBoolean(Inputs.CancelOnAbort, true),
    targetAddrs: parseList(Inputs.TargetAddrs),
    replaceAddrs: parseList(Inputs.ReplaceAddrs),
    variables: parseVariables(),
    allowEmptyApply: parseBoolean(Inputs.AllowEmptyApply, false),
    refresh,
    refreshOnly,
    readOutputs: parseBoolean(Inputs.ReadOutputs, true),
    showLogs: parseBoolean(Inputs.ShowLogs, true),
    commentOnPr: parseBoolean(Inputs.CommentOnPr, false),
    githubToken: readGithubToken(),
    ...parseReviewInputs(operation),
    variablesFromOutputs: readOutputSources(organization),
    ...parseQueuedRunInputs(operation),
    ...parseGuardInputs(operation, parseBoolean(Inputs.ManualConfirm, false)),
    matrix: parseJobStrategy()
  }
}

/** variables_from_outputs, against the variables input and a given run (which has its variables already). */
function readOutputSources(organization: string | undefined): OutputSource[] {
  const sources = parseOutputSources(parseList(Inputs.VariablesFromOutputs), parseVariables(), organization)
  if (sources.length && core.getInput(Inputs.RunId).trim()) {
    throw new InputError(Inputs.VariablesFromOutputs, `cannot be given with '${Inputs.RunId}': a given run already has its variables.`)
  }
  return sources
}

/** The post step's inputs; it must not fail on an input the main step already reported. */
export function getSettingsForPost(): PostSettings {
  let operation: PostSettings['operation'] = 'apply'
  let manualConfirm = false
  let savePlan = false
  try {
    operation = parseOperation(core.getInput(Inputs.Operation))
    manualConfirm = parseBoolean(Inputs.ManualConfirm, false)
    savePlan = parseBoolean(Inputs.SavePlan, false)
  } catch {
    // Reported by the main step; stopping a run does not depend on them.
  }
  return {
    token: readToken(),
    baseUrl: parseHostname(core.getInput(Inputs.Hostname)),
    operation,
    manualConfirm,
    savePlan,
    runId: core.getInput(Inputs.RunId).trim() || undefined,
    cancelOnAbort: parseBoolean(Inputs.CancelOnAbort, true)
  }
}

const RunIdPattern = /^run-[A-Za-z0-9]+$/

/** directory, save_plan and run_id, and the combinations that make no sense. */
function parseReviewInputs(operation: Operation): Pick<Settings, 'directory' | 'savePlan' | 'runId'> {
  const directory = core.getInput(Inputs.Directory).trim()
  const savePlan = parseBoolean(Inputs.SavePlan, false)
  const runId = core.getInput(Inputs.RunId).trim() || undefined
  if (savePlan && operation === 'plan') {
    throw new InputError(
      Inputs.SavePlan,
      "needs operation 'apply' or 'destroy': a plan-only run cannot be applied, so there is nothing to save."
    )
  }
  if (runId !== undefined) {
    if (!RunIdPattern.test(runId)) throw new InputError(Inputs.RunId, `'${runId}' is not a run ID; they look like 'run-AbCdEf1234567890'.`)
    if (directory)
      throw new InputError(Inputs.RunId, `cannot be given with '${Inputs.Directory}': a given run already has its configuration.`)
    if (savePlan)
      throw new InputError(Inputs.RunId, `cannot be given with '${Inputs.SavePlan}': the step follows that run, it queues none.`)
    if (!parseBoolean(Inputs.WaitForRun, true)) {
      throw new InputError(
        Inputs.RunId,
        `needs '${Inputs.WaitForRun}: true': the step's job with a given run is to confirm it and follow it to its end.`
      )
    }
  }
  return { directory, savePlan, runId }
}
