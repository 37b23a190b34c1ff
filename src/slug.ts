/**
 * Packs a directory the way HCP Terraform expects a configuration version: a gzipped tar of the
 * files `.terraformignore` (or the defaults) keeps, modes kept, symlinks kept as symlinks when
 * they point inside the directory and refused when they point outside it (go-slug refuses them
 * too). Streamed from disk to disk: the archive is never held in memory.
 */
import { createReadStream, createWriteStream, lstatSync, readFileSync, readlinkSync, type Dirent } from 'node:fs'
import { lstat, opendir, readlink, realpath } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { Header, Pax } from 'tar'
import { IgnoreRules } from './terraformignore.js'

export class SlugError extends Error {
  override name = 'SlugError'
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
    // The directory entry's type is enough: no stat per file (10,000 files cost 10,000 of them).
    const found: Dirent[] = []
    for await (const d of await opendir(dir)) found.push(d)
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const stat of found) {
      const rel = `${prefix}${stat.name}`
      const path = join(dir, stat.name)
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

/** Files up to this size are read whole; bigger ones are streamed in chunks. */
const WholeReadBytes = 1024 * 1024
const Block = 512

function padding(size: number): Buffer {
  const rest = size % Block
  return Buffer.alloc(rest ? Block - rest : 0)
}

interface Prepared {
  headers: Buffer[]
  body: Buffer | string | undefined
  size: number
}

/**
 * The tar header(s) of one entry, node-tar encoding them (a PAX header first for long names), and
 * its body. Synchronous on purpose: a checkout is mostly small files, and the promise round trips
 * of stat, open, read and close per file cost several times the reading itself; gzip still runs
 * on the thread pool meanwhile, and the event loop turns between files.
 */
function prepare(root: string, entry: string): Prepared {
  const path = join(root, entry)
  const st = lstatSync(path)
  const isDir = entry.endsWith('/')
  const type = isDir ? 'Directory' : st.isSymbolicLink() ? 'SymbolicLink' : 'File'
  const linkpath = type === 'SymbolicLink' ? readlinkSync(path) : undefined
  const size = type === 'File' ? st.size : 0
  // Directories without mtime, files and links with theirs, no owner: as node-tar's `portable`.
  const mtime = isDir ? undefined : st.mtime
  const header = new Header({ path: entry, linkpath, mode: st.mode & 0o7777, size, mtime, type })
  const headers: Buffer[] = []
  if (header.encode()) headers.push(new Pax({ path: entry, linkpath, mtime }).encode())
  headers.push(header.block as Buffer)
  const body = type !== 'File' || size === 0 ? undefined : size <= WholeReadBytes ? readFileSync(path) : path
  return { headers, body, size }
}

/** The archive as a stream of blocks: headers and bodies in entry order. */
async function* tarBlocks(root: string, entries: string[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    const item = prepare(root, entry)
    yield* item.headers
    if (typeof item.body === 'string') {
      let read = 0
      for await (const chunk of createReadStream(item.body)) {
        read += (chunk as Buffer).length
        yield chunk as Buffer
      }
      if (read !== item.size) throw new SlugError(`'${item.body}' changed while it was being packed; run the step again.`)
    } else if (item.body) {
      yield item.body
    }
    if (item.size) yield padding(item.size)
  }
  yield Buffer.alloc(Block * 2)
}

/**
 * Writes the archive of `entries` (from listEntries) under `root` to `file`, streamed; returns its
 * size. node-tar encodes the headers; the files are read in turn and the blocks gathered
 * for Node's gzip stream, which compresses on the thread pool in parallel with the reading (as
 * `tar czf` runs gzip in a process of its own). node-tar's own packer costs a stat, an open and a
 * stream per file on the main thread, several times slower on a checkout of 10,000 small files.
 */
export async function packEntries(root: string, entries: string[], file: string): Promise<number> {
  await pipeline(Readable.from(tarBlocks(root, entries)), coalesce(256 * 1024), createGzip({ level: 6 }), createWriteStream(file))
  return (await lstat(file)).size
}

/** Gathers a stream of small chunks (headers, small files) into blocks of about `size` bytes for gzip. */
function coalesce(size: number): Transform {
  let parts: Buffer[] = []
  let length = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk)
      length += chunk.length
      if (length < size) {
        done()
        return
      }
      const block = Buffer.concat(parts, length)
      parts = []
      length = 0
      done(null, block)
    },
    flush(done) {
      done(null, length ? Buffer.concat(parts, length) : undefined)
    }
  })
}
