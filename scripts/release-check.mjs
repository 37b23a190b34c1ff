// `node scripts/release-check.mjs X.Y.Z`: the release workflow's first gate; fails unless X.Y.Z is a
// plain semver version that package.json and CHANGELOG.md's top entry (dated) both give.
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { changelogEntries } from './release-notes.mjs'

// No pre-releases or build metadata: every release moves the major tag, which users run.
const Semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/
const IsoDate = /^\d{4}-\d{2}-\d{2}$/

/** True for a real calendar day written YYYY-MM-DD (not "2026-02-30", not "unreleased"). */
export function isIsoDate(text) {
  return IsoDate.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text)
}

/** Why `version` cannot be released from this package.json version and CHANGELOG text; empty when it can. */
export function releaseProblems(version, packageVersion, changelog) {
  if (!Semver.test(version)) return [`"${version}" is not a version X.Y.Z (digits, no "v", no pre-release)`]
  const problems = []
  if (packageVersion !== version) problems.push(`package.json's version is ${packageVersion}, not ${version}`)
  const top = changelogEntries(changelog)[0]
  if (!top) problems.push('CHANGELOG.md has no "## X.Y.Z — YYYY-MM-DD" entry')
  else {
    if (top.version !== version) problems.push(`CHANGELOG.md's top entry is ${top.version}, not ${version}`)
    if (!isIsoDate(top.date)) problems.push(`CHANGELOG.md's top entry is dated "${top.date}", not YYYY-MM-DD`)
    if (!top.notes) problems.push("CHANGELOG.md's top entry is empty")
  }
  return problems
}

// Run as a script, not imported by a test: argv[1] may be relative or reach the file by a symlink.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : ''
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  const version = process.argv[2] ?? ''
  const { version: packageVersion } = JSON.parse(readFileSync('package.json', 'utf8'))
  const problems = releaseProblems(version, packageVersion, readFileSync('CHANGELOG.md', 'utf8'))
  for (const p of problems) process.stderr.write(`${p}\n`)
  if (problems.length > 0) process.exit(1)
  process.stdout.write(`${version} is ready: package.json and CHANGELOG.md agree.\n`)
}
