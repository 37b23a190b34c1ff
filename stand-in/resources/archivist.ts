/**
 * The log host (the archivist), read with no token as signed URLs are: logs, state downloads, a
 * plan's JSON, and archive uploads. It tallies what tests check; what it serves is the engine's.
 */
import type http from 'node:http'
import { readArchive } from '../engine/configuration-versions.ts'
import type { RunEngine } from '../engine/engine.ts'
import { match } from '../router.ts'

/** What the log host tallies, kept on the stand-in where tests read (and set) it. */
export interface LogHostTally {
  /** Requests that reached the log host carrying an Authorization header. */
  tokenLeaks: number
  /** Reads of the log host: performance.now() of each. */
  readonly archivistReads: number[]
  /** Archive uploads as they arrived: the version, and whether it was taken (503s from failUploads are not). */
  readonly uploads: { configurationVersionId: string; bytes: number; accepted: boolean }[]
  /** The next N uploads answer 503, as a storage hiccup would. */
  failUploads: number
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' })
  res.end(body)
}

/** PUT of a configuration archive to a version's one-time upload URL. */
export async function receiveUpload(
  engine: RunEngine,
  tally: LogHostTally,
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  if (req.headers.authorization) tally.tokenLeaks++
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const body = Buffer.concat(chunks)
  const token = (req.url ?? '').match(/^\/v1\/upload\/([a-f0-9]+)$/)?.[1]
  const cv = [...engine.configurationVersions.values()].find(v => v.uploadToken === token && v.status === 'pending')
  if (!cv) return text(res, 404, 'not found')
  if (tally.failUploads > 0) {
    tally.failUploads--
    tally.uploads.push({ configurationVersionId: cv.id, bytes: body.length, accepted: false })
    return text(res, 503, 'storage unavailable')
  }
  tally.uploads.push({ configurationVersionId: cv.id, bytes: body.length, accepted: true })
  // The service stores the bytes and reads them: an archive it cannot read errors the version.
  try {
    const { entries, files } = await readArchive(body)
    cv.entries = entries
    cv.files = files
    cv.archive = body
    cv.status = 'uploaded'
  } catch (err) {
    cv.errorMessage = `The configuration archive could not be read: ${(err as Error).message}.`
    cv.status = 'errored'
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end()
}

/** A read of the log host: a state download, a plan's JSON, or a slice of a log. */
export function serveRead(engine: RunEngine, tally: LogHostTally, req: http.IncomingMessage, res: http.ServerResponse): void {
  tally.archivistReads.push(performance.now())
  if (req.headers.authorization) tally.tokenLeaks++
  const url = new URL(req.url ?? '/', 'http://archivist')
  const download = match('/v1/:form(state|state-json)/:token', url.pathname)
  const sv = download && /^[a-f0-9]+$/.test(download.token) ? engine.stateVersions.byToken(download.token) : undefined
  if (download && sv) {
    const body = download.form === 'state' ? engine.stateVersions.rawState(sv) : engine.stateVersions.jsonState(sv)
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) })
    res.end(body)
    return
  }
  const planId = url.pathname.match(/^\/v1\/json\/(plan-\w+)$/)?.[1]
  if (planId) {
    const run = [...engine.runs.values()].find(r => r.plan.id === planId)
    if (!run) return text(res, 404, 'not found')
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(engine.jsonPlan(run)))
    return
  }
  const id = url.pathname.match(/^\/v1\/object\/([a-f0-9]+)$/)?.[1]
  const run = id ? [...engine.runs.values()].find(r => r.plan.logId === id || r.apply.logId === id) : undefined
  if (!id || !run) return text(res, 404, 'not found')
  if (engine.mustWorkspace(run.workspaceId).spec.logForbidden) return text(res, 403, 'forbidden')
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0)
  const limit = Math.min(1 << 20, Math.max(1, Number(url.searchParams.get('limit') ?? 65536) || 65536))
  const chunk = engine.archivist.read(id, offset, limit) ?? Buffer.alloc(0)
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(chunk.length) })
  res.end(chunk)
}
