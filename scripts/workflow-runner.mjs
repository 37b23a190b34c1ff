// A small local executor of the generated estate workflows (not GitHub's runner, and not for any
// other workflow): runs the jobs in their needs: order, every job whose needs are done at once,
// skips a job whose needs did not all succeed unless it says `if: always()`, and evaluates only
// the expressions the generator writes: secrets.NAME, steps.<id>.outputs.<name>, toJSON(needs),
// always(). Each `uses:` of the action (or its estate sub-action) runs the bundle in dist/ as the
// runner would, with INPUT_* variables and the GITHUB_* files; actions/checkout is the local checkout.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const RepoRoot = fileURLToPath(new URL('..', import.meta.url))

/** Action directories in this repository: `owner/repo[/path]@ref` resolves to one of them by its path. */
function localAction(uses) {
  const m = /^[^/]+\/[^/@]+(\/[^@]+)?@.+$/.exec(uses)
  if (!m || !uses.split('@')[0].split('/')[1].startsWith('tfe-workspace-run')) return undefined
  const dir = join(RepoRoot, m[1] ?? '')
  const meta = parse(readFileSync(join(dir, 'action.yml'), 'utf8'))
  return { entry: join(dir, meta.runs.main), inputs: meta.inputs ?? {} }
}

const LoneJob = JSON.stringify({ 'fail-fast': true, 'job-index': 0, 'job-total': 1, 'max-parallel': 1 })

const Expression = /\$\{\{\s*(.*?)\s*\}\}/g

/** The value of one of the expressions the generator writes; anything else is refused, loudly. */
function evaluate(expr, ctx) {
  let m
  if ((m = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr))) return ctx.secrets[m[1]] ?? ''
  if ((m = /^steps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)$/.exec(expr))) return ctx.steps?.[m[1]]?.outputs?.[m[2]] ?? ''
  if (expr === 'toJSON(needs)') return JSON.stringify(ctx.needs ?? {}, null, 2)
  throw new Error(`the local executor does not evaluate \${{ ${expr} }}: the generator does not write it`)
}

export function interpolate(text, ctx) {
  return String(text).replace(Expression, (_m, expr) => evaluate(expr, ctx))
}

function parseFileCommands(text) {
  const result = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^([^<=]+)<<(.+)$/)
    if (m) {
      const value = []
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
      result[m[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const eq = lines[i].indexOf('=')
      result[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
    }
  }
  return result
}

/** One `uses:` step: the bundle as a child process, as the runner starts it. */
async function runAction(step, ctx, options) {
  const action = localAction(step.uses)
  if (!action) throw new Error(`the local executor runs only this repository's actions, not '${step.uses}'`)
  const dir = mkdtempSync(join(tmpdir(), 'estate-step-'))
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_EVENT_PATH: join(dir, 'event.json')
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  writeFileSync(
    files.GITHUB_EVENT_PATH,
    JSON.stringify({ repository: { full_name: 'acme/infra', name: 'infra', owner: { login: 'acme' } } })
  )
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_WORKFLOW: options.workflowName,
    GITHUB_JOB: ctx.jobId,
    GITHUB_RUN_ID: options.runId,
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: String(options.attempt),
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_WORKSPACE: options.workspace,
    RUNNER_TEMP: dir,
    ...files,
    ...options.env
  }
  // The generated jobs are no matrices: their strategy context is a lone job's.
  for (const [name, spec] of Object.entries(action.inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = (spec.default ?? '').replace(/\$\{\{\s*toJSON\(strategy\)\s*\}\}/g, LoneJob)
  }
  for (const [name, value] of Object.entries(step.with ?? {})) env[`INPUT_${name.toUpperCase()}`] = interpolate(value, ctx)
  const child = spawn(process.execPath, [action.entry], { env, cwd: options.workspace, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let buffer = ''
  child.stdout.on('data', d => {
    stdout += String(d)
    buffer += String(d)
    let nl
    while ((nl = buffer.indexOf('\n')) !== -1) {
      options.onLine?.(ctx.jobId, buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
    }
  })
  child.stderr.on('data', d => (stdout += String(d)))
  const code = await new Promise(res => child.on('close', c => res(c)))
  return {
    code,
    stdout,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')
  }
}

async function runJob(jobId, job, needs, options) {
  const ctx = { jobId, secrets: options.secrets ?? {}, needs, steps: {} }
  const steps = []
  let ok = true
  for (const step of job.steps ?? []) {
    if (/^actions\/checkout@/.test(step.uses ?? '')) continue
    if (step.run !== undefined) throw new Error(`the local executor runs no shell steps (job ${jobId})`)
    const r = await runAction(step, ctx, options)
    steps.push({ uses: step.uses, ...r })
    if (step.id) ctx.steps[step.id] = { outputs: r.outputs }
    if (r.code !== 0) {
      ok = false
      break
    }
  }
  const outputs = Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, ctx)]))
  return { result: ok ? 'success' : 'failure', outputs, steps }
}

