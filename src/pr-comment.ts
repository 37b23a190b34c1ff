/**
 * One comment per workspace and operation on the pull request the workflow runs for: the status,
 * the change table, the first error and the run's link. It is found again by a hidden marker and
 * updated in place on every push, so it never piles up. A comment is a convenience: whatever
 * goes wrong here is a warning, never the step's failure.
 */
import { Inputs } from './constants.js'
import { errorMessage } from './errors.js'
import type { Settings } from './inputs.js'
import type { Outcome } from './run-lifecycle.js'
import { renderChanges } from './change-table.js'
import { escapeHtml, htmlText } from './markdown.js'
import { formatDuration } from './timing.js'
import { workflowRunUrl } from './context.js'
import { log } from './log.js'

/** GitHub refuses comments over 65,536 characters; the table gets what the rest leaves. */
export const MaxCommentChars = 65_536
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
  const room = MaxCommentChars - head.length - foot.length - 200
  const table = outcome.changes ? renderChanges(outcome.changes, room) : ''
  return `${head}\n${table}${foot}`
}

/** Writes or updates the step's comment when the workflow runs for a pull request. */
export async function commentOnPullRequest(settings: Settings, outcome: Outcome): Promise<void> {
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
  try {
    const octokit = getOctokit(settings.githubToken)
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 })
    const mine = comments.find(c => c.body?.includes(marker))
    if (mine) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body })
      log.info(`Updated the comment on pull request #${number}.`)
    } else {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })
      log.info(`Commented on pull request #${number}.`)
    }
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status === 403 || status === 404) {
      log.warning(
        `Could not comment on pull request #${number} (${status}): the token needs the 'pull-requests: write' permission. Add \`permissions: { pull-requests: write }\` to the job, or set ${Inputs.CommentOnPr}: false.`
      )
      return
    }
    log.warning(`Could not comment on pull request #${number}: ${errorMessage(err)}`)
  }
}
