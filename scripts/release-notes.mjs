// `node scripts/release-notes.mjs [X.Y.Z]`: prints a version's CHANGELOG.md entry (the top one by
// default) without its heading, as the body of its GitHub release.
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// "## 1.0.0 — 2026-12-02": the dash may be an em or en dash or a hyphen, as people type them.
const Heading = /^## (\S+)(?:[ \t]+[—–-][ \t]+(.*?))?[ \t]*$/

/** The CHANGELOG's entries, newest first, each with its heading's version and date text. */
export function changelogEntries(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const entries = []
  for (const line of lines) {
    const m = Heading.exec(line)
    if (m) entries.push({ version: m[1], date: m[2] ?? '', lines: [] })
    else entries.at(-1)?.lines.push(line)
  }
  return entries.map(({ version, date, lines: body }) => ({ version, date, notes: body.join('\n').trim() }))
}

/** The notes of `version` (the top entry when omitted); throws when there is no such entry. */
export function releaseNotes(text, version) {
  const entries = changelogEntries(text)
  const entry = version === undefined ? entries[0] : entries.find(e => e.version === version)
  if (!entry) throw new Error(version === undefined ? 'CHANGELOG.md has no "## X.Y.Z" entry' : `CHANGELOG.md has no entry for ${version}`)
  if (!entry.notes) throw new Error(`CHANGELOG.md's entry for ${entry.version} is empty`)
  return entry.notes
}

// Run as a script, not imported by a test: argv[1] may be relative or reach the file by a symlink.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : ''
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  try {
    process.stdout.write(`${releaseNotes(readFileSync('CHANGELOG.md', 'utf8'), process.argv[2])}\n`)
  } catch (err) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}
