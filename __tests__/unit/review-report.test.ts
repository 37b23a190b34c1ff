/**
 * The review in the job summary and the PR comment, with the sizes GitHub allows: the verdict
 * first (which rule, which addresses or cost), then the cost, the policies, the table and the
 * diff; a huge plan keeps within 1 MiB of summary and 65,536 characters of comment, and a
 * sensitive value is in neither.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Settings } from '../../src/action/inputs.js'
import type { Outcome } from '../../src/lifecycle/run-lifecycle.js'
import { commentBody, MaxCommentChars } from '../../src/report/pr-comment.js'
import { writeSummary } from '../../src/report/summary.js'
import { parsePlan } from '../../src/review/plan-json.js'
import { evaluateGuard } from '../../src/review/guard.js'
import { parseGuardRules } from '../../src/review/rules.js'
import type { ChangeReport } from '../../src/run-logs/changes.js'
import { diffCut } from '../helpers/step-facts.ts'

const dir = mkdtempSync(join(tmpdir(), 'tfe-review-report-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const settings = { operation: 'apply', organization: 'acme', workspace: 'ws', baseUrl: 'https://app.terraform.io' } as unknown as Settings
const runUrl = 'https://app.terraform.io/app/acme/workspaces/ws/runs/run-1'

/** A plan of `n` resources, a tenth of them destroyed, each with a sensitive attribute. */
function hugePlan(n: number): unknown {
  return {
    resource_changes: Array.from({ length: n }, (_, i) => ({
      address: `aws_instance.n[${i}]`,
      type: 'aws_instance',
      name: 'n',
      change: {
        actions: [i % 10 === 3 ? 'delete' : 'update'],
        before: { id: `i-${i}`, size: 'small', secret: `s3cr3t-before-${i}`, tags: { n: String(i), é: 'ü'.repeat(40) } },
        after:
          i % 10 === 3 ? null : { id: `i-${i}`, size: 'large', secret: `s3cr3t-after-${i}`, tags: { n: String(i), é: 'ö'.repeat(40) } },
        before_sensitive: { secret: true },
        after_sensitive: i % 10 === 3 ? false : { secret: true }
      }
    }))
  }
}

function outcomeOf(n: number, hostile = ''): Outcome {
  const plan = parsePlan(hugePlan(n))
  const changes: ChangeReport = {
    source: 'json-output',
    why: undefined,
    resources: plan.resources.map(r => ({ address: r.address, action: r.change.actions[0] === 'delete' ? 'delete' : 'update' })),
    drift: [],
    outputs: [],
    totals: { add: 0, change: n - n / 10, remove: n / 10, import: 0, operation: 'plan' },
    firstError: undefined,
    complete: true
  }
  const rules = parseGuardRules(`max_destroy=0\nmax_cost_increase=10`)
  const guard = evaluateGuard(rules, {
    plan: {
      state: 'known',
      value: {
        changes: plan.resources.map(r => ({ address: `${r.address}${hostile}`, actions: r.change.actions })),
        source: 'the redacted JSON plan',
        countedDestroys: n / 10
      }
    },
    cost: { state: 'unknown', why: `the run has no cost estimate${hostile}` },
    policy: { state: 'unknown', why: 'not needed' }
  })
  return {
    success: false,
    message: 'held',
    status: 'planned',
    workspace: { id: 'ws-1', organization: 'acme', name: 'ws' },
    run: { id: 'run-1', status: 'planned' },
    runUrl,
    runIds: ['run-1'],
    configurationVersionId: undefined,
    attempts: 1,
    outputs: undefined,
    changes,
    guard,
    review: {
      plan: { plan, source: 'json-output-redacted' },
      cost: undefined,
      checks: undefined,
      outputsChanged: []
    },
    durationMs: 1000
  } as unknown as Outcome
}

describe('the PR comment', () => {
  it('keeps within 65,536 characters on a huge plan: the verdict, the table and the destroys first, the rest cut with a line linking the run', () => {
    const body = commentBody(settings, outcomeOf(20_000), 'acme/ws')
    expect(body.length).toBeLessThanOrEqual(MaxCommentChars)
    const verdict = body.indexOf('<code>max_destroy=0</code>')
    const table = body.indexOf('<h4>Resource changes')
    const diff = body.indexOf('<h4>Attribute-level changes')
    expect(verdict).toBeGreaterThan(0)
    expect(table).toBeGreaterThan(verdict)
    expect(diff).toBeGreaterThan(table)
    // The broken rule that could not be evaluated is there too, with its reason.
    expect(body).toContain('<code>max_cost_increase=10</code>')
    // The line at the cut counts every resource not shown, and links the run.
    expect(diffCut(body)).toEqual({
      more: 20_000 - (body.match(/<details>/g)?.length ?? 0),
      href: 'https://app.terraform.io/app/acme/workspaces/ws/runs/run-1'
    })
    // The first diffs are destroys.
    const first = body.match(/<summary><code>aws_instance\.n\[(\d+)\]<\/code>/)?.[1]
    expect(Number(first) % 10).toBe(3)
    expect(body).not.toMatch(/s3cr3t/)
  })

  it('escapes hostile text in the verdict: an address or a reason cannot open an element or a link', () => {
    const body = commentBody(settings, outcomeOf(10, '</td></table><img src=x>[x](https://evil.example)'), 'acme/ws')
    expect(body).not.toContain('<img')
    expect(body).not.toContain('](https://evil')
  })
})

describe('the job summary', () => {
  it('keeps within 1 MiB on a huge plan with wide characters, and holds no sensitive value', async () => {
    const file = join(dir, 'summary')
    writeFileSync(file, '')
    process.env.GITHUB_STEP_SUMMARY = file
    try {
      await writeSummary(settings, outcomeOf(20_000))
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY
    }
    const html = readFileSync(file, 'utf8')
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(1_048_576)
    expect(html).toContain('<code>max_destroy=0</code>')
    const shown = html.match(/<details>/g)?.length ?? 0
    expect([shown > 0, diffCut(html)?.more]).toEqual([true, 20_000 - shown])
    expect(html).not.toMatch(/s3cr3t/)
    expect(html).toContain('(sensitive value)')
  })
})
