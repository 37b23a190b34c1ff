/**
 * What a step told its user, as facts rather than sentences: its stdout read with the port of the
 * runner's command parser (annotations by kind, groups by title, plain lines) and, from each
 * annotation's text, what a user acts on — run IDs, URLs, the action's inputs it names, HTTP
 * statuses, `org/name` workspaces, quoted values, error codes. Also the job summary's parts
 * (heading, table cells and links, change rows, totals). Tests assert these, so that rewording a
 * message breaks only the golden test of its family.
 */
import { actionYml } from './action-runner.ts'
import { runnerOutput } from './runner-commands.ts'

export type AnnotationKind = 'error' | 'warning' | 'notice'

/** The facts a piece of text holds (an annotation's, a summary paragraph's, an error message's). */
export interface TextFacts {
  /** As a person reads it: zero-width spaces (the step's neutralization) removed. */
  text: string
  /** Every `run-…` ID, in URLs too; unique, in order of appearance. */
  runIds: string[]
  /** Every http(s) URL, without trailing punctuation. */
  urls: string[]
  /** The action's inputs it names: quoted (`'directory'`), or bare when the name has an underscore (`manual_confirm`). */
  inputs: string[]
  /** HTTP statuses: a 1xx–5xx number on its own (not in a URL, a host, a port, a longer number, nor seconds or minutes). */
  statuses: number[]
  /** Every `org/name` pair outside URLs, quotes stripped (workspaces, and also directories such as `infra/network`). */
  workspaces: string[]
  /** Every single-quoted value: run statuses, input values, file names, permissions. */
  quoted: string[]
  /** Durations in seconds: every number followed by ` s` (`0.3 s`, `10 s`). */
  seconds: number[]
  /** Error codes: `ECONNREFUSED`, `ENOTFOUND`, `ERR_TLS_…`, `SELF_SIGNED_CERT_IN_CHAIN`. */
  codes: string[]
}

export interface Annotation extends TextFacts {
  kind: AnnotationKind
  /** The annotation's properties (`title`, `file`, …), if any. */
  properties: Record<string, string>
}

export interface StepFacts {
  annotations: Annotation[]
  errors: Annotation[]
  warnings: Annotation[]
  notices: Annotation[]
  /** Group title → the plain lines written inside it (commands, debug lines and annotations left out). */
  groups: Record<string, string[]>
  /** Every line that is not a workflow command, in order, groups included. */
  lines: string[]
  /** The values registered with `add-mask`. */
  masks: string[]
}

const unique = <T>(items: T[]): T[] => [...new Set(items)]

let inputNames: string[] | undefined
/** The action's inputs: the keys of action.yml's `inputs`. */
export function actionInputs(): string[] {
  inputNames ??= Object.keys(actionYml().inputs)
  return inputNames
}

