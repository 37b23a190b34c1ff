/**
 * One comment per workspace and operation on the pull request the workflow runs for: the status,
 * the change table, the first error and the run's link. It is found again by a hidden marker and
 * the identity that wrote it, and updated in place on every push, so it never piles up. A comment
 * is a convenience: whatever goes wrong here (within a bounded time) is a warning, never the
 * step's failure.
 */
import type { getOctokit as GetOctokit } from '@actions/github'
import { Inputs } from '../action/names.js'
import { errorMessage } from '../common/errors.js'
import type { Settings } from '../action/inputs.js'
import type { Outcome } from '../lifecycle/run-lifecycle.js'
import { renderChanges } from './change-table.js'
import { escapeHtml, htmlText } from './markdown.js'
import { diffHtml, reviewHead } from './review-section.js'
import { formatDuration } from '../common/timing.js'
import { workflowRunUrl } from '../action/github-context.js'
import { log } from '../common/job-log.js'
import { record } from '../common/json.js'

/** GitHub refuses comments over 65,536 characters; the table gets what the rest leaves. */
export const MaxCommentChars = 65_536
/** The verdict, the cost and the policies take at most this much of a comment. */
const ReviewHeadChars = 16_000
const PullRequestEvents = new Set(['pull_request', 'pull_request_target'])

export function commentMarker(workspace: string, operation: string): string {
  // Escaped so that no name can close the HTML comment early.
  return `<!-- tfe-workspace-run: ${htmlText(workspace)} ${htmlText(operation)} -->`
}

export function commentBody(settings: Settings, outcome: Outcome, workspace: string): string {
  const marker = commentMarker(workspace, settings.operation)
  const icon = outcome.success ? '✅' : '❌'
  const run = outcome.run ? `<a href="${escapeHtml(outcome.runUrl ?? '')}">${htmlText(outcome.run.id)}</a>` : 'no run'
  const origin = workflowRunUrl()
  const head = [
    marker,
    `<h3>${icon} Terraform ${htmlText(settings.operation)}: ${htmlText(workspace)}</h3>`,
    `<p>Run ${run}: <code>${htmlText(outcome.status || 'none')}</code>${outcome.attempts > 1 ? ` after ${outcome.attempts} runs` : ''} in ${formatDuration(outcome.durationMs)}.</p>`,
    outcome.success ? '' : `<p>${htmlText(outcome.message)}</p>`
  ].join('\n')
  const foot = origin ? `\n<p><sub>Updated by <a href="${escapeHtml(origin)}">this workflow run</a>.</sub></p>` : ''
  // The verdict, cost and policies first; then the table (destroys first) in at most half of what
  // is left; the diff gets the rest and cuts itself with a line linking the run.
  const review = reviewHead(outcome, ReviewHeadChars)
  const room = MaxCommentChars - head.length - foot.length - review.length - 200
  const table = outcome.changes ? renderChanges(outcome.changes, outcome.review?.plan.plan ? Math.floor(room / 2) : room) : ''
  const diff = diffHtml(outcome, room - table.length, 'chars')
  return `${head}\n${review}\n${table}\n${diff}${foot}`
}

/** The whole commenting (who am I, list, update or create) gets this long: a comment never holds the step. */
export const CommentDeadlineMs = 30_000
/** The GITHUB_TOKEN's identity; `GET /user` refuses that token, so it is known by name. */
const ActionsBot = 'github-actions[bot]'

type Octokit = ReturnType<typeof GetOctokit>
interface RequestOptions {
  signal: AbortSignal
}
interface Author {
  login?: string
  type?: string
}

/**
 * Who the token acts as: `GET /user` answers for a person's token; an app's installation token
 * (the GITHUB_TOKEN too) is refused there but GraphQL's `viewer` names its bot. Undefined when
 * neither answers.
 */
async function whoAmI(octokit: Octokit, request: RequestOptions): Promise<string | undefined> {
  try {
    return (await octokit.rest.users.getAuthenticated({ request })).data.login
  } catch (err) {
    if (request.signal.aborted) throw err
  }
  try {
    return (await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }', { request })).viewer?.login
  } catch (err) {
    if (request.signal.aborted) throw err
  }
  return undefined
}

/** Whether a comment was written by the token's identity; only such a comment is ever edited. */
export function writtenBy(author: Author | null | undefined, me: string | undefined): boolean {
  const login = author?.login?.toLowerCase()
  if (!login) return false
  if (!me) return author?.type === 'Bot' && login === ActionsBot
  const mine = me.toLowerCase()
  // REST names an app's bot `name[bot]`; a GraphQL viewer may say it with or without the suffix.
  return login === mine || (author?.type === 'Bot' && login === `${mine.replace(/\[bot\]$/, '')}[bot]`)
}

