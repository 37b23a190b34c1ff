/**
 * What reviewers read, end to end (the bundle against the stand-in): the attribute-level diff in
 * the job summary and the PR comment from the redacted JSON plan (or the JSON plan, or the table
 * with one line why), the cost estimate, policies of each enforcement level, run tasks, the
 * outputs_changed output; and sensitive values nowhere — summary, comment, log, outputs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { useStandIn } from '../helpers/stand-in.ts'
import { runStep } from '../helpers/action-runner.ts'
import { GithubDouble } from '../helpers/github-double.ts'
import { diffBlocks, stepFacts, summaryFacts } from '../helpers/step-facts.ts'

const fast = { queueMs: 20, planMs: 200, applyMs: 200, applyQueueMs: 20, processingMs: 20, costEstimateMs: 50, policyMs: 50 }
const fixture = useStandIn('ws-review', { defaultTimings: fast })
const { workspace, inputs } = fixture
let github: GithubDouble

beforeAll(async () => {
  github = new GithubDouble()
  await github.start()
})
afterAll(async () => {
  await github.stop()
})

const Secrets = ['stand-in-db-secret', 'stand-in-user-data-secret', 'hunter2-review']
const outputs = { db_endpoint: { value: 'db.acme.example' }, db_password: { value: 'hunter2-review', sensitive: true } }

function summariesOf(html: string): string[] {
  return [...html.matchAll(/<summary><code>([^<]+)<\/code>/g)].map(m => m[1] as string)
}

describe('the diff reviewers read', () => {
  it('guarantee: sensitive values never appear in the summary, the PR comment, the log or the outputs — the diff shows every kind of change as the CLI prints it, destroys first', async () => {
    const ws = workspace({ planScenario: 'review', outputs, resources: 3 })
    const r = await runStep({
      inputs: inputs(ws.name, { operation: 'plan', comment_on_pr: 'true', github_token: 'ghs_double' }),
      env: { GITHUB_API_URL: github.url },
      event: { name: 'pull_request', payload: { pull_request: { number: 31 } } }
    })
    expect(r.code).toBe(0)
    const comment = github.comments.get(31)?.[0]?.body ?? ''
    for (const where of [r.summary, comment]) {
      expect(summariesOf(where)).toEqual([
        'aws_iam_role.legacy',
        'aws_db_instance.main',
        'aws_instance.web',
        'module.network.aws_subnet.private[0]',
        'aws_route53_zone.main',
        'aws_s3_bucket.logs'
      ])
      // Each kind of change as the CLI shows it (its text is the unit test's golden): the block's
      // symbol, the attributes that change and how, nested blocks, a move's two addresses.
      const diff = new Map(diffBlocks(where).map(b => [b.address, b]))
      expect([...diff.keys()]).toEqual(summariesOf(where))
      const web = diff.get('aws_instance.web')
      expect([web?.symbol, web?.header, web?.named]).toEqual(['~', 'resource "aws_instance" "web"', ['aws_instance.web']])
      expect(web?.attributes.instance_type).toMatchObject({ symbol: '~', value: '"t2.micro" -> "t3.micro"' })
      expect(web?.blocks).toContain('~ root_block_device')
      expect(diff.get('aws_db_instance.main')?.attributes.engine_version).toMatchObject({
        symbol: '~',
        value: '"13.7" -> "16.1"',
        forcesReplacement: true
      })
      expect(diff.get('aws_s3_bucket.logs')?.attributes.arn).toMatchObject({ symbol: '+', unknown: true })
      const moved = diff.get('module.network.aws_subnet.private[0]')
      expect([moved?.symbol, moved?.named]).toEqual(['', ['aws_subnet.private[0]', 'module.network.aws_subnet.private[0]']])
      expect(where).toMatch(/db_password += \(sensitive value\)/)
    }
    // The redacted plan was read; the admin-only JSON was not needed.
    expect(fixture.server.requests.some(q => q.path.endsWith('/json-output-redacted') && q.status === 200)).toBe(true)
    expect(fixture.server.requests.some(q => q.path.endsWith('/json-output'))).toBe(false)
    expect(JSON.parse(r.outputs.outputs_changed ?? '')).toEqual(['db_endpoint', 'db_password'])
    for (const secret of Secrets) {
      expect([secret, r.summary.includes(secret)]).toEqual([secret, false])
      expect([secret, comment.includes(secret)]).toEqual([secret, false])
      expect([secret, r.stdout.includes(secret)]).toEqual([secret, false])
      expect([secret, JSON.stringify(r.outputs).includes(secret)]).toEqual([secret, false])
    }
  })

  it('falls back to the JSON plan when there is no redacted one, and masks what it marks sensitive', async () => {
    const ws = workspace({ planScenario: 'review', outputs, redactedPlanMissing: true })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    expect(r.code).toBe(0)
    expect(
      fixture.server.requests.some(
        q => q.path === `/api/v2/plans/${fixture.server.runsOf(ws.id)[0]?.plan.id}/json-output` && q.status === 307
      )
    ).toBe(true)
    expect(r.summary).toMatch(/~ user_data += \(sensitive value\)/)
    for (const secret of Secrets) expect([secret, r.summary.includes(secret)]).toEqual([secret, false])
  })

  it('without any JSON plan, keeps the table and says in one line why there is no diff', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 }, redactedPlanMissing: true, planJsonDenied: true })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    expect(r.code).toBe(0)
    expect(summaryFacts(r.summary).changes).toEqual([['🟢 create', 'aws_instance.web[0]']])
    expect(summariesOf(r.summary)).toEqual([])
    expect(summaryFacts(r.summary).notes).toHaveLength(1)
  })

  it('a guard with no plan to read (no JSON plan, a plain log) cannot be evaluated: held, never confirmed', async () => {
    const ws = workspace({
      changes: { add: 1, change: 0, destroy: 0 },
      logFormat: 'plain',
      redactedPlanMissing: true,
      planJsonDenied: true
    })
    const r = await runStep({ inputs: inputs(ws.name, { auto_confirm_if: 'no_destroy', on_guard_held: 'fail' }) })
    expect(r.code).toBe(1)
    const runId = r.outputs.run_id as string
    expect(fixture.server.requests.filter(q => q.path === `/api/v2/runs/${runId}/actions/apply`)).toEqual([])
    expect(stepFacts(r.stdout).errors.at(-1)?.inputs).toContain('auto_confirm_if')
  })

  it('shows the cost estimate (prior, proposed, delta, matched) and each policy with its set, enforcement level and result', async () => {
    const ws = workspace({ changes: { add: 3, change: 0, destroy: 1 }, resources: 2, costEstimation: true, policy: 'soft-fail' })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    expect(r.code).toBe(0)
    const cost = r.summary.match(/<h4>Cost estimate<\/h4><table>.*?<\/table>/)?.[0] ?? ''
    // 2 resources before, 4 after, at the stand-in's 7.30 a month.
    expect(cost).toContain('<td>14.60</td><td>29.20</td><td><b>+14.60</b></td><td>4 of 4</td>')
    const policies = [
      ...r.summary.matchAll(/<tr><td>prod-guardrails \/ <code>([^<]+)<\/code><\/td><td>([^<]+)<\/td><td>[^ ]+ ([^<]+)<\/td><\/tr>/g)
    ].map(m => [m[1], m[2], m[3]])
    expect(policies).toEqual([
      ['require-cost-tags', 'advisory', 'failed'],
      ['no-public-buckets', 'soft-mandatory', 'failed'],
      ['approved-regions', 'hard-mandatory', 'passed']
    ])
    // And in the log, one line per policy.
    expect(stepFacts(r.stdout).lines.filter(l => l.includes('prod-guardrails/'))).toHaveLength(3)
  })

  it('shows each run task with its result, message and link', async () => {
    const ws = workspace({ changes: { add: 1, change: 0, destroy: 0 }, runTask: 'advisory-failed' })
    const r = await runStep({ inputs: inputs(ws.name, { operation: 'plan' }) })
    expect(r.code).toBe(0)
    const runId = r.outputs.run_id as string
    const tasks = r.summary.match(/<h4>Run tasks<\/h4><table>.*?<\/table>/)?.[0] ?? ''
    expect(tasks).toContain(`<a href="https://scanner.example.test/results/${runId}">security-scan</a>`)
    expect(tasks).toContain('<td>post_plan, advisory</td><td>failed</td><td>2 high-severity findings.</td>')
  })
})
