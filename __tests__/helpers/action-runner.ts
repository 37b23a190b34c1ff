/**
 * Runs the bundled action the way the GitHub runner does: a child process of node with INPUT_*
 * variables (action.yml's defaults filled in), the GITHUB_* files, then optionally the post step
 * with STATE_* variables, and SIGINT for a cancelled job.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const RepoRoot = fileURLToPath(new URL('../..', import.meta.url))
/** The bundle under test; ACTION_DIST_ENTRY runs the suite against another build (an older release, say). */
export const DistEntry = process.env.ACTION_DIST_ENTRY ?? join(RepoRoot, 'dist', 'index.js')

interface ActionYml {
  inputs: Record<string, { default?: string; description: string; required?: boolean }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string; post?: string; 'post-if'?: string }
}

export function actionYml(): ActionYml {
  return parse(readFileSync(join(RepoRoot, 'action.yml'), 'utf8')) as ActionYml
}

/** The strategy context of a job outside a matrix, as the runner gives it. */
export const LoneJobStrategy = { 'fail-fast': true, 'job-index': 0, 'job-total': 1, 'max-parallel': 1 }

/** An input's default as the runner evaluates it for a job outside a matrix (the others stay as written). */
export function runnerDefault(text: string): string {
  return text.replace(/\$\{\{\s*toJSON\(strategy\)\s*\}\}/g, JSON.stringify(LoneJobStrategy))
}

export interface StepResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  /** What the step set for the rest of its job (GITHUB_ENV). */
  jobEnv: Record<string, string>
  summary: string
  durationMs: number
  /** performance.now() when the child was spawned, and when it exited. */
  spawnedAt: number
  exitedAt: number
}

export interface StepOptions {
  inputs: Record<string, string>
  env?: Record<string, string>
  state?: Record<string, string>
  /** Called with the child once started (e.g. to send SIGINT later). */
  onSpawn?: (child: ChildProcess) => void
  /** Kill the child if it has not ended after this long. */
  killAfterMs?: number
  /** Options for node before the script (the benchmark preloads a probe). */
  nodeArgs?: string[]
  /** The event the workflow runs for (default: a push). */
  event?: { name: string; payload: Record<string, unknown> }
}

/** Parses the GITHUB_OUTPUT / GITHUB_STATE file format (`name<<delimiter` blocks). */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const m = line.match(/^([^<=]+)<<(.+)$/)
    if (m) {
      const [, name, delimiter] = m as unknown as [string, string, string]
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string)
      result[name] = value.join('\n')
    } else if (line.includes('=')) {
      const eq = line.indexOf('=')
      result[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return result
}

export async function runStep(options: StepOptions): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-run-step-'))
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_ENV: join(dir, 'env')
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  writeFileSync(
    files.GITHUB_EVENT_PATH,
    JSON.stringify({ repository: { full_name: 'acme/infra', name: 'infra', owner: { login: 'acme' } }, ...options.event?.payload })
  )

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: options.event?.name ?? 'push',
    RUNNER_TEMP: dir,
    ...files
  }
  for (const [name, spec] of Object.entries(actionYml().inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = runnerDefault(spec.default ?? '')
  }
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value
  Object.assign(env, options.env)

  const started = performance.now()
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), DistEntry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let exitedAt = 0
  child.on('exit', () => (exitedAt = performance.now()))
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += String(d)))
  child.stderr.on('data', d => (stderr += String(d)))
  options.onSpawn?.(child)
  const killer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(res => child.on('close', (c, s) => res([c, s])))
  clearTimeout(killer)
  return {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    jobEnv: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    durationMs: performance.now() - started,
    spawnedAt: started,
    exitedAt
  }
}

/** The post step, given the state the main step saved. */
export function runPostStep(inputs: Record<string, string>, state: Record<string, string>): Promise<StepResult> {
  return runStep({ inputs, state })
}

export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
}
