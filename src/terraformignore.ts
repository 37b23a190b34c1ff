/**
 * `.terraformignore`, with HCP Terraform's own semantics (go-slug's ignorefiles package): gitignore
 * -like lines, `#` comments, `!` negations, a trailing `/` for directories, a leading `/` anchors
 * to the root and anything else may match at any depth. Without the file, the defaults apply:
 * `.git/` and `.terraform/` are left out, but `.terraform/modules/` is kept. The last matching rule
 * wins; an excluded directory is skipped whole only when no negation could bring something back.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface Rule {
  pattern: string
  negated: boolean
  /** A negation comes after this rule: an excluded directory must still be walked. */
  negationsAfter: boolean
  regex: RegExp
}

export interface Exclusion {
  excluded: boolean
  /** Excluded, and no later negation can bring anything below it back. */
  dominating: boolean
}

function compile(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++
        if (pattern[i + 1] === '/') i++
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?'
      } else {
        re += '[^/]*'
      }
    } else if (ch === '?') {
      re += '[^/]'
    } else if (ch === '\\' && i + 1 < pattern.length) {
      re += `\\${pattern[++i]}`
    } else {
      re += ch.replace(/[.$^+(){}[\]|]/g, c => `\\${c}`)
    }
  }
  return new RegExp(`${re}$`)
}

function rule(pattern: string, negated: boolean, negationsAfter = false): Rule {
  return { pattern, negated, negationsAfter, regex: compile(pattern) }
}

export const DefaultRules: readonly Rule[] = [
  rule('**/.terraform/**', false, true),
  rule('**/.terraform/modules/**', true),
  rule('**/.git/**', false)
]

export class IgnoreRules {
  private readonly rules: Rule[]

  constructor(rules: Rule[]) {
    this.rules = rules
  }

  /** The rules of `.terraformignore` text, after the defaults (as go-slug reads them). */
  static parse(text: string): IgnoreRules {
    const rules = DefaultRules.map(r => ({ ...r }))
    for (const raw of text.split(/\r?\n/)) {
      let pattern = raw.trim()
      if (!pattern || pattern.startsWith('#')) continue
      let negated = false
      if (pattern.startsWith('!')) {
        negated = true
        pattern = pattern.slice(1)
        for (let i = rules.length - 1; i >= 0 && !(rules[i] as Rule).negationsAfter; i--) (rules[i] as Rule).negationsAfter = true
      }
      if (!pattern) continue
      if (pattern.endsWith('/')) pattern += '**'
      pattern = pattern.startsWith('/') ? pattern.slice(1) : `**/${pattern}`
      rules.push(rule(pattern, negated))
    }
    return new IgnoreRules(rules)
  }

  /** `.terraformignore` of `directory`, or the defaults when it has none. */
  static async load(directory: string): Promise<IgnoreRules> {
    try {
      return IgnoreRules.parse(await readFile(join(directory, '.terraformignore'), 'utf8'))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new IgnoreRules(DefaultRules.map(r => ({ ...r })))
      throw err
    }
  }

  /** `path` is relative to the root, with `/` separators; a directory is asked about with a trailing `/`. */
  excludes(path: string): Exclusion {
    const normalized = path.normalize('NFC')
    let excluded = false
    let dominating = false
    for (const r of this.rules) {
      if (r.regex.test(normalized)) {
        excluded = !r.negated
        dominating = excluded && !r.negationsAfter
      }
    }
    return { excluded, dominating }
  }
}
