/**
 * Where the live suite runs: the organization in TFE_HOSTNAME, TFE_ORGANIZATION and TFE_TOKEN
 * when `npm run test:live` asked for it (TFE_LIVE_SUITE=1), else a stand-in started for the file,
 * so the same tests run in `npm test`. Also the suite's workspaces: created with a unique prefix,
 * all deleted after the file, with a sweep by prefix for any a failed test or a lost answer left.
 */
import { afterAll, beforeAll } from '@jest/globals'
import { StandIn } from '../../stand-in/server.ts'
import { TfeApi } from './api.ts'

/** Set by __tests__/live/run.ts: only then do the tests talk to a real organization. */
export const LiveFlag = 'TFE_LIVE_SUITE'
export const LiveVariables = ['TFE_HOSTNAME', 'TFE_ORGANIZATION', 'TFE_TOKEN'] as const

/** The live variables that are unset or blank in `env`. */
export function missingLiveVariables(env: NodeJS.ProcessEnv): string[] {
  return LiveVariables.filter(name => !env[name]?.trim())
}

/** Every workspace the suite creates is named `twr-live-<UTC minute>-<random>-<what>`. */
export const PrefixBase = 'twr-live-'

/** A unique prefix for one run of the suite: the minute it started (so a later sweep can tell its age) and a random part. */
export function newPrefix(now = new Date()): string {
  const minute = now.toISOString().slice(0, 16).replace(/[-T:]/g, '')
  return `${PrefixBase}${minute}-${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}`
}

