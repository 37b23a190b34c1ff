import { context } from '@actions/github'
import type { Operation } from './constants.js'

/** Where the step runs, for the default run message and the job summary. */
export function workflowDescription(): string {
  const sha = context.sha ? context.sha.slice(0, 7) : 'unknown commit'
  const repo = process.env.GITHUB_REPOSITORY || 'a repository'
  const attempt = process.env.GITHUB_RUN_ATTEMPT
  const attemptText = attempt && attempt !== '1' ? ` attempt ${attempt}` : ''
  return `${repo}, workflow "${context.workflow || 'unknown'}" run #${context.runNumber || 0}${attemptText}, commit ${sha}`
}

export function defaultMessage(operation: Operation): string {
  const verb = operation === 'destroy' ? 'Destroy' : operation === 'plan' ? 'Plan-only run' : 'Apply'
  return `${verb} queued by GitHub Actions: ${workflowDescription()}`
}

/** Link back to the workflow run, when the runner told us where it is. */
export function workflowRunUrl(): string | undefined {
  const { serverUrl, runId } = context
  const repo = process.env.GITHUB_REPOSITORY
  if (!serverUrl || !repo || !runId) return undefined
  return `${serverUrl}/${repo}/actions/runs/${runId}`
}
