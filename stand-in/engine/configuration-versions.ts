/**
 * The engine's configuration versions: pending until their archive is uploaded, then `uploaded` (or
 * `errored`), with the archive's files kept so a plan can read its `resource` and `output` blocks.
 * Not their HTTP side (resources/configuration-versions.ts, resources/archivist.ts).
 */
import { randomBytes } from 'node:crypto'
import { Parser, type ReadEntry } from 'tar'

export interface StandInConfigurationVersion {
  id: string
  workspaceId: string
  status: 'pending' | 'uploaded' | 'errored'
  speculative: boolean
  provisional: boolean
  autoQueueRuns: boolean
  uploadToken: string
  errorMessage: string | null
  /** Path → content of every regular file in the uploaded archive. */
  files: Map<string, string>
  /** Every path in the archive (directories end with /). */
  entries: string[]
  /** A provisional version becomes the workspace's current configuration once a run on it applied. */
  promoted: boolean
  /** The archive as uploaded (GET …/download). */
  archive?: Buffer
  /** A version HCP Terraform ingressed from VCS: the commit it holds (its ingress attributes). */
  ingress?: { id: string; commitSha: string; branch: string; identifier: string }
}

export function newConfigurationVersion(id: string, workspaceId: string, a: Record<string, unknown>): StandInConfigurationVersion {
  return {
    id,
    workspaceId,
    status: 'pending',
    speculative: a.speculative === true,
    provisional: a.provisional === true,
    autoQueueRuns: a['auto-queue-runs'] !== false,
    uploadToken: randomBytes(16).toString('hex'),
    errorMessage: null,
    files: new Map(),
    entries: [],
    promoted: false
  }
}

/** Reads a gzipped tar from memory; rejects when it is not one. */
export async function readArchive(body: Buffer): Promise<{ entries: string[]; files: Map<string, string> }> {
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) throw new Error('the archive is not gzip-compressed')
  const entries: string[] = []
  const files = new Map<string, string>()
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries.push(entry.path)
        if (entry.type !== 'File') {
          entry.resume()
          return
        }
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => files.set(entry.path, Buffer.concat(chunks).toString('utf8')))
      }
    })
    parser.on('error', reject)
    parser.on('end', () => resolve())
    parser.end(body)
  })
  if (!entries.length) throw new Error('the archive holds no file')
  return { entries, files }
}

/** The addresses of the `resource` blocks of the `.tf` files directly in `dir` (a path prefix). */
export function resourceAddresses(files: Map<string, string>, dir = ''): string[] {
  const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : ''
  const addresses: string[] = []
  for (const [path, text] of files) {
    if (!path.startsWith(prefix) || path.slice(prefix.length).includes('/') || !path.endsWith('.tf')) continue
    for (const m of text.matchAll(/^\s*resource\s+"([^"]+)"\s+"([^"]+)"/gm)) addresses.push(`${m[1]}.${m[2]}`)
  }
  return addresses.sort()
}

/**
 * The `output` blocks of the `.tf` files directly in `dir`: a literal string, number, bool or null
 * value is taken as it is; any other expression, which only Terraform could work out, gets a
 * placeholder string.
 */
export function declaredOutputs(files: Map<string, string>, dir = ''): Record<string, { value: unknown; sensitive: boolean }> {
  const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : ''
  const outputs: Record<string, { value: unknown; sensitive: boolean }> = {}
  for (const [path, text] of files) {
    if (!path.startsWith(prefix) || path.slice(prefix.length).includes('/') || !path.endsWith('.tf')) continue
    for (const m of text.matchAll(/^\s*output\s+"(?<name>[^"]+)"\s*\{/gm)) {
      // The group is not optional: a match always has its name.
      const name = m.groups?.name ?? ''
      const body = blockBody(text, (m.index ?? 0) + m[0].length)
      const value = body.match(/^\s*value\s*=\s*(.*?)\s*$/m)?.[1]
      outputs[name] = {
        value: value === undefined ? null : literal(value),
        sensitive: /^\s*sensitive\s*=\s*true\s*$/m.test(body)
      }
    }
  }
  return outputs
}

/** The text of a block from just after its `{` to its matching `}`; braces inside strings do not count. */
function blockBody(text: string, start: number): string {
  let depth = 1
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return text.slice(start, i)
  }
  return text.slice(start)
}

function literal(expression: string): unknown {
  if (/^"(?:[^"\\$]|\\.|\$(?!\{))*"$/.test(expression)) {
    try {
      const text: unknown = JSON.parse(expression)
      return text
    } catch {
      return expression.slice(1, -1)
    }
  }
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(expression)) return Number(expression)
  if (expression === 'true' || expression === 'false') return expression === 'true'
  if (expression === 'null') return null
  return '<computed>'
}
