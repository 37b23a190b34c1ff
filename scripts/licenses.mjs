// Writes dist/licenses.txt: the license of every package the bundle may contain (the production
// dependency tree). ncc's --license output misses packages that webpack reaches through ESM
// re-exports and lazy chunks, so the list is taken from npm's own view of the tree instead.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const tree = JSON.parse(
  execFileSync('npm', ['ls', '--omit=dev', '--all', '--json', '--long'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
)
const seen = new Map()
;(function walk(deps = {}) {
  for (const [name, info] of Object.entries(deps)) {
    if (!info.path || seen.has(`${name}@${info.version}`)) continue
    seen.set(`${name}@${info.version}`, { name, version: info.version, path: realpathSync(info.path), license: info.license })
    walk(info.dependencies)
  }
})(tree.dependencies)

const sections = [...seen.values()]
  .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
  .map(({ name, version, path, license }) => {
    const file = existsSync(path) ? readdirSync(path).find(f => /^(licen[sc]e|copying)/i.test(f)) : undefined
    const text = file ? readFileSync(join(path, file), 'utf8').trim() : `${license ?? 'UNKNOWN'} (no license file in the package)`
    return `${name}@${version}\n${license ?? ''}\n${text}`
  })
writeFileSync('dist/licenses.txt', `${sections.join('\n\n')}\n`)
process.stdout.write(`dist/licenses.txt: ${sections.length} packages\n`)