function needsOf(job) {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]
}

/** Every job that (transitively) needs one of `failed`: what "Re-run failed jobs" runs again with them. */
function withDependents(jobs, failed) {
  const again = new Set(failed)
  let grew = true
  while (grew) {
    grew = false
    for (const [id, job] of Object.entries(jobs)) {
      if (!again.has(id) && needsOf(job).some(n => again.has(n))) {
        again.add(id)
        grew = true
      }
    }
  }
  return again
}

/**
 * Runs a generated workflow. `previous` (the result of an earlier attempt) re-runs only its failed
 * jobs and what needs them, as GitHub's "Re-run failed jobs" does; the jobs that succeeded keep
 * their result and outputs and run nothing.
 */
export async function runWorkflow(text, options = {}) {
  const wf = parse(text)
  const jobs = wf.jobs
  const attempt = (options.previous?.attempt ?? 0) + 1
  const opts = {
    workflowName: wf.name ?? 'workflow',
    runId: options.runId ?? options.previous?.runId ?? String(process.pid),
    attempt,
    workspace: options.workspace ?? process.cwd(),
    ...options
  }
  opts.attempt = attempt
  const results = {}
  if (options.previous) {
    const failed = Object.entries(options.previous.jobs)
      .filter(([, r]) => r.result !== 'success')
      .map(([id]) => id)
    const again = withDependents(jobs, failed)
    for (const [id, r] of Object.entries(options.previous.jobs)) if (!again.has(id)) results[id] = { ...r, reused: true }
  }
  const running = new Map()
  const order = []
  const start = id => {
    const job = jobs[id]
    const needed = needsOf(job)
    const needsCtx = Object.fromEntries(needed.map(n => [n, { result: results[n].result, outputs: results[n].outputs }]))
    const always = String(job.if ?? '').trim() === 'always()'
    if (job.if !== undefined && !always) throw new Error(`the local executor evaluates only if: always() (job ${id})`)
    if (!always && needed.some(n => results[n].result !== 'success')) {
      results[id] = { result: 'skipped', outputs: {}, steps: [], startedAt: performance.now(), endedAt: performance.now() }
      order.push(id)
      return
    }
    const startedAt = performance.now()
    options.onJob?.(id, 'started')
    running.set(
      id,
      runJob(id, job, needsCtx, opts).then(r => {
        results[id] = { ...r, startedAt, endedAt: performance.now() }
        running.delete(id)
        order.push(id)
        options.onJob?.(id, r.result)
      })
    )
  }
  for (;;) {
    let progressed = true
    while (progressed) {
      progressed = false
      for (const id of Object.keys(jobs)) {
        if (results[id] || running.has(id)) continue
        if (needsOf(jobs[id]).every(n => results[n])) {
          start(id)
          progressed = true
        }
      }
    }
    if (running.size === 0) break
    await Promise.race(running.values())
  }
  return { runId: opts.runId, attempt, jobs: results, order }
}