/** When a workspace of the suite was made, from its name; undefined for a name not of the suite. */
export function createdAt(name: string): Date | undefined {
  const m = name.match(/^twr-live-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})-[a-z0-9]{4}-/)
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`) : undefined
}

/** A run of the suite takes well under this: a workspace of the suite older than this was left behind. */
export const StaleAfterMs = 6 * 60 * 60 * 1000

/** How long things may take: minutes against the service, moments against the stand-in. */
export interface Pace {
  /** Per test (jest's timeout). */
  testMs: number
  /** For a run to reach a status, read through the API. */
  runMs: number
  pollMs: number
  /** The step's own timeout_minutes, so a stuck run fails its test rather than the whole job. */
  stepTimeoutMinutes: string
  /** For the cleanup after the file (destroy runs included, when the token may not force delete). */
  cleanupMs: number
}

export const LivePace: Pace = { testMs: 20 * 60_000, runMs: 15 * 60_000, pollMs: 3000, stepTimeoutMinutes: '15', cleanupMs: 30 * 60_000 }
export const StandInPace: Pace = { testMs: 30_000, runMs: 10_000, pollMs: 50, stepTimeoutMinutes: '1', cleanupMs: 20_000 }

/** The stand-in's fast stages (`npm run stand-in -- --fast`). */
const FastTimings = { queueMs: 50, planMs: 300, applyMs: 300, applyQueueMs: 50, processingMs: 50 }

/**
 * Deletes every workspace in `created` (ID → name), then every workspace of the organization named
 * with `prefix` (one whose create answer was lost, say), and any of the suite older than
 * StaleAfterMs (left by an earlier run that died); then checks none of this run's is still listed.
 * Returns the names deleted and the failures; a workspace of another run still going is kept.
 */
export async function cleanUp(
  api: TfeApi,
  created: Map<string, string>,
  prefix: string,
  options: { destroyWithinMs: number; now?: Date }
): Promise<{ deleted: string[]; failed: string[] }> {
  const deleted: string[] = []
  const failed: string[] = []
  const remove = async (id: string, name: string): Promise<void> => {
    try {
      await api.deleteWorkspace(id, options.destroyWithinMs)
      deleted.push(name)
    } catch (err) {
      failed.push(`${name} (${id}): ${(err as Error).message}`)
    }
  }
  for (const [id, name] of created) await remove(id, name)
  const now = (options.now ?? new Date()).getTime()
  const done = new Set(created.keys())
  for (const w of await api.listWorkspaces(PrefixBase)) {
    if (done.has(w.id)) continue
    const born = createdAt(w.name)
    const ours = w.name.startsWith(`${prefix}-`)
    const stale = born !== undefined && now - born.getTime() > StaleAfterMs
    if (ours || stale) await remove(w.id, w.name)
  }
  // What the API still lists of this run is not deleted, whatever the answers said.
  for (const w of await api.listWorkspaces(prefix)) {
    if (w.name.startsWith(`${prefix}-`) && !failed.some(f => f.startsWith(`${w.name} `))) failed.push(`${w.name} (${w.id}): still listed`)
  }
  return { deleted, failed }
}

export interface LiveTarget {
  /** True against a real organization. */
  readonly live: boolean
  readonly pace: Pace
  /** This run's prefix: every workspace it creates is `<prefix>-<what>`. */
  readonly prefix: string
  /** The suite's client of the API (valid inside tests). */
  readonly api: TfeApi
  /**
   * A new API-driven workspace `<prefix>-<what>`, deleted after the file; with `files`, a
   * configuration version of them uploaded, as the workspace's latest.
   */
  workspace(what: string, files?: Record<string, string>): Promise<{ id: string; name: string }>
  /** The step's inputs for a workspace of the target, with `extra` on top. */
  inputs(name: string, extra?: Record<string, string>): Record<string, string>
  /** Variables the step needs from this process to reach a real host (a private CA, a proxy); none for the stand-in. */
  stepEnv(): Record<string, string>
}

interface Host {
  hostname: string
  organization: string
  token: string
}

/** The target for this file; call at the top of the file. Against the stand-in it is started and stopped here. */
export function useLiveTarget(): LiveTarget {
  const live = process.env[LiveFlag] === '1'
  if (live) {
    const missing = missingLiveVariables(process.env)
    if (missing.length) throw new Error(`${LiveFlag}=1 needs ${missing.join(', ')}: run the suite with \`npm run test:live\``)
  }
  const pace = live ? LivePace : StandInPace
  const prefix = newPrefix()
  const created = new Map<string, string>()
  let standIn: StandIn | undefined
  let host: Host | undefined
  let api: TfeApi | undefined

  beforeAll(async () => {
    if (live) {
      host = {
        hostname: (process.env.TFE_HOSTNAME ?? '').trim(),
        organization: (process.env.TFE_ORGANIZATION ?? '').trim(),
        token: (process.env.TFE_TOKEN ?? '').trim()
      }
    } else {
      standIn = new StandIn({ defaultTimings: FastTimings })
      host = { hostname: await standIn.start(), organization: 'demo-org', token: 'test-token' }
    }
    api = new TfeApi(host.hostname, host.organization, host.token)
  })

  // One hook, so the workspaces are deleted before the stand-in stops; a failed deletion fails the file.
  afterAll(async () => {
    try {
      if (!api) return
      const { failed } = await cleanUp(api, created, prefix, { destroyWithinMs: pace.runMs })
      if (failed.length) throw new Error(`workspaces of the live suite not deleted; delete them by hand:\n${failed.join('\n')}`)
    } finally {
      await standIn?.stop()
    }
  }, pace.cleanupMs)

  const ready = (): { host: Host; api: TfeApi } => {
    if (!host || !api) throw new Error('the live target is not ready (useLiveTarget must be called at the top of the file)')
    return { host, api }
  }

  return {
    live,
    pace,
    prefix,
    get api() {
      return ready().api
    },
    async workspace(what, files) {
      const name = `${prefix}-${what}`
      const ws = await ready().api.createWorkspace(name, 'Made by the live test suite of tfe-workspace-run; it deletes it when it ends.')
      created.set(ws.id, name)
      if (files) await ready().api.uploadConfiguration(ws.id, files, { withinMs: pace.runMs, pollMs: pace.pollMs })
      return ws
    },
    inputs(name, extra = {}) {
      const { host } = ready()
      return {
        token: host.token,
        hostname: host.hostname,
        organization: host.organization,
        workspace: name,
        timeout_minutes: pace.stepTimeoutMinutes,
        ...extra
      }
    },
    stepEnv() {
      if (!live) return {}
      const pass = ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']
      return Object.fromEntries(pass.filter(n => process.env[n]).map(n => [n, process.env[n] as string]))
    }
  }
}
