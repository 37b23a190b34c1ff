/** The workflow run the step belongs to, from GitHub's context: for run messages, comments and links. */
import type * as Github from '@actions/github'
import { OperationLabels, type Operation } from './names.js'

type GithubContext = typeof Github.context

/**
 * @actions/github brings Octokit with it, which costs ~50 ms of start-up; only its `context` is
 * used here. Loading it lazily (ncc puts it in a chunk of its own), while the first request is in
 * flight, keeps it off the step's start-up path.
 */
let loading: Promise<GithubContext> | undefined
let loaded: GithubContext | undefined

export function loadGithubContext(): Promise<GithubContext> {
  loading ??= import('@actions/github').then(m => (loaded = m.context))
  return loading
}

function describe(context: GithubContext): string {
  const sha = context.sha ? context.sha.slice(0, 7) : 'unknown commit'
  const repo = process.env.GITHUB_REPOSITORY || 'a repository'
  const attempt = process.env.GITHUB_RUN_ATTEMPT
  const attemptText = attempt && attempt !== '1' ? ` attempt ${attempt}` : ''
  return `${repo}, workflow "${context.workflow || 'unknown'}" run #${context.runNumber || 0}${attemptText}, commit ${sha}`
}

/** Where the step runs, for run messages and comments. */
export async function workflowDescription(): Promise<string> {
  return describe(await loadGithubContext())
}

export async function defaultMessage(operation: Operation): Promise<string> {
  return `${OperationLabels[operation]} queued by GitHub Actions: ${await workflowDescription()}`
}

/** Link back to the workflow run, when the runner told us where it is. */
export function workflowRunUrl(): string | undefined {
  if (!loaded) return undefined
  const { serverUrl, runId } = loaded
  const repo = process.env.GITHUB_REPOSITORY
  if (!serverUrl || !repo || !runId) return undefined
  return `${serverUrl}/${repo}/actions/runs/${runId}`
}
