// First step of `npm test`: stops at once, with one line, when the Node running the scripts is not
// the major the action runs on (action.yml `using: node24`), instead of failing confusingly later.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// The tests must run on what the runner runs the action on; __tests__/release.test.ts keeps this
// equal to action.yml's `using:` and to the devDependency "node".
export const RequiredMajor = 24

/**
 * The problem with running on `version` (a `process.version` such as "v20.20.2"), as one line,
 * or null when it is the required major. Kept free of process state so it can be tested.
 */
export function nodeProblem(version, execPath = '', required = RequiredMajor) {
  const major = Number(/^v?(\d+)\./.exec(String(version))?.[1])
  if (major === required) return null
  const where = execPath ? ` (${execPath})` : ''
  return (
    `Node ${required} is needed, but this is Node ${version}${where}. ` +
    `Run \`npm ci\`: its devDependency "node" puts Node ${required} in node_modules/.bin, first on PATH in npm scripts; ` +
    `or put Node ${required} first on PATH yourself (e.g. \`nvm use ${required}\`).`
  )
}

// Run as a script, not imported by a test: argv[1] may be relative or reach the file by a symlink.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : ''
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  const problem = nodeProblem(process.version, process.execPath)
  if (problem) {
    process.stderr.write(`${problem}\n`)
    process.exit(1)
  }
}
