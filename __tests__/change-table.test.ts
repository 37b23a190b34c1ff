import { describe, expect, it } from '@jest/globals'
import { renderChanges, totalsLine } from '../src/change-table.js'
import { actionOf, fromJsonPlan, type ChangeReport } from '../src/change-report.js'
import type { ChangeAction } from '../src/log-render.js'

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
    expect(html).toContain(`… and ${5000 - shown} more`)
    expect(html).toContain('<b>Plan: 5000 to add, 0 to change, 0 to destroy.</b>')
    expect(html).toContain('Error: Boom</b> (main.tf line 3)')
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
    expect(totalsLine({ add: 0, change: 0, remove: 0, import: 0, operation: 'plan' })).toBe(
      'No changes. Your infrastructure matches the configuration.'
    )
    expect(totalsLine({ add: 1, change: 2, remove: 3, import: 0, operation: 'apply' })).toBe(
      'Apply complete! Resources: 1 added, 2 changed, 3 destroyed.'
    )
  })
})
