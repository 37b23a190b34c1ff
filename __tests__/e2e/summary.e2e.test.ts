/**
 * The changes by address, end to end: the job summary's change table from the structured log or
 * the plan's JSON output, and the pull-request comment written then updated on a GitHub double.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep } from '../helpers/action-runner.ts'
import { ActionsBot, GithubDouble } from '../helpers/github-double.ts'
import { only, stepFacts, summaryFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 300, applyMs: 300, applyQueueMs: 20, processingMs: 20 }
const fixture = useStandIn('ws-sum', { defaultTimings: fast })
const { workspace, inputs } = fixture
let github: GithubDouble

beforeAll(async () => {
  github = new GithubDouble()
  await github.start()
})
afterAll(async () => {
  await github.stop()
})

function pullRequest(number: number): { env: Record<string, string>; event: { name: string; payload: Record<string, unknown> } } {
  return { env: { GITHUB_API_URL: github.url }, event: { name: 'pull_request', payload: { pull_request: { number } } } }
}

/** The rows of the change table: [action label, address]. */
function rows(html: string): string[][] {
  return [...html.matchAll(/<tr><td>([^<]+)<\/td><td><code>([^<]+)<\/code><\/td><\/tr>/g)].map(m => [m[1] as string, m[2] as string])
}

describe('the change table', () => {
  it('lists resource and output changes by address from the structured log, grouped by action, never a value', async () => {
    const ws = workspace({
      changes: { add: 2, change: 1, destroy: 1 },
      resources: 1,
      outputs: { vpc_id: { value: 'vpc-1' }, db_password: { value: 'hunter2-summary', sensitive: true } }
    })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    expect(r.code).toBe(0)
    expect(rows(r.summary)).toEqual([
      ['🟢 create', 'aws_instance.web[0]'],
      ['🟢 create', 'aws_instance.web[1]'],
      ['🟡 update', 'aws_security_group.app_0'],
      ['🔴 delete', 'aws_s3_bucket.legacy_0']
    ])
    const summary = summaryFacts(r.summary)
    expect(summary.totals).toEqual({ operation: 'plan', add: 2, change: 1, destroy: 1, import: 0 })
    expect(summary.outputChanges).toEqual([
      { name: 'vpc_id', action: 'create', sensitive: false },
      { name: 'db_password', action: 'create', sensitive: true }
    ])
    expect(r.summary).not.toContain('hunter2')
    // The table names outputs only; the attribute-level diff below it shows a non-sensitive value as the CLI does.
    expect(r.summary.split('<h4>Attribute-level changes')[0]).not.toContain('vpc-1')
  })

  it("falls back to the plan's JSON output when the log is plain, and to the counts with a reason when that is refused", async () => {
    const plain = workspace({ logFormat: 'plain', changes: { add: 1, change: 0, destroy: 0 } })
    const fromJson = await runStep({ inputs: inputs(plain.name, { operation: 'plan' }) })
    expect(fromJson.code).toBe(0)
    expect(rows(fromJson.summary)).toEqual([['🟢 create', 'aws_instance.web[0]']])
    expect(fixture.server.requests.some(q => q.path.endsWith('/json-output') && q.status === 307)).toBe(true)
    expect(summaryFacts(fromJson.summary).notes).toEqual([])

    const denied = workspace({ logFormat: 'plain', planJsonDenied: true })
    const counts = await runStep({ inputs: inputs(denied.name, { operation: 'plan' }) })
    expect(counts.code).toBe(0)
    expect(rows(counts.summary)).toEqual([])
    // The counts, and a note saying why there is no list.
    const summary = summaryFacts(counts.summary)
    expect(summary.totals).toEqual({ operation: 'plan', add: 1, change: 0, destroy: 0, import: 0 })
    expect(summary.notes).toHaveLength(1)
  })

  it('cuts a long list with a visible "… and N more" and keeps the totals line', async () => {
    const ws = workspace({ changes: { add: 1500, change: 0, destroy: 0 } })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan', show_logs: 'false' }) })
    expect(r.code).toBe(0)
    // The job summary has room for every row of this one.
    expect(rows(r.summary)).toHaveLength(1500)
    expect(summaryFacts(r.summary)).toMatchObject({ totals: { operation: 'plan', add: 1500, change: 0, destroy: 0 }, cuts: [] })
  })
})

