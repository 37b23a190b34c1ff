// `npm run bench -- --only=estate`: an estate of 40 workspaces in 5 levels, applied and then destroyed
// through what users run (the bundled generator's two workflows, executed by workflow-runner.mjs).
// The wall time of each is set against the critical path the stand-in's own run timestamps give.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StandIn } from '../stand-in/server.ts'
import { RepoRoot, runWorkflow } from './workflow-runner.mjs'

const Levels = 5
const PerLevel = 8

/** The stand-in logs wall-clock ms (Date.now and ISO stamps); this process reads performance.now. */
const toPerf = wallMs => wallMs - performance.timeOrigin
const stamp = iso => (iso ? toPerf(Date.parse(iso)) : NaN)

/**
 * Workspace i of level k (from 1) needs i and i+1 of level k-1, and i+3 too for every third i, so
 * every workspace but the last level's is needed: the graph is 5 deep in both directions. Each
 * takes its first upstream's output as a variable, so the destroy reads current state as well.
 */
function estateGraph() {
  const name = (k, i) => `est-${k}-${i}`
  const workspaces = []
  for (let k = 1; k <= Levels; k++) {
    for (let i = 0; i < PerLevel; i++) {
      const needs =
        k === 1 ? [] : [...new Set([i, (i + 1) % PerLevel, ...(i % 3 === 0 ? [(i + 3) % PerLevel] : [])])].map(j => name(k - 1, j))
      workspaces.push({ name: name(k, i), level: k, needs })
    }
  }
  return workspaces
}

function estateFile(hostname, workspaces) {
  const rows = workspaces.map(w =>
    w.needs.length
      ? `  - name: ${w.name}\n    needs: [${w.needs.join(', ')}]\n    variables_from:\n      upstream_id: ${w.needs[0]}.id\n`
      : `  - name: ${w.name}\n`
  )
  return `defaults:\n  organization: demo-org\n  hostname: ${hostname}\n  with:\n    show_logs: false\nworkspaces:\n${rows.join('')}`
}

/** Runs as the fleet part has them: 3 s in the queue, plans 16–24 s, applies 10–14 s (a quarter of that with quick). */
function timingsOf(n, scale) {
  const f = (n * 0.618) % 1
  const ms = x => Math.round(x * scale)
  return {
    timings: { queueMs: ms(3000), planMs: ms(16_000 + 8000 * f), applyMs: ms(10_000 + 4000 * ((f * 7) % 1)), applyQueueMs: ms(500) },
    reportedAverages: { planMs: ms(20_000), applyMs: ms(12_000) }
  }
}

/** What the stand-in spent on a run by its own timers: created → planned, and confirmed → applied (not the wait for the step's confirmation). */
function serviceMs(run) {
  const t = run.statusTimestamps
  const planned = stamp(t['planned-at'])
  const confirmed = stamp(t['confirmed-at'])
  return planned - stamp(run.createdAt) + (stamp(t['applied-at'] ?? t['errored-at']) - confirmed)
}

