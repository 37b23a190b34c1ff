/**
 * The rules of `auto_confirm_if`, one per line, as typed values: what a user may write and what
 * each rule means. Parsing only (pure, throws a message naming the line); the verdict is guard.ts's.
 */

export type GuardRule =
  | { kind: 'no_destroy' }
  | { kind: 'max_destroy'; max: number }
  | { kind: 'never_destroy'; patterns: string[] }
  | { kind: 'max_cost_increase'; max: number }
  | { kind: 'no_policy_soft_failure' }

export type GuardRuleKind = GuardRule['kind']

export const GuardRuleKinds: readonly GuardRuleKind[] = [
  'no_destroy',
  'max_destroy',
  'never_destroy',
  'max_cost_increase',
  'no_policy_soft_failure'
]

/** What the step does when a rule holds the confirm back. */
export type OnGuardHeld = 'wait' | 'fail'

/** More rules than this are a mistake (or an attack on the step's CPU), not a policy. */
const MaxRules = 50
const MaxPatterns = 200
const MaxPatternLength = 512

function isKind(word: string): word is GuardRuleKind {
  return GuardRuleKinds.some(kind => kind === word)
}

/** A rule as the user would write it again (the log, the annotation, the summary). */
export function ruleText(rule: GuardRule): string {
  switch (rule.kind) {
    case 'max_destroy':
    case 'max_cost_increase':
      return `${rule.kind}=${rule.max}`
    case 'never_destroy':
      return `${rule.kind}=${rule.patterns.join(' ')}`
    default:
      return rule.kind
  }
}

/**
 * The rules of the input's text: one per line, `#` starts a comment, blank lines are skipped.
 * Throws an Error whose message names the bad line; the caller adds the input's name.
 */
export function parseGuardRules(text: string): GuardRule[] {
  const rules: GuardRule[] = []
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, '').trim()
    if (!line) continue
    const where = `line ${i + 1} ('${line.length > 80 ? `${line.slice(0, 80)}…` : line}')`
    const eq = line.indexOf('=')
    const word = (eq < 0 ? line : line.slice(0, eq)).trim()
    const value = eq < 0 ? undefined : line.slice(eq + 1).trim()
    if (!isKind(word)) throw new Error(`${where}: unknown rule '${word}'; the rules are ${GuardRuleKinds.join(', ')}.`)
    if (rules.some(r => r.kind === word)) throw new Error(`${where}: rule '${word}' is given twice.`)
    rules.push(parseRule(word, value, where))
    if (rules.length > MaxRules) throw new Error(`more than ${MaxRules} rules.`)
  }
  return rules
}

function parseRule(kind: GuardRuleKind, value: string | undefined, where: string): GuardRule {
  switch (kind) {
    case 'no_destroy':
    case 'no_policy_soft_failure':
      if (value !== undefined) throw new Error(`${where}: rule '${kind}' takes no value.`)
      return { kind }
    case 'max_destroy': {
      if (!value || !/^\d{1,6}$/.test(value)) throw new Error(`${where}: '${kind}' needs a whole number, as in ${kind}=2.`)
      return { kind, max: Number(value) }
    }
    case 'max_cost_increase': {
      const amount = value?.replace(/^\$/, '')
      if (!amount || !/^\d{1,9}(\.\d{1,2})?$/.test(amount)) {
        throw new Error(`${where}: '${kind}' needs an amount per month (the cost estimate's currency), as in ${kind}=100 or ${kind}=12.50.`)
      }
      return { kind, max: Number(amount) }
    }
    case 'never_destroy': {
      const patterns = (value ?? '').split(/[\s,]+/).filter(Boolean)
      if (!patterns.length) throw new Error(`${where}: '${kind}' needs address patterns, as in ${kind}=aws_db_instance.* module.data.*`)
      if (patterns.length > MaxPatterns) throw new Error(`${where}: more than ${MaxPatterns} patterns.`)
      const long = patterns.find(p => p.length > MaxPatternLength)
      if (long) throw new Error(`${where}: a pattern is longer than ${MaxPatternLength} characters.`)
      return { kind, patterns }
    }
  }
}

/**
 * Whether an address matches a pattern: `*` is any run of characters (dots and brackets too), `?`
 * one character, everything else itself. A pattern that starts with `module.` is matched against
 * the whole address; any other also against the address without its module path, so
 * `aws_db_instance.*` protects the databases of every module. Linear in time (no backtracking
 * blow-up): a greedy matcher with one saved position.
 */
export function addressMatches(pattern: string, address: string): boolean {
  if (globMatch(pattern, address)) return true
  if (pattern.startsWith('module.')) return false
  return globMatch(pattern, resourcePart(address))
}

/** `module.a.module.b["x"].aws_s3_bucket.logs[0]` → `aws_s3_bucket.logs[0]` (also `data.…`). */
export function resourcePart(address: string): string {
  let rest = address
  for (;;) {
    const m = /^module\.[A-Za-z0-9_-]+(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\./.exec(rest)
    if (!m) return rest
    rest = rest.slice(m[0].length)
  }
}

function globMatch(pattern: string, text: string): boolean {
  let p = 0
  let t = 0
  let star = -1
  let mark = 0
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
      p++
      t++
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++
      mark = t
    } else if (star >= 0) {
      p = star + 1
      t = ++mark
    } else {
      return false
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++
  return p === pattern.length
}
