/**
 * The attribute-level diff reviewers read, from JSON plans written to the documented format
 * (__tests__/fixtures/plans/): the CLI's lines for each kind of change, sensitive values never
 * shown, everything from the plan escaped, the size budgets kept with a visible cut line.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parsePlan, changedOutputs } from '../../src/review/plan-json.js'
import { renderResource } from '../../src/report/plan-diff/resource.js'
import { fence, renderPlanDiff } from '../../src/report/plan-diff/section.js'

const corpus = JSON.parse(readFileSync(new URL('../fixtures/plans/corpus.json', import.meta.url), 'utf8')) as Record<string, unknown>
const plan = parsePlan(corpus)

function text(address: string): string {
  const r = plan.resources.find(x => x.address === address)
  if (!r) throw new Error(`no ${address} in the corpus`)
  return renderResource(r, plan)?.text ?? ''
}
const lines = (t: string): string[] => t.split('\n').map(l => l.trimEnd())

describe('one resource as the CLI prints it', () => {
  it('update in place: the headline, changed attributes with old -> new, maps and lists by element, nested blocks, hidden counts', () => {
    const t = lines(text('aws_instance.web'))
    expect(t[0]).toBe('  # aws_instance.web will be updated in-place')
    expect(t[1]).toBe('  ~ resource "aws_instance" "web" {')
    expect(t).toContainEqual(expect.stringMatching(/^ {6}~ instance_type +=  ?"t2\.micro" -> "t3\.micro"$/))
    expect(t).toContainEqual(expect.stringMatching(/^ {6}\+ public_dns +=  ?\(known after apply\)$/))
    expect(t).toContainEqual(expect.stringMatching(/^ {6}~ user_data +=  ?\(sensitive value\)$/))
    expect(t).toContainEqual(expect.stringMatching(/^ {6}~ tags += \{$/))
    expect(t).toContainEqual(expect.stringMatching(/^ {10}\+ "cost" += "web-tier"$/))
    expect(t).toContainEqual(expect.stringMatching(/^ {10}- "owner" += "team-a" -> null$/))
    expect(t).toContainEqual('          # (2 unchanged elements hidden)')
    expect(t).toContainEqual('          - "sg-2",')
    expect(t).toContainEqual('          + "sg-3",')
    expect(t).toContainEqual('      ~ root_block_device {')
    expect(t).toContainEqual(expect.stringMatching(/^ {10}~ volume_size += 8 -> 20$/))
    expect(t).toContainEqual('        # (1 unchanged block hidden)')
    expect(t).toContainEqual(expect.stringMatching(/^ {8}id +=  ?"i-0abc123"$/))
    expect(t).toContainEqual('        # (1 unchanged attribute hidden)')
    expect(t.at(-1)).toBe('    }')
  })

  it('replace with its reason, the attribute that forces it, and both orders', () => {
    const t = lines(text('aws_db_instance.main'))
    expect(t[0]).toBe('  # aws_db_instance.main must be replaced')
    expect(t[1]).toBe('-/+ resource "aws_db_instance" "main" {')
    expect(t).toContainEqual(expect.stringMatching(/~ engine_version += "13\.7" -> "16\.1" # forces replacement$/))
    expect(t).toContainEqual(expect.stringMatching(/~ id += "db-1" -> \(known after apply\)$/))
    const tainted = lines(text('aws_instance.tainted'))
    expect(tainted[0]).toBe('  # aws_instance.tainted is tainted, so must be replaced')
    expect(tainted[1]).toBe('+/- resource "aws_instance" "tainted" {')
  })

  it('delete with its reason; create with every attribute, nested blocks and unknowns', () => {
    const d = lines(text('aws_iam_role.legacy'))
    expect(d.slice(0, 3)).toEqual([
      '  # aws_iam_role.legacy will be destroyed',
      '  # (because aws_iam_role.legacy is not in configuration)',
      '  - resource "aws_iam_role" "legacy" {'
    ])
    expect(d).toContainEqual(expect.stringMatching(/^ {6}- max_session_duration = 3600 -> null$/))
    const c = lines(text('aws_s3_bucket.logs'))
    expect(c[0]).toBe('  # aws_s3_bucket.logs will be created')
    expect(c).toContainEqual(expect.stringMatching(/^ {6}\+ arn +=  ?\(known after apply\)$/))
    expect(c).toContainEqual(expect.stringMatching(/^ {6}\+ bucket += "acme-logs"$/))
    expect(c).toContainEqual('      + lifecycle_rule {')
    expect(c).toContainEqual('          + expiration {')
    expect(c).toContainEqual(expect.stringMatching(/^ {14}\+ days = 30$/))
  })

  it('moved and imported resources; a plain no-op is not shown', () => {
    expect(lines(text('module.network.aws_subnet.private[0]'))[0]).toBe(
      '  # aws_subnet.private[0] has moved to module.network.aws_subnet.private[0]'
    )
    expect(lines(text('aws_route53_zone.main'))[0]).toBe('  # aws_route53_zone.main will be imported')
    expect(text('aws_instance.unchanged')).toBe('')
  })
})

describe('the section', () => {
  const html = renderPlanDiff(plan, {
    maxChars: 65_536,
    runUrl: 'https://app.terraform.io/app/acme/workspaces/w/runs/run-1',
    source: 'the redacted JSON plan'
  }).html

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
    expect(html).toMatch(/db_endpoint += "old\.example:5432" -> \(known after apply\)/)
    expect(html).toMatch(/db_password += \(sensitive value\)/)
    expect(changedOutputs(plan)).toEqual(['db_endpoint', 'db_password', 'instance_type'])
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
    expect(r.html).toContain(`… ${20_000 - r.shown} more resources not shown`)
    expect(r.html).toContain('href="https://app.terraform.io/r/run-1"')
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

  it('a deeply nested or very wide value is cut with a line, not rendered without end', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 5000; i++) deep = { k: deep }
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))
    const p = parsePlan({
      resource_changes: [{ address: 'a.b', type: 'a', name: 'b', change: { actions: ['create'], before: null, after: { deep, wide } } }]
    })
    const t = renderResource(p.resources[0] as never, p)?.text ?? ''
    expect(t.split('\n').length).toBeLessThanOrEqual(402)
    expect(t).toContain('# (nested too deep to show)')
    expect(t).toContain('# (4800 more elements not shown)')
  })
})
