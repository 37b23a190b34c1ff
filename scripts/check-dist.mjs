// Fails when dist/ differs from what the sources build to (run after `npm run build`).
import { execFileSync } from 'node:child_process'

const changed = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { encoding: 'utf8' }).trim()
if (changed) {
  process.stderr.write(
    `dist/ is stale or uncommitted; the action runs dist/, not src/.\n${changed}\nRun \`npm run build\` and commit dist/.\n`
  )
  process.exit(1)
}
process.stdout.write('dist/ matches the sources.\n')
