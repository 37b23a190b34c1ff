/**
 * The pull-request comment against the GitHub double: it edits only a comment its own identity
 * wrote, tells a rate limit from a missing permission, and never holds the step past its bound.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Settings } from '../../src/action/inputs.js'
import type { commentMarker as CommentMarker, commentOnPullRequest as CommentOnPullRequest } from '../../src/report/pr-comment.js'
import type { Outcome } from '../../src/lifecycle/run-lifecycle.js'
import { captureStdout } from '../helpers/env.ts'
import { ActionsBot, GithubDouble } from '../helpers/github-double.ts'
import { runnerCommands } from '../helpers/runner-commands.ts'

const Issue = 12
const github = new GithubDouble()
const dir = mkdtempSync(join(tmpdir(), 'tfe-pr-comment-'))
let commentOnPullRequest: typeof CommentOnPullRequest
let commentMarker: typeof CommentMarker

beforeAll(async () => {
  await github.start()
  // @actions/github reads the event and the API's address once, when it is first loaded.
  const event = join(dir, 'event.json')
  writeFileSync(event, JSON.stringify({ pull_request: { number: Issue }, repository: { name: 'infra', owner: { login: 'acme' } } }))
  Object.assign(process.env, {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_API_URL: github.url
  })
  ;({ commentOnPullRequest, commentMarker } = await import('../../src/report/pr-comment.js'))
})
afterAll(async () => {
  await github.stop()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(() => {
  github.reset()
  github.comments.clear()
  github.requests.length = 0
})

const settings = {
  commentOnPr: true,
  githubToken: 'ghs_unit',
  operation: 'plan',
  organization: 'acme',
  workspace: 'ws',
  workspaceId: undefined
} as unknown as Settings
const outcome = {
  success: true,
  message: 'ok',
  status: 'planned_and_finished',
  workspace: { id: 'ws-1', organization: 'acme', name: 'ws' },
  run: undefined,
  runUrl: undefined,
  runIds: [],
  attempts: 1,
  changes: undefined,
  durationMs: 1000
} as unknown as Outcome
const marker = (): string => commentMarker('acme/ws', 'plan')
const person = { login: 'contributor', type: 'User' } as const

/** Comments once; returns the warnings the runner would show. */
async function comment(signal?: AbortSignal, deadlineMs?: number): Promise<string[]> {
  const out = captureStdout()
  try {
    await commentOnPullRequest(settings, outcome, signal, deadlineMs)
  } finally {
    out.restore()
  }
  return runnerCommands(out.text())
    .filter(c => c.command === 'warning')
    .map(c => c.data)
}

describe('the pull-request comment', () => {
  it("leaves a person's comment that carries the marker untouched and writes its own", async () => {
    const theirs = github.addComment(Issue, `${marker()}\nI copied the bot's comment: ✅ approved`, person)
    const before = theirs.body
    expect(await comment()).toEqual([])
    expect(theirs.body).toBe(before)
    expect(github.requests.filter(q => q.method === 'PATCH')).toEqual([])
    const list = github.comments.get(Issue) ?? []
    expect(list.map(c => c.user.login)).toEqual(['contributor', ActionsBot.login])
    expect(list[1]?.body).toContain(marker())
  })

  it("with a token that may edit others' comments, still edits only the comments its own user wrote", async () => {
    github.identity = { login: 'maintainer', type: 'User', person: true }
    github.mayEditOthers = true
    const theirs = github.addComment(Issue, `${marker()}\nmine now`, person)
    const botBody = `${marker()}\nan older job token's comment`
    const bot = github.addComment(Issue, botBody, ActionsBot)
    await comment()
    await comment()
    expect(theirs.body).toBe(`${marker()}\nmine now`)
    expect(bot.body).toBe(botBody)
    const own = (github.comments.get(Issue) ?? []).filter(c => c.user.login === 'maintainer')
    expect(own).toHaveLength(1)
    expect(github.requests.filter(q => q.method === 'PATCH').map(q => q.path)).toEqual([`/repos/acme/infra/issues/comments/${own[0]?.id}`])
  })

  it('updates its own comment in place', async () => {
    github.addComment(Issue, 'a review', person)
    const own = github.addComment(Issue, `${marker()}\nold plan`, ActionsBot)
    expect(await comment()).toEqual([])
    expect(github.comments.get(Issue)).toHaveLength(2)
    expect(own.body).not.toContain('old plan')
    expect(github.requests.filter(q => q.method === 'PATCH').map(q => q.path)).toEqual([`/repos/acme/infra/issues/comments/${own.id}`])
  })

  it("says a rate limit is one, with when it resets, not a missing 'pull-requests: write'", async () => {
    const reset = Math.floor(Date.now() / 1000) + 600
    github.rateLimitedUntil = reset
    const warnings = await comment()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(new Date(reset * 1000).toISOString())
    expect(warnings[0]).not.toContain('pull-requests: write')

    github.reset()
    github.refuse = true
    const refused = await comment()
    expect(refused).toHaveLength(1)
    expect(refused[0]).toContain('pull-requests: write')
  })

  it('a GitHub that never answers ends in a warning within the bound, and so does a cancel', async () => {
    github.hang = true
    const started = performance.now()
    const warnings = await comment(undefined, 500)
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).not.toContain('pull-requests: write')

    const cancel = new AbortController()
    setTimeout(() => cancel.abort(), 200)
    const cancelledAt = performance.now()
    expect(await comment(cancel.signal, 20_000)).toHaveLength(1)
    expect(performance.now() - cancelledAt).toBeLessThan(3_000)
  })
})
