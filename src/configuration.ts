/**
 * Uploads the checkout as a configuration version, so the run plans the code under review:
 * create the version (auto-queue-runs off, speculative for a plan-only run, provisional for a
 * saved plan), PUT the archive to its upload URL, wait until it is `uploaded`. The upload URL is
 * a secret that the service hands out once, on another origin: it is masked, never printed, never
 * sent the token. A lost answer to the create means creating another version: a run is never
 * queued on a version the step did not see.
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { Inputs } from './constants.js'
import { ApiError, RunFailedError, errorMessage, isTransient } from './errors.js'
import { signedUrlClient, type Document, type TfeClient } from './api-client.js'
import type { Settings } from './inputs.js'
import type { Workspace } from './tfe.js'
import { PollSchedule, type PollScheduleOptions } from './poll-schedule.js'
import { SlugError, listEntries, packEntries } from './slug.js'
import { formatDuration, sleep, withDeadline } from './timing.js'
import { log } from './log.js'

/**
 * The step's own bound on an archive. A configuration this big is nearly always a mistake (provider
 * binaries, build artifacts), and the service limits uploads too; failing before the upload says why.
 */
export const MaxArchiveBytes = 500 * 1024 * 1024
const MaxCreateTries = 3
const MaxUploadTries = 4

export interface ConfigurationVersion {
  id: string
  status: string
  uploadUrl: string
  errorMessage: string | undefined
}

function toConfigurationVersion(doc: Document): ConfigurationVersion {
  const a = doc.data.attributes as Record<string, unknown>
  return {
    id: doc.data.id,
    status: String(a.status ?? ''),
    uploadUrl: typeof a['upload-url'] === 'string' ? a['upload-url'] : '',
    errorMessage: typeof a['error-message'] === 'string' && a['error-message'] ? a['error-message'] : undefined
  }
}

/**
 * The directory to pack. A workspace with a working directory runs Terraform there, inside the
 * archive: the archive must hold the repository root that contains it.
 */
export async function resolveSlugRoot(settings: Settings, ws: Workspace): Promise<{ root: string; configDir: string }> {
  const base = process.env.GITHUB_WORKSPACE || process.cwd()
  const given = resolve(base, settings.directory)
  const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() ?? false
  if (!(await isDir(given))) {
    throw new RunFailedError(
      `Input '${Inputs.Directory}': '${settings.directory}' (${given}) is not a directory. Check out the repository first (actions/checkout), and give a path relative to it.`
    )
  }
  const wd = (ws.workingDirectory ?? '').replace(/^\/+|\/+$/g, '')
  if (!wd) return { root: given, configDir: given }
  if (await isDir(join(given, wd))) return { root: given, configDir: join(given, wd) }
  const suffix = `${sep}${wd.split('/').join(sep)}`
  if (given.endsWith(suffix)) return { root: given.slice(0, -suffix.length) || sep, configDir: given }
  throw new RunFailedError(
    `Workspace '${ws.organization}/${ws.name}' runs Terraform in its working directory '${wd}', so the archive must hold the repository root that contains it, but '${settings.directory}' has no '${wd}' and is not that directory. Give input '${Inputs.Directory}' the repository root (or '${wd}' itself), or change the workspace's working directory.`
  )
}

async function createVersion(client: TfeClient, ws: Workspace, settings: Settings, signal: AbortSignal): Promise<ConfigurationVersion> {
  const body = {
    data: {
      type: 'configuration-versions',
      attributes: {
        'auto-queue-runs': false,
        speculative: settings.operation === 'plan',
        ...(settings.savePlan ? { provisional: true } : {})
      }
    }
  }
  for (let tries = 1; ; tries++) {
    try {
      signal.throwIfAborted()
      const { body: doc } = await client.request<Document>(
        'POST',
        `/api/v2/workspaces/${encodeURIComponent(ws.id)}/configuration-versions`,
        {
          idempotent: false,
          body,
          signal
        }
      )
      return toConfigurationVersion(doc)
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        const permission = settings.operation === 'plan' ? 'queue plans' : 'queue applies'
        throw new RunFailedError(
          `${client.host} refused to create a configuration version on workspace '${ws.organization}/${ws.name}' (${err.status}). The token's user or team needs the '${permission}' permission there (it covers uploading configuration); organization tokens cannot upload.`
        )
      }
      // An unanswered create may have made a version whose upload URL the step never saw:
      // that version stays unused (nothing is queued on it), and another one is made.
      if (!isTransient(err) || tries >= MaxCreateTries) throw err
      log.warning(`Creating the configuration version got no clear answer (${errorMessage(err)}); creating another one.`)
      await sleep(1000 * tries, signal)
    }
  }
}