/** The longest sum of `weight` along a chain of `after` (job → the jobs it waits for); returns it and the chain. */
function longestChain(ids, after, weight) {
  const memo = new Map()
  const visit = id => {
    if (memo.has(id)) return memo.get(id)
    let best = { ms: 0, chain: [] }
    for (const up of after(id)) {
      const b = visit(up)
      if (b.ms > best.ms) best = b
    }
    const r = { ms: best.ms + weight(id), chain: [...best.chain, id] }
    memo.set(id, r)
    return r
  }
  return ids.map(visit).reduce((a, b) => (b.ms > a.ms ? b : a))
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function direction(s, checkout, operation, workspaces) {
  const text = readFileSync(join(checkout, '.github', 'workflows', `estate-${operation}.yml`), 'utf8')
  const waitsFor = new Map(
    workspaces.map(w => [w.name, operation === 'apply' ? w.needs : workspaces.filter(x => x.needs.includes(w.name)).map(x => x.name)])
  )
  const from = s.requests.length
  const t0 = performance.now()
  const run = await runWorkflow(text, { workspace: checkout, secrets: { TFE_TOKEN: 'test-token' } })
  const wallMs = performance.now() - t0
  const api = s.requests.slice(from).filter(q => q.path.startsWith('/api/'))
  const runOf = name =>
    s
      .runsOf(s.workspaceByName(name).id)
      .filter(r => r.isDestroy === (operation === 'destroy'))
      .at(-1)
  const names = workspaces.map(w => w.name)
  const failed = names.filter(n => run.jobs[n]?.result !== 'success' || runOf(n)?.status !== 'applied')
  const critical = longestChain(
    names,
    n => waitsFor.get(n),
    n => serviceMs(runOf(n))
  )
  const createdToEnd = longestChain(
    names,
    n => waitsFor.get(n),
    n => runOf(n).terminalAt - stamp(runOf(n).createdAt)
  )
  // Where the time beyond the runs goes, per job (ms), and along the chain that ended last.
  const phases = n => {
    const job = run.jobs[n]
    const r = runOf(n)
    const ready = Math.max(t0, ...waitsFor.get(n).map(u => run.jobs[u].endedAt))
    return {
      schedule: job.startedAt - ready,
      toCreate: stamp(r.createdAt) - job.startedAt,
      confirmLag: stamp(r.statusTimestamps['confirmed-at']) - stamp(r.statusTimestamps['planned-at']),
      service: serviceMs(r),
      afterEnd: job.endedAt - r.terminalAt
    }
  }
  let last = names.reduce((a, b) => (run.jobs[b].endedAt > run.jobs[a].endedAt ? b : a))
  const lastChain = [last]
  for (let ups = waitsFor.get(last); ups.length; ups = waitsFor.get(last)) {
    last = ups.reduce((a, b) => (run.jobs[b].endedAt > run.jobs[a].endedAt ? b : a))
    lastChain.unshift(last)
  }
  const sum = (chain, key) => chain.reduce((n, id) => n + phases(id)[key], 0)
  const keys = ['schedule', 'toCreate', 'confirmLag', 'service', 'afterEnd']
  const summary = run.jobs['estate-summary']
  return {
    operation,
    wallMs,
    criticalMs: critical.ms,
    criticalChain: critical.chain,
    createdToEndMs: createdToEnd.ms,
    failed,
    requests: api.length,
    got429: api.filter(q => q.status === 429).length,
    perWorkspace: api.length / names.length,
    medians: Object.fromEntries(keys.map(k => [k, median(names.map(n => phases(n)[k]))])),
    lastChain: Object.fromEntries(keys.map(k => [k, sum(lastChain, k)])),
    lastChainJobs: lastChain,
    jobs: Object.fromEntries(names.map(n => [n, phases(n)])),
    summaryMs: summary ? summary.endedAt - summary.startedAt : NaN,
    summaryWaitMs: summary ? summary.startedAt - Math.max(...names.map(n => run.jobs[n].endedAt)) : NaN
  }
}

/** Applies then destroys the estate; `quick` runs a quarter as long. */
export async function benchEstate({ quick = false } = {}) {
  const scale = quick ? 0.25 : 1
  const workspaces = estateGraph()
  const s = new StandIn({ rateLimitPerSecond: true })
  await s.start()
  const checkout = mkdtempSync(join(tmpdir(), 'bench-estate-'))
  try {
    workspaces.forEach((w, n) =>
      s.addWorkspace({
        name: w.name,
        changes: { add: 3, change: 0, destroy: 0 },
        outputs: { id: { value: w.name } },
        ...timingsOf(n, scale)
      })
    )
    mkdirSync(join(checkout, '.github'), { recursive: true })
    writeFileSync(join(checkout, '.github', 'estate.yml'), estateFile(s.url, workspaces))
    execFileSync(process.execPath, [join(RepoRoot, 'dist', 'estate', 'index.js'), 'generate'], { cwd: checkout })
    const apply = await direction(s, checkout, 'apply', workspaces)
    const destroy = await direction(s, checkout, 'destroy', workspaces)
    const left = workspaces.reduce((n, w) => n + (s.workspaceByName(w.name)?.resources ?? 0), 0)
    return { workspaces: workspaces.length, levels: Levels, scale, apply, destroy, resourcesLeft: left }
  } finally {
    rmSync(checkout, { recursive: true, force: true })
    await s.stop()
  }
}

/** The figures as lines for bench.mjs to print. */
export function estateReport(e) {
  const sec = ms => `${(ms / 1000).toFixed(1)} s`
  const lines = [
    `\nestate: ${e.workspaces} workspaces in ${e.levels} levels, generated workflows run by scripts/workflow-runner.mjs; ` +
      `queue ${sec(3000 * e.scale)}, plans ${sec(16_000 * e.scale)}–${sec(24_000 * e.scale)}, applies ${sec(10_000 * e.scale)}–${sec(14_000 * e.scale)}, show_logs: false, 30 requests/s`
  ]
  for (const d of [e.apply, e.destroy]) {
    const ratio = d.wallMs / d.criticalMs
    lines.push(
      `  ${d.operation}: wall ${sec(d.wallMs)} vs critical path ${sec(d.criticalMs)} (×${ratio.toFixed(3)}, target ≤ 1.15: ${ratio <= 1.15 ? 'met' : 'not met'}); ` +
        `created→terminal path ${sec(d.createdToEndMs)}; failed ${d.failed.length}`,
      `    API requests ${d.requests} (${d.perWorkspace.toFixed(1)} per workspace), answered 429: ${d.got429}`,
      `    per job, median: runner schedule ${d.medians.schedule.toFixed(0)} ms, job start → run created ${d.medians.toCreate.toFixed(0)} ms, ` +
        `planned → confirmed ${d.medians.confirmLag.toFixed(0)} ms, run terminal → job end ${d.medians.afterEnd.toFixed(0)} ms`,
      `    along the chain that ended last (${d.lastChainJobs.join(' → ')}): runs ${sec(d.lastChain.service)}, runner schedule ${sec(d.lastChain.schedule)}, ` +
        `start → created ${sec(d.lastChain.toCreate)}, confirm lag ${sec(d.lastChain.confirmLag)}, terminal → end ${sec(d.lastChain.afterEnd)}; ` +
        `then the summary job ${sec(d.summaryWaitMs + d.summaryMs)}`
    )
  }
  lines.push(`  resources left after the destroy: ${e.resourcesLeft}`)
  return lines
}
