import { describe, expect, it } from '@jest/globals'
import { renderChanges, totalsLine } from '../../src/report/change-table.js'
import { actionOf, fromJsonPlan, type ChangeReport } from '../../src/run-logs/changes.js'
import type { ChangeAction } from '../../src/run-logs/render.js'
import { summaryFacts } from '../helpers/step-facts.ts'

function report(n: number, over: Partial<ChangeReport> = {}): ChangeReport {
  return {
    source: 'log',
    why: undefined,
    resources: Array.from({ length: n }, (_, i) => ({ address: `aws_instance.web[${i}]`, action: 'create' as ChangeAction })),
    drift: [],
    outputs: [],
    totals: { add: n, change: 0, remove: 0, import: 0, operation: 'plan' },
    firstError: undefined,
    complete: true,
    ...over
  }
}

describe('the change table', () => {
  it('cuts a long list within its budget with a visible "… and N more", and always keeps the totals and the error', () => {
    const html = renderChanges(
      report(5000, { firstError: { severity: 'error', summary: 'Boom', detail: 'it broke', where: 'main.tf line 3' } }),
      20_000
    )
    expect(html.length).toBeLessThanOrEqual(20_000)
    const shown = html.match(/<tr><td>🟢 create<\/td>/g)?.length ?? 0
    expect(shown).toBeGreaterThan(50)
    expect(summaryFacts(html)).toMatchObject({ cuts: [5000 - shown], totals: { operation: 'plan', add: 5000, change: 0, destroy: 0 } })
    expect(html).toContain('Error: Boom</b> (main.tf line 3)')
  })

  it('keeps what destroys before what creates when a budget cuts rows, and says how many of each were not shown', () => {
    const resources = [
      ...Array.from({ length: 20_000 }, (_, i) => ({ address: `aws_instance.web[${i}]`, action: 'create' as ChangeAction })),
      { address: 'aws_db_instance.main', action: 'delete' as ChangeAction },
      { address: 'aws_s3_bucket.logs', action: 'delete' as ChangeAction },
      { address: 'aws_iam_role.ci', action: 'replace' as ChangeAction }
    ]
    const html = renderChanges(report(0, { resources, totals: { add: 20_001, change: 0, remove: 3, import: 0, operation: 'plan' } }), 4_000)
    expect(html.length).toBeLessThanOrEqual(4_000)
    const rows = [...html.matchAll(/<tr><td>[^<]+<\/td><td><code>([^<]+)<\/code>/g)].map(m => m[1])
    expect(rows).toEqual(expect.arrayContaining(['aws_db_instance.main', 'aws_s3_bucket.logs', 'aws_iam_role.ci']))
    const creates = rows.length - 3
    expect(creates).toBeGreaterThan(5)
    expect(summaryFacts(html).cuts).toEqual([20_000 - creates])
    expect(html).toMatch(new RegExp(`\\b${20_000 - creates} more\\b.*\\(${20_000 - creates} create\\)`))
  })

  it('says how many changes are not listed when the step did not read the whole plan log, and keeps the deletes', () => {
    const resources = [
      { address: 'aws_instance.web[0]', action: 'create' as ChangeAction },
      { address: 'aws_db_instance.main', action: 'delete' as ChangeAction },
      { address: 'aws_iam_role.ci', action: 'replace' as ChangeAction }
    ]
    const totals = { add: 5_000, change: 20, remove: 7, import: 2, operation: 'plan' }
    const html = renderChanges(report(0, { resources, totals, complete: false }), 60_000)
    // 5,029 changes counted; the three rows list 4 of them (a replace is an add and a destroy).
    expect(html).toMatch(/\b5025 changes\b/)
    expect(html).toContain('<code>aws_db_instance.main</code>')
    expect(html).toContain('<code>aws_iam_role.ci</code>')
    // A complete list says nothing of the kind; an incomplete one without totals still says it is.
    expect(renderChanges(report(0, { resources, totals }), 60_000)).not.toMatch(/\b5025\b/)
    const unknown = renderChanges(report(0, { resources, totals: undefined, complete: false }), 60_000)
    expect(unknown).not.toEqual(renderChanges(report(0, { resources, totals: undefined }), 60_000))
  })

  it('never counts fewer than zero changes missing', () => {
    const html = renderChanges(
      report(3, { totals: { add: 1, change: 0, remove: 0, import: 0, operation: 'plan' }, complete: false }),
      60_000
    )
    expect(html).toMatch(/\b0 changes\b/)
    expect(html).not.toMatch(/-\d+ change/)
  })

  it('groups by action in a fixed order and escapes addresses', () => {
    const html = renderChanges(
      report(0, {
        resources: [
          { address: 'b.x', action: 'delete' },
          { address: 'a["<k>"]', action: 'create' },
          { address: 'c.y', action: 'replace' }
        ]
      }),
      10_000
    )
    expect([...html.matchAll(/<td><code>([^<]+)<\/code>/g)].map(m => m[1])).toEqual(['a[&quot;&lt;k&gt;&quot;]', 'c.y', 'b.x'])
  })

  it('reads a JSON plan: replace, import, move, forget and no-ops', () => {
    expect(actionOf(['delete', 'create'])).toBe('replace')
    expect(actionOf(['create', 'delete'])).toBe('replace')
    expect(actionOf(['no-op'], true)).toBe('import')
    expect(actionOf(['no-op'], false, true)).toBe('move')
    expect(actionOf(['forget'])).toBe('forget')
    expect(actionOf(['no-op'])).toBeUndefined()
    const parsed = fromJsonPlan({
      resource_changes: [
        { address: 'a.b', change: { actions: ['update'] } },
        { address: 'c.d', change: { actions: ['no-op'] } }
      ],
      output_changes: { secret: { actions: ['create'], after_sensitive: true } }
    })
    expect(parsed.resources).toEqual([{ address: 'a.b', action: 'update' }])
    expect(parsed.outputs).toEqual([{ name: 'secret', action: 'create', sensitive: true }])
  })

  it('says "No changes" for an empty plan and the apply line after an apply', () => {
    const totals = (line: string): unknown => summaryFacts(`<p><b>${line}</b></p>`).totals
    expect(totals(totalsLine({ add: 0, change: 0, remove: 0, import: 0, operation: 'plan' }))).toBe('none')
    expect(totals(totalsLine({ add: 1, change: 2, remove: 3, import: 0, operation: 'apply' }))).toEqual({
      operation: 'apply',
      add: 1,
      change: 2,
      destroy: 3,
      import: 0
    })
  })

  it("golden: the totals lines read as Terraform's", () => {
    expect(
      [
        { add: 0, change: 0, remove: 0, import: 0, operation: 'plan' },
        { add: 2, change: 1, remove: 0, import: 1, operation: 'plan' },
        { add: 1, change: 2, remove: 3, import: 0, operation: 'apply' }
      ].map(totalsLine)
    ).toEqual([
      'No changes. Your infrastructure matches the configuration.',
      'Plan: 1 to import, 2 to add, 1 to change, 0 to destroy.',
      'Apply complete! Resources: 1 added, 2 changed, 3 destroyed.'
    ])
  })
})