interface GithubError {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: { message?: unknown } }
}

/** What Octokit's error says, read defensively: a thrown value may be anything. */
function githubError(err: unknown): GithubError {
  const e = record(err)
  const response = record(e.response)
  const headers: Record<string, string | number | undefined> = {}
  for (const [k, v] of Object.entries(record(response.headers))) if (typeof v === 'string' || typeof v === 'number') headers[k] = v
  return {
    status: typeof e.status === 'number' ? e.status : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    response: { headers, data: { message: record(response.data).message } }
  }
}

/** GitHub's rate limits answer 403 or 429; the reset time when it says one. */
function rateLimit(err: GithubError): { resetsAt: string | undefined } | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined
  const headers = err.response?.headers ?? {}
  const said = `${typeof err.response?.data?.message === 'string' ? err.response.data.message : ''} ${err.message ?? ''}`
  if (String(headers['x-ratelimit-remaining']) !== '0' && !/rate limit/i.test(said) && headers['retry-after'] === undefined)
    return undefined
  const reset = Number(headers['x-ratelimit-reset'])
  const retryAfter = Number(headers['retry-after'])
  const at = Number.isFinite(reset) && reset > 0 ? reset * 1000 : Number.isFinite(retryAfter) ? Date.now() + retryAfter * 1000 : NaN
  return { resetsAt: Number.isFinite(at) ? new Date(at).toISOString() : undefined }
}

/**
 * Writes or updates the step's comment when the workflow runs for a pull request. Only a comment
 * the token's own identity wrote is updated: anyone can paste the marker into theirs. `signal` is
 * the job's cancel; the whole exchange is also bounded by `deadlineMs`.
 */
export async function commentOnPullRequest(
  settings: Settings,
  outcome: Outcome,
  signal?: AbortSignal,
  deadlineMs = CommentDeadlineMs
): Promise<void> {
  if (!settings.commentOnPr) return
  const { context, getOctokit } = await import('@actions/github')
  const number = context.payload.pull_request?.number
  if (!PullRequestEvents.has(context.eventName) || typeof number !== 'number') {
    log.info(`No pull request to comment on (event '${context.eventName}'); ${Inputs.CommentOnPr} applies to pull_request events.`)
    return
  }
  if (!settings.githubToken) {
    log.warning(`Cannot comment on the pull request: input '${Inputs.GithubToken}' is empty.`)
    return
  }
  const ws = outcome.workspace
    ? `${outcome.workspace.organization}/${outcome.workspace.name}`
    : (settings.workspaceId ?? `${settings.organization}/${settings.workspace}`)
  const body = commentBody(settings, outcome, ws)
  const marker = commentMarker(ws, settings.operation)
  const { owner, repo } = context.repo
  const deadline = AbortSignal.timeout(deadlineMs)
  const request = { signal: signal ? AbortSignal.any([signal, deadline]) : deadline }
  try {
    const octokit = getOctokit(settings.githubToken)
    const me = await whoAmI(octokit, request)
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
      request
    })
    const mine = comments.find(c => c.body?.includes(marker) && writtenBy(c.user, me))
    if (mine) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body, request })
      log.info(`Updated the comment on pull request #${number}.`)
    } else {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body, request })
      log.info(`Commented on pull request #${number}.`)
    }
  } catch (err) {
    if (signal?.aborted) {
      log.warning(`Did not comment on pull request #${number}: the job was cancelled.`)
      return
    }
    if (deadline.aborted) {
      log.warning(`Did not comment on pull request #${number}: GitHub did not answer within ${Math.round(deadlineMs / 1000)} s.`)
      return
    }
    const limited = rateLimit(githubError(err))
    if (limited) {
      log.warning(
        `Could not comment on pull request #${number}: GitHub's API rate limit for this token is used up${limited.resetsAt ? ` until ${limited.resetsAt}` : ''}.`
      )
      return
    }
    const status = githubError(err).status
    if (status === 403 || status === 404) {
      log.warning(
        `Could not comment on pull request #${number} (${status}): the token needs the 'pull-requests: write' permission. Add \`permissions: { pull-requests: write }\` to the job, or set ${Inputs.CommentOnPr}: false.`
      )
      return
    }
    log.warning(`Could not comment on pull request #${number}: ${errorMessage(err)}`)
  }
}
