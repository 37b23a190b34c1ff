/**
 * Counts the assertions under __tests__ and those that match English wording. Run it with Node 24
 * (type stripping): `npx node __tests__/helpers/count-wording.ts [--list]`.
 *
 * An assertion is one `expect(…)…` chain (an outermost call whose callee chain starts at
 * `expect(`), or a call of a helper named `expect…` / `assert…`; a loop around one counts once. A
 * regular expression outside any assertion (a row of an `it.each` table, a loop's case) is an
 * expected value as well, and counts as one assertion when it holds English wording.
 * It matches English wording when a string, template or regular-expression literal in it (subject
 * or expected value) holds a run of three or more English words: tokens of letters (apostrophes and
 * hyphens inside allowed, punctuation and regex escapes around them ignored) separated by white
 * space (a literal space, `\s`, `\s+`, `\s*` or ` +`); a number between words neither counts nor
 * ends a run ("run 2 of 4 in" is three words), a placeholder (`${…}`) or any other token ends it. Test titles, inputs and fixtures outside assertions are not counted.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const Root = fileURLToPath(new URL('../..', import.meta.url))
const Tests = join(Root, '__tests__')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []
  )
}

const Word = /^[A-Za-z]+(?:['’-][A-Za-z]+)*$/

/** Whether a literal's text holds three English words in a row. */
export function hasWording(text: string): boolean {
  const spaced = text
    .replace(/\\s[+*]?| \+/g, ' ')
    .replace(/\\n/g, '\n')
    .replace(/\$\{[^}]*\}/g, ' \uFFFF ')
  let run = 0
  for (const raw of spaced.split(/\s+/)) {
    if (/^[(\\]*[\d.,]+[):,.]*$/.test(raw) && /\d/.test(raw)) continue
    const token = raw.replace(/\\./g, m => (/[A-Za-z]/.test(m[1] as string) ? '\uFFFF' : '')).replace(/^[^A-Za-z\uFFFF]+|[^A-Za-z]+$/g, '')
    if (Word.test(token)) {
      if (++run >= 3) return true
    } else run = 0
  }
  return false
}

function literals(node: ts.Node): string[] {
  const out: string[] = []
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text)
    else if (ts.isRegularExpressionLiteral(n)) out.push(n.text.slice(1, n.text.lastIndexOf('/')))
    else if (ts.isTemplateExpression(n)) {
      out.push([n.head.text, ...n.templateSpans.map(s => s.literal.text)].join(' ${x} '))
      n.templateSpans.forEach(s => visit(s.expression))
      return
    }
    ts.forEachChild(n, visit)
  }
  visit(node)
  return out
}

function rootsAtExpect(call: ts.CallExpression): boolean {
  let e: ts.Expression = call.expression
  for (;;) {
    if (ts.isIdentifier(e)) return e.text === 'expect' || /^(expect|assert)[A-Z]/.test(e.text)
    if (ts.isPropertyAccessExpression(e)) e = e.expression
    else if (ts.isCallExpression(e)) e = e.expression
    else if (ts.isAwaitExpression(e)) e = e.expression
    else return false
  }
}

export interface Assertion {
  file: string
  line: number
  test: string
  wording: boolean
  text: string
}

export function assertions(file: string): Assertion[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: Assertion[] = []
  const visit = (n: ts.Node, test: string): void => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression
      if (ts.isIdentifier(callee) && (callee.text === 'it' || callee.text === 'test') && n.arguments[0]) {
        const title = literals(n.arguments[0])[0] ?? ''
        n.arguments.slice(1).forEach(a => visit(a, title))
        return
      }
      // A regular expression outside an assertion (a table of `it.each`, a loop's cases) is an expected value too.
      // The outermost call of a chain: its parent is not a further property access of the chain.
      const outer = !(ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n)
      if (outer && rootsAtExpect(n) && !ts.isFunctionDeclaration(n.parent)) {
        const wording = literals(n).some(hasWording)
        found.push({
          file: relative(Root, file),
          line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1,
          test,
          wording,
          text: n.getText().replace(/\s+/g, ' ').slice(0, 160)
        })
        return
      }
    }
    if (ts.isRegularExpressionLiteral(n) && hasWording(n.text.slice(1, n.text.lastIndexOf('/')))) {
      found.push({
        file: relative(Root, file),
        line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1,
        test,
        wording: true,
        text: `(expected value outside an assertion) ${n.getText()}`.slice(0, 160)
      })
    }
    ts.forEachChild(n, c => visit(c, test))
  }
  visit(source, '')
  return found
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const all = files(Tests)
    .filter(f => !f.endsWith('count-wording.ts'))
    .flatMap(assertions)
  const byFile = new Map<string, { total: number; wording: number }>()
  for (const a of all) {
    const c = byFile.get(a.file) ?? { total: 0, wording: 0 }
    c.total++
    if (a.wording) c.wording++
    byFile.set(a.file, c)
  }
  for (const [file, c] of [...byFile].sort()) console.log(`${String(c.total).padStart(4)} ${String(c.wording).padStart(4)}  ${file}`)
  console.log(`${String(all.length).padStart(4)} ${String(all.filter(a => a.wording).length).padStart(4)}  total (assertions, wording)`)
  if (process.argv.includes('--list'))
    for (const a of all.filter(a => a.wording)) console.log(`${a.file}:${a.line} [${a.test.slice(0, 50)}] ${a.text}`)
}
