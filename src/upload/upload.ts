/**
 * Uploads the checkout as a configuration version, so the run plans the code under review:
 * create the version (auto-queue-runs off, speculative for a plan-only run, provisional for a
 * saved plan), PUT the archive to its upload URL, wait until it is `uploaded`. The upload URL is
 * a secret that the service hands out once, on another origin: it is masked, never printed, never
 * sent the token. A lost answer to the create means creating another version: a run is never
 * queued on a version the step did not see.
 */
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { Inputs } from '../action/names.js'
import { ApiError, RunFailedError, abortReason, errorMessage, isTransient } from '../common/errors.js'
import type { TfeClient } from '../tfe/client.js'
import { createConfigurationVersion, getConfigurationVersion, type ConfigurationVersion } from '../tfe/configuration-versions.js'
import type { Settings } from '../action/inputs.js'
import type { Workspace } from '../tfe/workspaces.js'
import { PollSchedule, type PollScheduleOptions } from '../tfe/poll-schedule.js'
import { ArchiveTooLargeError, SlugError, listEntries, packEntries } from './slug.js'
import { IgnoreFileError } from './terraformignore.js'
import { putArchive } from './put.js'
import { formatDuration, sleep } from '../common/timing.js'
import { log } from '../common/job-log.js'

/**
 * The step's own bound on an archive. A configuration this big is nearly always a mistake (provider
 * binaries, build artifacts), and the service limits uploads too; failing before the upload says why.
 */
export const MaxArchiveBytes = 500 * 1024 * 1024
const MaxCreateTries = 3

function inside(base: string, path: string): boolean {
  const rel = relative(base, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/**
 * The directory to pack. A workspace with a working directory runs Terraform there, inside the
 * archive: the archive must hold the repository root that contains it. Whatever is packed lies
 * inside the checkout (GITHUB_WORKSPACE), judged on real paths: `..`, an absolute path or a
 * symlink must not send the runner's other files (credentials, other jobs' checkouts) to the service.
 */
export async function resolveSlugRoot(settings: Settings, ws: Workspace): Promise<{ root: string; configDir: string }> {
  const base = process.env.GITHUB_WORKSPACE || process.cwd()
  const asked = resolve(base, settings.directory)
  const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() ?? false
  if (!(await isDir(asked))) {
    throw new RunFailedError(
      `Input '${Inputs.Directory}': '${settings.directory}' (${asked}) is not a directory. Check out the repository first (actions/checkout), and give a path relative to it.`
    )
  }
  let checkout: string
  try {
    checkout = await realpath(base)
  } catch {
    throw new RunFailedError(
      `The checkout '${base}' (GITHUB_WORKSPACE) is not a directory, so input '${Inputs.Directory}' cannot be packed from it.`
    )
  }
  const given = await realpath(asked)
  const outside = (path: string): RunFailedError =>
    new RunFailedError(
      `Input '${Inputs.Directory}': '${settings.directory}' is ${path}, outside the checkout ${checkout} (GITHUB_WORKSPACE); the step uploads nothing from outside it. Give a directory of the repository, relative to its root.`
    )
  if (!inside(checkout, given)) throw outside(given)
  const wd = (ws.workingDirectory ?? '').replace(/^\/+|\/+$/g, '')
  if (!wd) return { root: given, configDir: given }
  if (await isDir(join(given, wd))) return { root: given, configDir: join(given, wd) }
  const suffix = `${sep}${wd.split('/').join(sep)}`
  if (given.endsWith(suffix)) {
    const root = given.slice(0, -suffix.length) || sep
    if (!inside(checkout, root)) {
      throw new RunFailedError(
        `Input '${Inputs.Directory}': workspace '${ws.organization}/${ws.name}' runs Terraform in its working directory '${wd}', so the archive would be ${root}, outside the checkout ${checkout} (GITHUB_WORKSPACE); the step uploads nothing from outside it. Give the repository root (or '${wd}' inside it), or change the workspace's working directory.`
      )
    }
    return { root, configDir: given }
  }
  throw new RunFailedError(
    `Workspace '${ws.organization}/${ws.name}' runs Terraform in its working directory '${wd}', so the archive must hold the repository root that contains it, but '${settings.directory}' has no '${wd}' and is not that directory. Give input '${Inputs.Directory}' the repository root (or '${wd}' itself), or change the workspace's working directory.`
  )
}

async function createVersion(client: TfeClient, ws: Workspace, settings: Settings, signal: AbortSignal): Promise<ConfigurationVersion> {
  const options = { speculative: settings.operation === 'plan', provisional: settings.savePlan }
  for (let tries = 1; ; tries++) {
    try {
      signal.throwIfAborted()
      return await createConfigurationVersion(client, ws.id, options, signal)
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
    ;({ entries, files } = await listEntries(root, signal))
  } catch (err) {
    if (err instanceof SlugError || err instanceof IgnoreFileError) throw new RunFailedError(`Input '${Inputs.Directory}': ${err.message}`)
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
    let bytes: number
    try {
      bytes = await packEntries(root, entries, file, signal, MaxArchiveBytes)
    } catch (err) {
      // The signal's own reason (timeout, cancel), not the pipeline's AbortError.
      if (signal.aborted) throw abortReason(signal)
      if (err instanceof ArchiveTooLargeError) {
        throw new RunFailedError(
          `The configuration archive of '${settings.directory}' is more than the ${MaxArchiveBytes / 2 ** 20} MiB this step uploads. Leave large files (providers, build artifacts) out with a .terraformignore.`
        )
      }
      if (err instanceof SlugError) throw new RunFailedError(`Input '${Inputs.Directory}': ${err.message}`)
      throw err
    }
    const packed = { files, bytes }
    log.info(`Packed ${packed.files} files from ${root} (${(packed.bytes / 1024).toFixed(0)} KiB).`)
    const version = await creating
    log.mask(version.uploadUrl)
    if (!version.uploadUrl) throw new RunFailedError(`Configuration version ${version.id} came without an upload URL; create it again.`)
    signal.throwIfAborted()
    await putArchive(file, packed.bytes, version.uploadUrl, signal)
    // Processing the archive is the service's: wait for `uploaded` (or its error).
    // The first look right away: a small archive is usually processed by then.
    const schedule = new PollSchedule({ ...pollSchedule, firstMs: Math.min(pollSchedule.firstMs, 250) })
    const started = Date.now()
    let current = await getConfigurationVersion(client, version.id, signal)
    while (current.status !== 'uploaded') {
      if (current.status === 'errored') {
        throw new RunFailedError(`Configuration version ${current.id} errored: ${current.errorMessage ?? 'no reason given'}.`)
      }
      if (Date.now() - started > boundMs) {
        throw new RunFailedError(`Configuration version ${current.id} was still '${current.status}' after ${formatDuration(boundMs)}.`)
      }
      await sleep(schedule.next(current.status), signal)
      current = await getConfigurationVersion(client, current.id, signal)
    }
    log.info(`Uploaded configuration version ${current.id}.`)
    return current
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
