/**
 * Packs a directory the way HCP Terraform expects a configuration version: a gzipped tar of the
 * files `.terraformignore` (or the defaults) keeps, modes kept, symlinks kept as symlinks when
 * they point inside the directory and refused when they point outside it (go-slug refuses them
 * too). Streamed from disk to disk: the archive is never held in memory.
 */
import { lstat, opendir, readlink, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { create } from 'tar'
import { IgnoreRules } from './terraformignore.js'

export class SlugError extends Error {
  override name = 'SlugError'
}

export interface PackResult {
  /** Paths in the archive, relative to the root, `/`-separated (directories end with `/`). */
  entries: string[]
  files: number
  bytes: number
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/** The entries to pack under `root`, in walk order, after the ignore rules. */
export async function listEntries(root: string): Promise<{ entries: string[]; files: number }> {
  const rules = await IgnoreRules.load(root)
  const realRoot = await realpath(root)
  const entries: string[] = []
  let files = 0
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names: string[] = []
    for await (const d of await opendir(dir)) names.push(d.name)
    names.sort()
    for (const name of names) {
      const rel = `${prefix}${name}`
      const path = join(dir, name)
      const stat = await lstat(path)
      // As go-slug walks: an excluded entry is left out, but an excluded directory is still walked
      // (a later negation may keep something in it) unless its `dir/` rule dominates.
      if (rules.excludes(rel).excluded) {
        if (stat.isDirectory()) await walk(path, `${rel}/`)
        continue
      }
      if (stat.isDirectory()) {
        const asDir = rules.excludes(`${rel}/`)
        if (asDir.excluded && asDir.dominating) continue
        if (!asDir.excluded) entries.push(`${rel}/`)
        await walk(path, `${rel}/`)
      } else if (stat.isFile()) {
        entries.push(rel)
        files++
      } else if (stat.isSymbolicLink()) {
        const target = await readlink(path)
        const absolute = resolve(dirname(path), target)
        let real = absolute
        try {
          real = await realpath(absolute)
        } catch {
          // A dangling link: judged by where it points.
        }
        if (!inside(realRoot, real) && !inside(resolve(root), absolute)) {
          throw new SlugError(
            `'${rel}' is a symlink to '${target}', outside the directory; HCP Terraform refuses such archives. Copy the file into the directory, or point the link inside it.`
          )
        }
        entries.push(rel)
        files++
      }
      // Sockets, FIFOs and devices have no place in a configuration: left out, as go-slug does.
    }
  }
  await walk(root, '')
  return { entries, files }
}

/** Writes `root`'s archive to `file` (streamed); returns what went in. */
export async function packDirectory(root: string, file: string): Promise<PackResult> {
  const { entries, files } = await listEntries(root)
  await create({ gzip: true, cwd: root, file, portable: true, noDirRecurse: true }, entries.length ? entries : [])
  const { size } = await lstat(file)
  return { entries, files, bytes: size }
}
