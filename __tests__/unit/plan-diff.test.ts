/**
 * The attribute-level diff reviewers read, from JSON plans written to the documented format
 * (__tests__/fixtures/plans/): the CLI's lines for each kind of change, sensitive values never
 * shown, everything from the plan escaped, the size budgets kept with a visible cut line.
 * The rendered text is compared exactly with golden files beside the corpus (*.golden.txt, each
 * checked by hand against what `terraform plan` prints); after a deliberate change, rewrite them
 * with `UPDATE_GOLDEN=1 NODE_OPTIONS=--experimental-vm-modules npx jest __tests__/unit/plan-diff.test.ts`
 * and read their diff.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parsePlan, changedOutputs } from '../../src/review/plan-json.js'
import { renderResource } from '../../src/report/plan-diff/resource.js'
import { MaxDepth, MaxElements } from '../../src/report/plan-diff/values.js'
import { fence, renderPlanDiff } from '../../src/report/plan-diff/section.js'
import { expectGolden } from '../helpers/golden.ts'
import { diffCut } from '../helpers/step-facts.ts'

const corpus = JSON.parse(readFileSync(new URL('../fixtures/plans/corpus.json', import.meta.url), 'utf8')) as Record<string, unknown>
const plan = parsePlan(corpus)

function text(address: string): string {
  const r = plan.resources.find(x => x.address === address)
  if (!r) throw new Error(`no ${address} in the corpus`)
  return renderResource(r, plan)?.text ?? ''
}
const golden = (name: string): URL => new URL(`../fixtures/plans/${name}`, import.meta.url)
// Room for the heading and the first three resources of the corpus, not the fourth.
const CutBudget = 2_400

describe('each resource as the CLI prints it', () => {
  it('golden: every change of the corpus as `terraform plan` prints it — update in place (maps and lists by element, nested blocks, hidden counts), replace with its reason and the attribute that forces it (both orders), delete with its reason, create with nested blocks and unknowns, moved, imported (whole)', () => {
    const rendered = plan.resources.flatMap(r => renderResource(r, plan)?.text ?? [])
    expectGolden(rendered.join('\n\n'), golden('corpus.golden.txt'))
  })

  it('each change is in its group; a plain no-op is not shown', () => {
    expect(plan.resources.map(r => [r.address, renderResource(r, plan)?.group])).toEqual([
      ['aws_instance.web', 'update'],
      ['aws_db_instance.main', 'replace'],
      ['aws_instance.tainted', 'replace'],
      ['aws_iam_role.legacy', 'delete'],
      ['aws_s3_bucket.logs', 'create'],
      ['module.network.aws_subnet.private[0]', 'move'],
      ['aws_route53_zone.main', 'import'],
      ['aws_instance.unchanged', undefined]
    ])
    expect(text('aws_instance.unchanged')).toBe('')
  })
})

describe('the section', () => {
  const sectionOptions = {
    maxChars: 65_536,
    runUrl: 'https://app.terraform.io/app/acme/workspaces/w/runs/run-1',
    source: 'the redacted JSON plan'
  }
  const html = renderPlanDiff(plan, sectionOptions).html

  it('groups by action, destroys first, one <details> per resource, and lists output changes', () => {
    const order = [...html.matchAll(/<summary><code>([^<]+)<\/code>/g)].map(m => m[1])
    expect(order).toEqual([
      'aws_iam_role.legacy',
      'aws_db_instance.main',
      'aws_instance.tainted',
      'aws_instance.web',
      'module.network.aws_subnet.private[0]',
      'aws_route53_zone.main',
      'aws_s3_bucket.logs'
    ])
    expect(html.match(/<details>/g)).toHaveLength(7)
    expect(html.match(/<\/details>/g)).toHaveLength(7)
    expect(html).toMatch(/db_password += \(sensitive value\)/)
    expect(changedOutputs(plan)).toEqual(['db_endpoint', 'db_password', 'instance_type'])
  })

  it('golden: the section as the summary and the comment show it — heading, group titles, one <details> per resource with its diff fenced for highlighting, the output changes; cut short, the line saying how many more and linking the run', () => {
    expectGolden(html, golden('section.golden.txt'))
    const cut = renderPlanDiff(plan, { ...sectionOptions, maxChars: CutBudget })
    expect([cut.shown, cut.total]).toEqual([3, 7])
    expectGolden(cut.html, golden('section-cut.golden.txt'))
  })

  it('guarantee: sensitive values never appear in the summary, the PR comment, the log or the outputs — the renderer shows only (sensitive value), a whole object or a list element masked too', () => {
    for (const secret of [
      'hunter2-fixture',
      'hunter3-fixture',
      'hunter4-output',
      'c2VjcmV0LXVzZXItZGF0YQ',
      'bmV3LXNlY3JldC11c2VyLWRhdGE'
    ]) {
      expect(html).not.toContain(secret)
    }
    // A whole object marked sensitive, and a list element, are masked too.
    const p = parsePlan({
      resource_changes: [
        {
          address: 'x.y',
          type: 'x',
          name: 'y',
          change: {
            actions: ['update'],
            before: { a: { k: 'secret-a' }, b: ['ok', 'secret-b'] },
            after: { a: { k: 'secret-a2' }, b: ['ok', 'secret-b2'] },
            before_sensitive: { a: true, b: [false, true] },
            after_sensitive: { a: true, b: [false, true] }
          }
        }
      ]
    })
    const out = renderPlanDiff(p, { maxChars: 10_000, runUrl: undefined, source: 's' }).html
    expect(out).not.toMatch(/secret-/)
    expect(out).toContain('(sensitive value)')
  })
})

describe('hostile plans', () => {
  const evil = '```\n</details><img src=x onerror=alert(1)>[link](https://evil.example) ![i](https://evil.example/i.png) @admin | </code>'
  const p = parsePlan({
    resource_changes: [
      {
        address: `aws_s3_bucket.x</summary></details><script>alert(1)</script>[a](https://evil.example)`,
        type: 'aws_s3_bucket',
        name: 'x',
        change: { actions: ['update'], before: { [evil]: 'a', tags: { [evil]: evil } }, after: { [evil]: evil, tags: { [evil]: 'b' } } }
      }
    ],
    output_changes: { [evil]: { actions: ['create'], before: null, after: evil } }
  })
  const out = renderPlanDiff(p, { maxChars: 60_000, runUrl: 'https://h/run"><x', source: 'the JSON plan' }).html

  it('an address cannot close the summary or the details, nor inject a script or link', () => {
    // Inside a fence it is literal text; outside, there is exactly our one element.
    const outside = out.replace(/^(`{3,})diff\n[\s\S]*?\n\1$/gm, '')
    expect(outside.match(/<details>/g)).toHaveLength(1)
    expect(outside.match(/<\/details>/g)).toHaveLength(1)
    expect(outside).not.toContain('<script>')
    const summary = out.match(/<summary>(.*?)<\/summary>/)?.[1] ?? ''
    expect(summary).not.toMatch(/<(?!\/?code>)/)
    expect(summary).not.toContain('](')
  })

  it('a value with ``` cannot end the fence: every fence is longer than any backtick run inside it, and values stay on one line', () => {
    for (const block of out.matchAll(/^(`{3,})diff\n([\s\S]*?)\n\1$/gm)) {
      const [, f, body] = block as unknown as [string, string, string]
      const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map(m => m[0].length))
      expect(f.length).toBeGreaterThan(longest)
    }
    expect(out.match(/^`{3,}diff$/gm)?.length).toBe(2)
    expect(fence('a ```` b')).toBe('`````')
    // Outside the fences, nothing from the plan is raw HTML.
    const outside = out.replace(/^(`{3,})diff\n[\s\S]*?\n\1$/gm, '')
    expect(outside).not.toMatch(/<img|<script|onerror/)
  })
})

describe('size budgets and CPU', () => {
  const many = parsePlan({
    resource_changes: Array.from({ length: 20_000 }, (_, i) => ({
      address: `aws_instance.n[${i}]`,
      type: 'aws_instance',
      name: 'n',
      change: {
        actions: [i % 10 === 0 ? 'delete' : 'create'],
        before: i % 10 === 0 ? { id: `i-${i}`, tags: { a: 'b' } } : null,
        after: i % 10 === 0 ? null : { ami: 'ami-1', tags: { n: String(i) } },
        after_unknown: { id: true }
      }
    }))
  })

  it('a comment keeps within 65,536 characters, destroys first, with a visible line saying how many more and linking the run', () => {
    const r = renderPlanDiff(many, { maxChars: 60_000, runUrl: 'https://app.terraform.io/r/run-1', source: 's' })
    expect(r.html.length).toBeLessThanOrEqual(60_000)
    expect(r.shown).toBeGreaterThan(10)
    expect(r.total).toBe(20_000)
    expect(diffCut(r.html)).toEqual({ more: 20_000 - r.shown, href: 'https://app.terraform.io/r/run-1' })
    // The destroys come first: every one shown before any create.
    const first = r.html.match(/<summary><code>aws_instance\.n\[(\d+)\]/)?.[1]
    expect(Number(first) % 10).toBe(0)
  })

  it('a summary budget counts UTF-8 bytes', () => {
    const wide = parsePlan({
      resource_changes: Array.from({ length: 2000 }, (_, i) => ({
        address: `aws_x.y[${i}]`,
        type: 'aws_x',
        name: 'y',
        change: { actions: ['create'], before: null, after: { v: 'é'.repeat(300) } }
      }))
    })
    const r = renderPlanDiff(wide, { maxChars: 100_000, runUrl: undefined, source: 's', measure: 'bytes' })
    expect(Buffer.byteLength(r.html)).toBeLessThanOrEqual(100_000)
  })

  it('golden: a deeply nested or very wide value is cut with a line, not rendered without end', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 5000; i++) deep = { k: deep }
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))
    const p = parsePlan({
      resource_changes: [{ address: 'a.b', type: 'a', name: 'b', change: { actions: ['create'], before: null, after: { deep, wide } } }]
    })
    const t = renderResource(p.resources[0] as never, p)?.text ?? ''
    const rows = t.split('\n')
    expect(rows.length).toBeLessThanOrEqual(402)
    // The deep value opens at most MaxDepth levels, and the deepest holds the cut line, no value.
    const opened = rows.flatMap((l, i) => (l.endsWith('"k" = {') ? [i] : []))
    expect(opened.length).toBeLessThanOrEqual(MaxDepth)
    const cuts = rows.filter(l => /^ +# \(/.test(l))
    expect(cuts.map(l => rows.indexOf(l))).toEqual([(opened.at(-1) ?? -2) + 1, expect.any(Number)])
    // The wide one shows MaxElements keys, and its cut line counts the rest.
    expect(rows.filter(l => /^ +\+ "k\d+" += \d+$/.test(l))).toHaveLength(MaxElements)
    expect(cuts.map(l => l.match(/\d+/)?.[0])).toEqual([undefined, String(5000 - MaxElements)])
    expectGolden(cuts.join('\n'), golden('cut-lines.golden.txt'))
  })
})