async function upload(file: string, bytes: number, url: string, signal: AbortSignal): Promise<void> {
  // Bounded by size: at least two minutes, or 256 KiB/s, whichever is longer.
  const boundMs = Math.max(120_000, (bytes / (256 * 1024)) * 1000)
  for (let tries = 1; ; tries++) {
    // No Authorization header: the URL is signed, and it is another origin.
    const http = signedUrlClient(60_000)
    let failure: string
    let transient = true
    try {
      const put = http.sendStream('PUT', url, createReadStream(file), {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(bytes)
      })
      const answer = await Promise.race([
        withDeadline(put, boundMs, `the upload stalled: not done within ${formatDuration(boundMs)}`),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))
      ])
      const status = answer.message.statusCode ?? 0
      await answer.readBody()
      if (status >= 200 && status < 300) return
      failure = `the upload answered ${status}`
      transient = status >= 500 || status === 429
    } catch (err) {
      if (signal.aborted) throw err
      failure = errorMessage(err)
    } finally {
      http.dispose()
    }
    if (!transient || tries >= MaxUploadTries) {
      throw new RunFailedError(`Uploading the configuration failed (${failure}) after ${tries} ${tries === 1 ? 'try' : 'tries'}.`)
    }
    log.warning(`Uploading the configuration failed (${failure}); trying again (try ${tries + 1} of ${MaxUploadTries}).`)
    await sleep(1000 * 2 ** (tries - 1), signal)
  }
}

/** Packs and uploads `directory`; returns the version, uploaded. */
export async function uploadConfiguration(
  client: TfeClient,
  ws: Workspace,
  settings: Settings,
  signal: AbortSignal,
  pollSchedule: PollScheduleOptions,
  boundMs = 120_000
): Promise<ConfigurationVersion> {
  const { root, configDir } = await resolveSlugRoot(settings, ws)
  let entries: string[]
  let files: number
  try {
    ;({ entries, files } = await listEntries(root))
  } catch (err) {
    if (err instanceof SlugError) throw new RunFailedError(`Input '${Inputs.Directory}': ${err.message}`)
    throw err
  }
  const configPrefix =
    configDir === root
      ? ''
      : `${configDir
          .slice(root.length + 1)
          .split(sep)
          .join('/')}/`
  if (!entries.some(e => e.startsWith(configPrefix) && !e.slice(configPrefix.length).includes('/') && /\.tf(\.json)?$/.test(e))) {
    throw new RunFailedError(
      `Input '${Inputs.Directory}': '${configDir}' holds no .tf or .tf.json file, so there is nothing for Terraform to plan. Check the path (and that the checkout step ran).`
    )
  }
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'tfe-slug-'))
  const file = join(dir, 'configuration.tar.gz')
  // The version is created while the archive is packed: one round trip less. Should packing fail,
  // the version stays unused; nothing is ever queued on it.
  const creating = createVersion(client, ws, settings, signal)
  creating.catch(() => undefined)
  try {
    const packed = { files, bytes: await packEntries(root, entries, file) }
    if (packed.bytes > MaxArchiveBytes) {
      throw new RunFailedError(
        `The configuration archive of '${settings.directory}' is ${(packed.bytes / 2 ** 20).toFixed(0)} MiB, more than the ${MaxArchiveBytes / 2 ** 20} MiB this step uploads. Leave large files (providers, build artifacts) out with a .terraformignore.`
      )
    }
    log.info(`Packed ${packed.files} files from ${root} (${(packed.bytes / 1024).toFixed(0)} KiB).`)
    const version = await creating
    log.mask(version.uploadUrl)
    if (!version.uploadUrl) throw new RunFailedError(`Configuration version ${version.id} came without an upload URL; create it again.`)
    signal.throwIfAborted()
    await upload(file, packed.bytes, version.uploadUrl, signal)
    // Processing the archive is the service's: wait for `uploaded` (or its error).
    // The first look right away: a small archive is usually processed by then.
    const schedule = new PollSchedule({ ...pollSchedule, firstMs: Math.min(pollSchedule.firstMs, 250) })
    const started = Date.now()
    let current = toConfigurationVersion(
      await client.get<Document>(`/api/v2/configuration-versions/${encodeURIComponent(version.id)}`, signal)
    )
    while (current.status !== 'uploaded') {
      if (current.status === 'errored') {
        throw new RunFailedError(`Configuration version ${current.id} errored: ${current.errorMessage ?? 'no reason given'}.`)
      }
      if (Date.now() - started > boundMs) {
        throw new RunFailedError(`Configuration version ${current.id} was still '${current.status}' after ${formatDuration(boundMs)}.`)
      }
      await sleep(schedule.next(current.status), signal)
      current = toConfigurationVersion(
        await client.get<Document>(`/api/v2/configuration-versions/${encodeURIComponent(current.id)}`, signal)
      )
    }
    log.info(`Uploaded configuration version ${current.id}.`)
    return current
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
