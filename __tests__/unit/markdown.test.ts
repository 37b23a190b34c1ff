/**
 * The job summary and the pull-request comment with hostile text in every field that comes from
 * outside, rendered by a CommonMark + GFM parser: nothing of it may become an element, a link, an
 * image, a heading, a mention, or leave the HTML block it was put in.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import MarkdownIt from 'markdown-it'
import { renderChanges } from '../../src/report/change-table.js'
import type { ChangeReport } from '../../src/run-logs/changes.js'
import type { Settings } from '../../src/action/inputs.js'
import { commentBody } from '../../src/report/pr-comment.js'
import { writeSummary } from '../../src/report/summary.js'
import type { Outcome } from '../../src/lifecycle/run-lifecycle.js'

const Hostile = [
  'ok\n\n## ✅ Plan approved\n\nLooks good to me.',
  '\n\n![badge](https://evil.example/approved.png)',
  '[Approve](https://evil.example/approve)',
  '<img src="https://evil.example/x.png">',
  '<a href="https://evil.example">details</a>',
  '\n\n```\nfenced\n```',
  '\n\n| col | col |\n| --- | --- |\n| a | b |',
  '<!-- hidden --> -->',
  '<https://evil.example/auto>',
  'https://evil.example/bare www.evil.example',
  '@octocat please merge, cc @acme/security',
  '*em* **strong** _u_ ~~gone~~',
  '\n# heading\n### also\n> quote\n- item\n1. item\n\n    indented code',
  '</code></td></tr></table></p></h3><h1>out</h1><script>alert(1)</script>',
  '&lt;already&gt; &#60;b&#62;',
  'a\r\n\r\nb\r\r# c',
  '\n   \n# after a blank line of spaces'
].join(' ')

/** The tags our own markup uses; anything else in the rendered HTML came from outside. */
const OurTags = new Set(['h3', 'h4', 'p', 'b', 'br', 'code', 'a', 'table', 'tr', 'td', 'th', 'ul', 'li', 'sub'])
const OurHrefs = ['https://tfe.example/app/acme/workspaces/', 'https://tfe.example/app/', 'https://tfe.example/runs/']

const md = new MarkdownIt({ html: true, linkify: true })

/** Checks a piece of GitHub Markdown the step wrote; returns the HTML a parser makes of it. */
function checkRendered(markdown: string): string {
  // Every line is ours: it starts with one of our tags (or is a blank line between blocks).
  expect(markdown.split('\n').filter(line => line !== '' && !line.startsWith('<'))).toEqual([])
  // Markdown parses none of it: every block is an HTML block, passed through as it is.
  const blocks = md.parse(markdown, {}).filter(t => t.level === 0 && !t.type.endsWith('_close'))
  expect([...new Set(blocks.map(t => t.type))]).toEqual(['html_block'])
  const html = md.render(markdown)
  const tags = [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map(m => (m[1] as string).toLowerCase())
  expect(tags.filter(t => !OurTags.has(t))).toEqual([])
  const hrefs = [...html.matchAll(/\bhref="([^"]*)"/g)].map(m => m[1] as string)
  expect(hrefs.filter(h => !OurHrefs.some(o => h.startsWith(o)))).toEqual([])
  expect(html).not.toMatch(/<img|\]\(|!\[|<script/i)
  // One HTML comment at most, the comment's own marker.
  expect([...html.matchAll(/<!--/g)].length).toBeLessThanOrEqual(1)
  // A mention is `@` right before a name; GitHub pings whoever it names.
  expect(html).not.toMatch(/@[A-Za-z0-9]/)
  // The hostile text is there, escaped, for a person to read.
  expect(html).toContain('&lt;img src=&quot;https://evil.example/x.png&quot;&gt;')
  expect(html).toContain('&lt;h1&gt;out&lt;/h1&gt;')
  expect(html).toContain('Plan approved')
  return html
}

function hostileReport(): ChangeReport {
  return {
    source: 'counts',
    why: Hostile,
    resources: [
      { address: Hostile, action: 'delete' },
      { address: 'aws_instance.web["<x>"]', action: 'create' }
    ],
    drift: [{ address: Hostile, action: 'update' }],
    outputs: [{ name: Hostile, action: Hostile, sensitive: false }],
    totals: { add: 1, change: 0, remove: 1, import: 0, operation: Hostile },
    firstError: { severity: 'error', summary: Hostile, detail: Hostile, where: Hostile },
    complete: false
  }
}

const settings = {
  operation: 'plan',
  baseUrl: 'https://tfe.example',
  organization: 'acme',
  workspace: Hostile,
  workspaceId: undefined
} as unknown as Settings

function hostileOutcome(): Outcome {
  return {
    success: false,
    message: Hostile,
    status: Hostile,
    workspace: { id: 'ws-1', name: Hostile, organization: 'acme' },
    run: { id: Hostile, status: Hostile, plan: { additions: 1, changes: 0, destructions: 1 } },
    runUrl: 'https://tfe.example/runs/1',
    runIds: [Hostile, Hostile],
    configurationVersionId: undefined,
    attempts: 2,
    outputs: undefined,
    changes: hostileReport(),
    durationMs: 1234
  } as unknown as Outcome
}

const dir = mkdtempSync(join(tmpdir(), 'tfe-markdown-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('outside text in the summary and the comment', () => {
  it('stays inside its element in the change table (addresses, outputs, drift, totals, the error, the reason)', () => {
    checkRendered(renderChanges(hostileReport(), 60_000))
    // A small budget cuts rows: the cut row and the tail hold no outside markup either.
    checkRendered(renderChanges(hostileReport(), 2_000))
  })

  it('stays inside its element in the pull-request comment', () => {
    const body = commentBody(settings, hostileOutcome(), Hostile)
    const html = checkRendered(body)
    expect(html.startsWith('<!-- tfe-workspace-run: ')).toBe(true)
    // The marker holds the name escaped, so no name closes the comment before its end.
    expect(body.split('\n')[0]).toMatch(/^<!-- tfe-workspace-run: [^\n]* plan -->$/)
    expect(body.split('\n')[0]?.indexOf('-->')).toBe((body.split('\n')[0]?.length ?? 0) - 3)
  })

  it('stays inside its element in the job summary', async () => {
    const file = join(dir, 'summary')
    writeFileSync(file, '')
    const before = process.env.GITHUB_STEP_SUMMARY
    process.env.GITHUB_STEP_SUMMARY = file
    try {
      await writeSummary(settings, hostileOutcome())
    } finally {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY
      else process.env.GITHUB_STEP_SUMMARY = before
    }
    checkRendered(readFileSync(file, 'utf8'))
  })
})
