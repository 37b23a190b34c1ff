// `npm run test:live`: the live suite (live.e2e.test.ts) against the organization in TFE_HOSTNAME,
// TFE_ORGANIZATION and TFE_TOKEN, and nothing else. Without them, one line saying so, and exit 0.
// Plain JavaScript, so that the skip line comes first even on a Node that runs no TypeScript.
/* global process, URL */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { nodeProblem } from '../../scripts/check-node.mjs'

// The same names as LiveVariables in target.ts, which the tests read.
const Variables = ['TFE_HOSTNAME', 'TFE_ORGANIZATION', 'TFE_TOKEN']
const root = fileURLToPath(new URL('../..', import.meta.url))

const missing = Variables.filter(name => !process.env[name]?.trim())
if (missing.length) {
  const names = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`
  process.stdout.write(
    `test:live skipped: ${names} ${missing.length === 1 ? 'is' : 'are'} not set (the sandbox organization to run against; README "Running the live suite").\n`
  )
  process.exit(0)
}

const problem = nodeProblem(process.version, process.execPath)
if (problem) {
  process.stderr.write(`${problem}\n`)
  process.exit(1)
}

const run = (command, args, env = process.env) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1

// The tests run the bundle: build it from these sources first, as `npm test` does (unless another build is under test).
if (!process.env.ACTION_DIST_ENTRY) {
  const built = run('npm', ['run', 'build', '--silent'])
  if (built !== 0) process.exit(built)
}

process.stdout.write(
  `Live suite against ${process.env.TFE_HOSTNAME.trim()}, organization ${process.env.TFE_ORGANIZATION.trim()}: ` +
    'it makes workspaces named twr-live-<minute>-<random>-… and deletes them when it ends.\n'
)
const jest = fileURLToPath(new URL('../../node_modules/jest/bin/jest.js', import.meta.url))
process.exit(
  run(process.execPath, ['--experimental-vm-modules', jest, '--runInBand', '__tests__/live/live.e2e.test.ts', ...process.argv.slice(2)], {
    ...process.env,
    TFE_LIVE_SUITE: '1'
  })
)
