// Writes dist/licenses.txt: the license of every production package in package-lock.json, i.e.
// everything the bundle may contain. ncc's --license output misses packages that webpack reaches
// through ESM re-exports and lazy chunks; the lockfile is the same on every machine.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))
const sections = []
for (const [path, pkg] of Object.entries(lock.packages)) {
  if (!path.startsWith('node_modules/') || pkg.dev || pkg.devOptional) continue
  const dir = pkg.link ? pkg.resolved : path
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const file = existsSync(dir) ? readdirSync(dir).find(f => /^(licen[sc]e|copying)/i.test(f)) : undefined
  const license = pkg.license ?? manifest.license ?? 'UNKNOWN'
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `${license} (the package ships no license file)`
  sections.push({ id: `${manifest.name}@${manifest.version}`, body: `${manifest.name}@${manifest.version}\n${license}\n${text}` })
}
const unique = [...new Map(sections.map(s => [s.id, s])).values()].sort((a, b) => a.id.localeCompare(b.id))
writeFileSync('dist/licenses.txt', `${unique.map(s => s.body).join('\n\n')}\n`)
process.stdout.write(`dist/licenses.txt: ${unique.length} packages\n`)
