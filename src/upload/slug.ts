/**
 * Packs a directory the way HCP Terraform expects a configuration version: a gzipped tar of the
 * files `.terraformignore` (or the defaults) keeps, modes kept, symlinks kept as symlinks when
 * they point inside the directory and refused when they point outside it (go-slug refuses them
 * too). Streamed from disk to disk: the archive is never held in memory.
 */
import { createReadStream, createWriteStream, lstatSync, readFileSync, readlinkSync } from 'node:fs'
import { lstat, readdir, readlink, realpath } from 'node:fs/promises'
import { isUtf8 } from 'node:buffer'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { Header, Pax } from 'tar'
import { IgnoreRules, goString } from './terraformignore.js'

export class SlugError extends Error {
  override name = 'SlugError'
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/** A path whose bytes are not all UTF-8, readable in a message: each bad byte as `\xNN`. */
function printable(bytes: Buffer): string {
  let out = ''
  let run: number[] = []
  const flush = (): void => {
    if (run.length) out += goString(Buffer.from(run))
    run = []
  }
  for (let i = 0; i < bytes.length;) {
    // The longest valid UTF-8 sequence at i (1 to 4 bytes), else one bad byte.
    let len = 0
    for (let n = 1; n <= 4 && i + n <= bytes.length; n++) if (isUtf8(bytes.subarray(i, i + n))) len = n
    if (len) {
      run.push(...bytes.subarray(i, i + len))
      i += len
    } else {
      flush()
      out += `\\x${(bytes[i] ?? 0).toString(16).padStart(2, '0')}`
      i++
    }
  }
  flush()
  return out
}

/**
 * The entries to pack under `root`, in walk order, after the ignore rules. Names are read as bytes:
 * one that is not UTF-8 is matched as go-slug matches it, and refused when it is to be packed
 * (a string path of it would name another file, or none).
 */
export async function listEntries(root: string, signal?: AbortSignal): Promise<{ entries: string[]; files: number }> {
  const rules = await IgnoreRules.load(root)
  const realRoot = await realpath(root)
  const entries: string[] = []
  let files = 0
  const refuse = (rel: Buffer): never => {
    throw new SlugError(
      `the file name '${printable(rel)}' is not UTF-8, and HCP Terraform cannot be given it reliably. Rename it, or leave it out with .terraformignore.`
    )
  }
  const walk = async (dir: Buffer, prefix: Buffer): Promise<void> => {
    signal?.throwIfAborted()
    // The directory entry's type is enough: no stat per file (10,000 files cost 10,000 of them).
    const found = await readdir(dir, { withFileTypes: true, encoding: 'buffer' })
    // Byte order, as go-slug's walk.
    found.sort((a, b) => Buffer.compare(a.name, b.name))
    for (const stat of found) {
      const relBytes = Buffer.concat([prefix, stat.name])
      const pathBytes = Buffer.concat([dir, Buffer.from(sep), stat.name])
      const utf8 = isUtf8(relBytes)
      const rel = utf8 ? relBytes.toString('utf8') : goString(relBytes)
      const below = Buffer.concat([relBytes, Buffer.from('/')])
      // As go-slug walks: an excluded entry is left out, but an excluded directory is still walked
      // (a later negation may keep something in it) unless its `dir/` rule dominates.
      if (rules.excludes(rel).excluded) {
        if (stat.isDirectory()) await walk(pathBytes, below)
        continue
      }
      if (stat.isDirectory()) {
        const asDir = rules.excludes(`${rel}/`)
        if (asDir.excluded && asDir.dominating) continue
        if (!asDir.excluded) {
          if (!utf8) refuse(relBytes)
          entries.push(`${rel}/`)
        }
        await walk(pathBytes, below)
      } else if (stat.isFile()) {
        if (!utf8) refuse(relBytes)
        entries.push(rel)
        files++
      } else if (stat.isSymbolicLink()) {
        if (!utf8) refuse(relBytes)
        const path = pathBytes.toString('utf8')
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
  await walk(Buffer.from(root), Buffer.alloc(0))
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
  // encode() fills the block; it stays empty only if node-tar changed under us.
  if (!header.block) throw new Error(`internal: no tar header for '${entry}'`)
  headers.push(header.block)
  const body = type !== 'File' || size === 0 ? undefined : size <= WholeReadBytes ? readFileSync(path) : path
  return { headers, body, size }
}

/** The archive as a stream of blocks: headers and bodies in entry order. */
async function* tarBlocks(root: string, entries: string[], signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    signal?.throwIfAborted()
    const item = prepare(root, entry)
    yield* item.headers
    if (typeof item.body === 'string') {
      let read = 0
      for await (const chunk of createReadStream(item.body)) {
        // A stream opened without an encoding reads Buffers; the iterator is typed `any`.
        const block = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
        read += block.length
        yield block
      }
      if (read !== item.size) throw new SlugError(`'${item.body}' changed while it was being packed; run the step again.`)
    } else if (item.body) {
      yield item.body
    }
    if (item.size) yield padding(item.size)
  }
  yield Buffer.alloc(Block * 2)
}

/** The archive grew past the most the step uploads (counted as it is written). */
export class ArchiveTooLargeError extends Error {
  override name = 'ArchiveTooLargeError'
}

/**
 * Writes the archive of `entries` (from listEntries) under `root` to `file`, streamed; returns its
 * size. node-tar encodes the headers; the files are read in turn and the blocks gathered
 * for Node's gzip stream, which compresses on the thread pool in parallel with the reading (as
 * `tar czf` runs gzip in a process of its own). node-tar's own packer costs a stat, an open and a
 * stream per file on the main thread, several times slower on a checkout of 10,000 small files.
 *
 * `signal` destroys every stream of the pipeline at once (a 3 GiB file is many seconds of gzip);
 * packing stops as soon as the archive is bigger than `maxBytes`, not after compressing the rest.
 * The caller removes `file`.
 */
export async function packEntries(
  root: string,
  entries: string[],
  file: string,
  signal?: AbortSignal,
  maxBytes = Infinity
): Promise<number> {
  let written = 0
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length
      done(written > maxBytes ? new ArchiveTooLargeError(`the archive is larger than ${maxBytes} bytes`) : null, chunk)
    }
  })
  await pipeline(
    Readable.from(tarBlocks(root, entries, signal)),
    coalesce(256 * 1024),
    createGzip({ level: 6 }),
    cap,
    createWriteStream(file),
    signal ? { signal } : {}
  )
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