describe('the pull-request comment', () => {
  it('is created on the first push and updated in place on the next, found by its hidden marker', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    const pr = pullRequest(7)
    const first = await runStep({
      inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double' }),
      ...pr
    })
    expect(first.code).toBe(0)
    expect(github.comments.get(7)).toHaveLength(1)
    const created = github.comments.get(7)?.[0]
    expect(created?.body).toContain(`<!-- tfe-workspace-run: demo-org/${ws.name} plan -->`)
    expect(created?.body).toContain(first.outputs.run_id)
    expect(rows(created?.body ?? '')).toEqual([['🟢 create', 'aws_instance.web[0]']])

    const second = await runStep({
      inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double' }),
      ...pr
    })
    expect(second.code).toBe(0)
    expect(github.comments.get(7)).toHaveLength(1)
    expect(github.comments.get(7)?.[0]?.id).toBe(created?.id)
    expect(github.comments.get(7)?.[0]?.body).toContain(second.outputs.run_id)
    expect(github.requests.filter(q => q.method === 'PATCH')).toHaveLength(1)
    expect(github.requests.every(q => q.auth === 'token ghs_double')).toBe(true)
  })

  it("stays under GitHub's 65,536 characters with a visible truncation and the totals kept", async () => {
    const ws = workspace({ changes: { add: 1500, change: 0, destroy: 0 } })
    const r = await runStep({
      inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double', show_logs: 'false' }),
      ...pullRequest(8)
    })
    expect(r.code).toBe(0)
    const body = github.comments.get(8)?.[0]?.body ?? ''
    expect(body.length).toBeLessThanOrEqual(65_536)
    // The rows shown and the "… and N more" add up to every change, and the totals stay.
    const comment = summaryFacts(body)
    expect(comment.cuts).toHaveLength(1)
    expect(comment.changes.length + (comment.cuts[0] as number)).toBe(1500)
    expect(comment.totals).toEqual({ operation: 'plan', add: 1500, change: 0, destroy: 0, import: 0 })
  })

  it("a token without 'pull-requests: write' gets a warning naming the permission, not a failure", async () => {
    const ws = workspace()
    github.refuse = true
    try {
      const r = await runStep({
        inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double' }),
        ...pullRequest(9)
      })
      expect(r.code).toBe(0)
      // One warning: the pull request, GitHub's status, the permission to add and the input that turns comments off.
      const warning = only(stepFacts(r.stdout).annotations)
      expect([warning.kind, warning.statuses, warning.quoted, warning.inputs]).toEqual([
        'warning',
        [403],
        ['pull-requests: write'],
        ['comment_on_pr']
      ])
      expect(warning.text).toMatch(/#9\b/)
    } finally {
      github.refuse = false
    }
  })

  it("leaves a person's comment that carries the marker untouched and writes its own next to it", async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 } })
    const marker = `<!-- tfe-workspace-run: demo-org/${ws.name} plan -->`
    const theirs = github.addComment(10, `${marker}\n<h3>✅ Plan approved</h3>`, { login: 'contributor', type: 'User' })
    const r = await runStep({
      inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double' }),
      ...pullRequest(10)
    })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(/::warning::/)
    expect(theirs.body).toBe(`${marker}\n<h3>✅ Plan approved</h3>`)
    const list = github.comments.get(10) ?? []
    expect(list.map(c => [c.id === theirs.id, c.user.login])).toEqual([
      [true, 'contributor'],
      [false, ActionsBot.login]
    ])
    expect(list[1]?.body).toContain(r.outputs.run_id)
  })

  it('a GitHub that never answers costs the step a warning and at most its 30 s bound, not its success', async () => {
    const ws = workspace()
    const quiet = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    github.hang = true
    try {
      const r = await runStep({
        inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double' }),
        ...pullRequest(11),
        killAfterMs: 60_000
      })
      expect(r.code).toBe(0)
      expect(r.signal).toBeNull()
      // One warning: the pull request and the bound it waited, no permission to blame.
      const warning = only(stepFacts(r.stdout).annotations)
      expect([warning.kind, warning.seconds, warning.quoted, warning.statuses]).toEqual(['warning', [30], [], []])
      expect(warning.text).toMatch(/#11\b/)
      expect(r.durationMs - quiet.durationMs).toBeLessThan(35_000)
    } finally {
      github.hang = false
    }
  }, 90_000)
})