const UrlPattern = /https?:\/\/[^\s'"<>()]+/g

/** The facts `text` holds (see TextFacts). */
export function textFacts(raw: string): TextFacts {
  const text = raw.replace(/\u200b/g, '')
  const urls = unique([...text.matchAll(UrlPattern)].map(m => m[0].replace(/[.,;:]+$/, '')))
  const outsideUrls = text.replace(UrlPattern, ' ')
  const quoted = [...text.matchAll(/(?<=^|[\s([,:;])'([^'\n]+?)'(?=$|[\s).,;:\]])/g)].map(m => m[1] as string)
  const names = actionInputs()
  const bare = names.filter(n => n.includes('_') && new RegExp(`(?<![\\w-])${n}(?![\\w-])`).test(outsideUrls))
  const inputs = unique([...quoted.filter(q => names.includes(q)), ...bare].sort((a, b) => firstIndex(text, a) - firstIndex(text, b)))
  const statuses = unique(
    [...outsideUrls.matchAll(/(?<![\w.:/#-])([1-5]\d\d)(?![\w.:/-])(?!\s*(?:s|ms|minutes?|seconds?)\b)/g)].map(m => Number(m[1]))
  )
  const workspaces = unique(
    [...outsideUrls.matchAll(/(?<![\w/.:-])([A-Za-z0-9][\w-]*)\/([A-Za-z0-9][\w.-]*[\w]|[A-Za-z0-9])(?![\w/-])/g)].map(m => m[0])
  )
  const codes = unique([...text.matchAll(/\b(?:E[A-Z]{2,}[A-Z_]*|ERR_[A-Z0-9_]+|[A-Z]+(?:_[A-Z0-9]+){2,})\b/g)].map(m => m[0]))
  const seconds = [...outsideUrls.matchAll(/(?<![\w.])(\d+(?:\.\d+)?) s\b/g)].map(m => Number(m[1]))
  return {
    text,
    seconds,
    runIds: unique([...text.matchAll(/\brun-[A-Za-z0-9]+\b/g)].map(m => m[0])),
    urls,
    inputs,
    statuses,
    workspaces,
    quoted,
    codes
  }
}

function firstIndex(text: string, name: string): number {
  const quoted = text.indexOf(`'${name}'`)
  return quoted >= 0 ? quoted : text.indexOf(name)
}

/** What a step wrote to stdout, read as the runner reads it. */
export function stepFacts(stdout: string): StepFacts {
  const annotations: Annotation[] = []
  const groups: Record<string, string[]> = {}
  const lines: string[] = []
  const masks: string[] = []
  let group: string[] | undefined
  for (const { line, command } of runnerOutput(stdout)) {
    if (!command) {
      lines.push(line)
      group?.push(line)
      continue
    }
    switch (command.command) {
      case 'error':
      case 'warning':
      case 'notice':
        annotations.push({ kind: command.command, properties: command.properties, ...textFacts(command.data) })
        break
      case 'group':
        group = groups[command.data] ??= []
        break
      case 'endgroup':
        group = undefined
        break
      case 'add-mask':
        masks.push(command.data)
        break
    }
  }
  return {
    annotations,
    errors: annotations.filter(a => a.kind === 'error'),
    warnings: annotations.filter(a => a.kind === 'warning'),
    notices: annotations.filter(a => a.kind === 'notice'),
    groups,
    lines,
    masks
  }
}

/** The lines of the first group whose title starts with `title` (`Plan: org/ws` matches `Plan: org/ws (run 1 of at most 4)`). */
export function groupLines(facts: StepFacts, title: string): string[] {
  const found = Object.keys(facts.groups).find(t => t.startsWith(title))
  return found === undefined ? [] : (facts.groups[found] as string[])
}

/** The facts of each plain line (not a command) of the log. */
export function lineFacts(facts: StepFacts): TextFacts[] {
  return facts.lines.map(textFacts)
}

/** The kind of each annotation, in order: `['warning', 'error']`. */
export function kinds(facts: StepFacts): AnnotationKind[] {
  return facts.annotations.map(a => a.kind)
}

/** The one annotation that carries `runId` (or the only one of its kind); fails the test if there is not exactly one. */
export function only(annotations: Annotation[], where: (a: Annotation) => boolean = () => true): Annotation {
  const found = annotations.filter(where)
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one matching annotation, found ${found.length}:\n${annotations.map(a => `  ${a.kind}: ${a.text}`).join('\n')}`
    )
  }
  return found[0] as Annotation
}

export interface ChangeTotals {
  add: number
  change: number
  destroy: number
  import: number
}

export interface SummaryFacts {
  /** The heading's text. */
  heading: string
  /** Table header → the cell's text (tags stripped, entities decoded). */
  cells: Record<string, string>
  /** Table header → the hrefs of the cell's links. */
  links: Record<string, string[]>
  /** The change table's rows: [action label, address]. */
  changes: [string, string][]
  /** The output changes: name, action, whether sensitive. */
  outputChanges: { name: string; action: string; sensitive: boolean }[]
  /** The totals line's counts (a plan's "to add", an apply's "added"), `none` for a plan with no changes. */
  totals: (ChangeTotals & { operation: 'plan' | 'apply' }) | 'none' | undefined
  /** The N of every "… and N more" cut. */
  cuts: number[]
  /** The facts of each paragraph outside the table (the outcome's message, notes). */
  paragraphs: TextFacts[]
  /** The small print: `<sub>` paragraphs that hold no link (a reason the list is not shown, say). */
  notes: TextFacts[]
  /** Every href in the document. */
  hrefs: string[]
}

const Entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#10': '\n', '#13': '\r' }

/** HTML to the text a reader sees. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&#8203;/g, '')
    .replace(/&(#?\w+);/g, (m, e: string) => Entities[e] ?? (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : m))
    .trim()
}

/** The parts of a job summary or pull-request comment (the HTML the step writes). */
export function summaryFacts(html: string): SummaryFacts {
  const cells: Record<string, string> = {}
  const links: Record<string, string[]> = {}
  for (const m of html.matchAll(/<th>([^<]*)<\/th><td>(.*?)<\/td>/g)) {
    const key = htmlToText(m[1] as string)
    cells[key] = htmlToText(m[2] as string)
    links[key] = [...(m[2] as string).matchAll(/href="([^"]*)"/g)].map(l => htmlToText(l[1] as string))
  }
  const bold = [...html.matchAll(/<b>(.*?)<\/b>/g)].map(m => htmlToText(m[1] as string))
  let totals: SummaryFacts['totals']
  for (const b of bold) {
    const n = (re: RegExp): number => Number(b.match(re)?.[1] ?? 0)
    if (/^Plan: /.test(b)) {
      totals = {
        operation: 'plan',
        add: n(/(\d+) to add/),
        change: n(/(\d+) to change/),
        destroy: n(/(\d+) to destroy/),
        import: n(/(\d+) to import/)
      }
    } else if (/^Apply complete! /.test(b)) {
      totals = {
        operation: 'apply',
        add: n(/(\d+) added/),
        change: n(/(\d+) changed/),
        destroy: n(/(\d+) destroyed/),
        import: n(/(\d+) to import/)
      }
    } else if (/^No changes\./.test(b)) totals = 'none'
  }
  return {
    heading: htmlToText(html.match(/<h3>(.*?)<\/h3>/)?.[1] ?? ''),
    cells,
    links,
    changes: [...html.matchAll(/<tr><td>([^<]+)<\/td><td><code>([^<]+)<\/code><\/td><\/tr>/g)].map(m => [
      htmlToText(m[1] as string),
      htmlToText(m[2] as string)
    ]),
    outputChanges: [...html.matchAll(/<li><code>([^<]+)<\/code>: ([^<(]+?)( \(sensitive\))?<\/li>/g)].map(m => ({
      name: htmlToText(m[1] as string),
      action: htmlToText(m[2] as string),
      sensitive: m[3] !== undefined
    })),
    totals,
    cuts: [...html.matchAll(/… and (\d+) more/g)].map(m => Number(m[1])),
    paragraphs: [...html.matchAll(/<p>(.*?)<\/p>/g)].map(m => textFacts(htmlToText(m[1] as string))),
    notes: [...html.matchAll(/<p><sub>(.*?)<\/sub><\/p>/g)]
      .filter(m => !(m[1] as string).includes('<a '))
      .map(m => textFacts(htmlToText(m[1] as string))),
    hrefs: [...html.matchAll(/href="([^"]*)"/g)].map(m => htmlToText(m[1] as string))
  }
}

/** The line that ends a diff cut short (`… N more …`): how many resources it left out, and the link it gives. */
export function diffCut(html: string): { more: number; href: string | undefined } | undefined {
  const m = /<p>… (\d+) more\b[^<]*(?:<a href="([^"]*)">[^<]*<\/a>)?[^<]*<\/p>/.exec(html)
  return m ? { more: Number(m[1]), href: m[2] === undefined ? undefined : htmlToText(m[2]) } : undefined
}

/** One attribute line of a resource's diff, as facts. */
export interface DiffAttribute {
  /** `+`, `-`, `~`, or ' ' for an attribute shown unchanged. */
  symbol: string
  /** What follows `=`, without a `# forces replacement` note (`{` or `[` for a value on lines of its own). */
  value: string
  /** Known only after apply, wholly or as the new value. */
  unknown: boolean
  /** Masked. */
  sensitive: boolean
  forcesReplacement: boolean
}

/** One resource's diff of the attribute-level section (a `<details>`), as facts. */
export interface DiffBlock {
  /** The resource's address, from the `<summary>`. */
  address: string
  /** The resource addresses the `# …` lines above the block name (a moved resource's two). */
  named: string[]
  /** The block's symbol: `+`, `-`, `~`, `-/+`, `+/-`, or '' (moved or imported, unchanged). */
  symbol: string
  /** `resource "type" "name"` (or `data …`). */
  header: string
  /** The top-level attributes shown, by name. */
  attributes: Record<string, DiffAttribute>
  /** The nested blocks opened at the top level, each as `<symbol> <name>`. */
  blocks: string[]
}

/** The resources of an attribute-level diff section, in order: what each block shows, as facts. */
export function diffBlocks(html: string): DiffBlock[] {
  const out: DiffBlock[] = []
  for (const m of html.matchAll(/<details><summary><code>([^<]+)<\/code>.*?<\/summary>\n\n(`{3,})diff\n([\s\S]*?)\n\2\n/g)) {
    // The section moves a line's `+`/`-` to its start for GitHub's highlighting; put it back.
    const lines = (m[3] as string).split('\n').map(l => l.replace(/^([+-])( *) /, (_, sym: string, space: string) => `${space}${sym} `))
    const at = lines.findIndex(l => /^(-\/\+|\+\/-| {2}[+~.-]| <=| {3}) (resource|data) .+ \{$/.test(l))
    const head = /^(.{3}) (.+) \{$/.exec(lines[at] ?? '')
    const block: DiffBlock = {
      address: htmlToText(m[1] as string),
      named: lines
        .slice(0, Math.max(at, 0))
        .flatMap(l => [...l.matchAll(/(?<![\w.[])(?:[a-z][\w-]*\.)+[\w-]+(?:\[[^\]]+\])?/g)].map(a => a[0])),
      symbol: (head?.[1] ?? '').trim(),
      header: head?.[2] ?? '',
      attributes: {},
      blocks: []
    }
    for (const l of lines.slice(at + 1)) {
      const attr = /^ {6}([~+ -]) (\S+) += (.*)$/.exec(l)
      if (attr) {
        const raw = attr[3] as string
        const value = raw.replace(/ # forces replacement$/, '')
        block.attributes[attr[2] as string] = {
          symbol: attr[1] as string,
          value,
          unknown: /(^|-> )\(known after apply\)$/.test(value),
          sensitive: value === '(sensitive value)',
          forcesReplacement: value !== raw
        }
      }
      const nested = /^ {6}([~+ -]) ([\w-]+) \{/.exec(l)
      if (nested) block.blocks.push(`${nested[1]} ${nested[2]}`)
    }
    out.push(block)
  }
  return out
}
