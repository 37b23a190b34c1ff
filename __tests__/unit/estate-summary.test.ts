/** The estate summary from the needs context: rows in the graph's order with each job's result, run status and link; hostile needs stay text. */
import { describe, expect, it } from '@jest/globals'
import { SummaryInputError, summaryHtml, summaryRows } from '../../src/estate/summary.ts'

const graph = JSON.stringify([
  { job: 'network', workspace: 'acme/network', level: 0, waits_for: [] },
  { job: 'platform', workspace: 'acme/platform', level: 1, waits_for: ['network'] },
  { job: 'app', workspace: 'acme/app', level: 2, waits_for: ['platform'] }
])

describe('estate summary', () => {
  it('every workspace in order, with its result, status and run link; a skipped one has no run', () => {
    const needs = JSON.stringify({
      app: { result: 'skipped', outputs: {} },
      network: {
        result: 'success',
        outputs: { status: 'applied', run_url: 'https://app.terraform.io/app/acme/workspaces/network/runs/run-1' }
      },
      platform: {
        result: 'failure',
        outputs: { status: 'errored', run_url: 'https://app.terraform.io/app/acme/workspaces/platform/runs/run-2' }
      }
    })
    expect(summaryRows(needs, graph).map(r => [r.workspace, r.level, r.result, r.status, r.runUrl])).toEqual([
      ['acme/network', 0, 'success', 'applied', 'https://app.terraform.io/app/acme/workspaces/network/runs/run-1'],
      ['acme/platform', 1, 'failure', 'errored', 'https://app.terraform.io/app/acme/workspaces/platform/runs/run-2'],
      ['acme/app', 2, 'skipped', '', undefined]
    ])
  })

  it('a job the needs context lacks is unknown; a link that is not http(s) is left out', () => {
    const rows = summaryRows(JSON.stringify({ network: { result: 'success', outputs: { run_url: 'javascript:alert(1)' } } }), graph)
    expect(rows.map(r => [r.result, r.runUrl])).toEqual([
      ['success', undefined],
      ['unknown', undefined],
      ['unknown', undefined]
    ])
  })

  it('hostile text in needs is escaped in the HTML, and an over-long value is cut', () => {
    const needs = JSON.stringify({
      network: { result: '<script>x</script>', outputs: { status: 'a'.repeat(10_000), run_url: 'https://h/"><img src=x>' } }
    })
    const html = summaryHtml('apply', summaryRows(needs, graph))
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('"><img')
    expect(html).not.toContain('a'.repeat(201))
  })

  it('needs that is not JSON, too large, or a graph that is not a list are refused', () => {
    expect(() => summaryRows('{', graph)).toThrow(SummaryInputError)
    expect(() => summaryRows(JSON.stringify({ x: 'y'.repeat(3 * 1024 * 1024) }), graph)).toThrow(SummaryInputError)
    expect(() => summaryRows('{}', '{"job":1}')).toThrow(SummaryInputError)
    expect(() => summaryRows('[1,2]', graph)).not.toThrow()
  })
})
