// `npm run bench`: measures the bundled action against the local stand-in and prints figures
// (medians with min–max). Not a test: nothing here passes or fails, it reports.
//   node scripts/bench.mjs [--quick] [--only=cold|detection|logs|lines|pack|fanout|fleet|faults|estate]
//   (--quick: fewer repeats and shorter runs; --fleet=100,200 sets the fleet sizes;
//   --fleet-start=together runs the fleet without the matrix wait)
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { StandIn } from '../stand-in/server.ts'
import { DistEntry, runStep } from '../__tests__/helpers/action-runner.ts'
import { benchEstate, estateReport } from './bench-estate.mjs'

const quick = process.argv.includes('--quick')
const only = process.argv.find(a => a.startsWith('--only='))?.slice(7)
const part = name => !only || only === name

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}
const fmt = (xs, unit = 'ms', digits = 0) =>
  `${median(xs).toFixed(digits)} ${unit} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)}, n=${xs.length})`

/** Runs dist/index.js as the runner would (see action-runner.ts), recording its peak RSS. */
async function step(inputs, onLine, env = {}) {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'bench-rss-')), 'rss')
  const onSpawn = onLine
    ? child => {
        let buffer = ''
        child.stdout.on('data', d => {
          const at = performance.now()
          buffer += String(d)
          let nl
          while ((nl = buffer.indexOf('\n')) !== -1) {
            onLine(buffer.slice(0, nl), at)
            buffer = buffer.slice(nl + 1)
          }
        })
      }
    : undefined
  const result = await runStep({
    inputs,
    onSpawn,
    nodeArgs: ['--import', './scripts/rss-probe.mjs'],
    env: { ...env, BENCH_RSS_FILE: rssFile }
  })
  return { ...result, rssKb: Number(readFileSync(rssFile, 'utf8') || 0) }
}

async function withStandIn(options, fn) {
  const s = new StandIn(options)
  await s.start()
  try {
    return await fn(s)
  } finally {
    await s.stop()
  }
}

const inputsFor = (s, name, extra = {}) => ({ token: 'test-token', hostname: s.url, organization: 'demo-org', workspace: name, ...extra })

/** The stand-in logs wall-clock ms; convert to this process's performance clock. */
const toPerf = wallMs => wallMs - performance.timeOrigin

async function coldStart(repeats) {
  return withStandIn({}, async s => {
    s.addWorkspace({ name: 'cold', changes: { add: 0, change: 0, destroy: 0 } })
    const ours = []
    const bare = []
    for (let i = 0; i < repeats; i++) {
      const before = s.requests.length
      const r = await step(inputsFor(s, 'cold', { operation: 'plan' }))
      ours.push(toPerf(s.requests[before].at) - r.spawnedAt)
      const b0 = s.requests.length
      const t0 = performance.now()
      await new Promise(res => {
        const c = spawn(process.execPath, [
          '-e',
          `require('http').get(${JSON.stringify(`${s.url}/api/v2/organizations/demo-org/workspaces/cold`)}, {headers:{authorization:'Bearer test-token'}}, r => r.resume().on('end', () => process.exit(0)))`
        ])
        c.on('exit', res)
      })
      bare.push(toPerf(s.requests[b0].at) - t0)
    }
    return { ours, bare }
  })
}

/**
 * Detection lag and request budget: runs of several lengths, in parallel, each on its own
 * workspace. Real durations vary around the workspace's average (±30 %), as they do in life.
 */
async function detection(lengthsS, repeats, extra = {}) {
  return withStandIn({}, async s => {
    const jobs = []
    let i = 0
    for (const lengthS of lengthsS) {
      for (let r = 0; r < repeats; r++) {
        const name = `lag-${lengthS}-${r}`
        const half = (lengthS * 1000) / 2
        const jitter = () => Math.round(half * (0.7 + 0.6 * ((i++ * 0.618) % 1)))
        const ws = s.addWorkspace({
          name,
          outputs: { id: { value: name } },
          timings: { queueMs: 100, planMs: jitter(), applyMs: jitter(), applyQueueMs: 100 },
          reportedAverages: { planMs: half, applyMs: half }
        })
        jobs.push(
          step(inputsFor(s, name, extra)).then(res => {
            const run = s.runsOf(ws.id)[0]
            const reqs = s.requests.filter(
              q => q.path.includes(ws.id) || (run && q.path.includes(run.id)) || q.path.endsWith(`/workspaces/${name}`)
            )
            const polls = reqs.filter(q => q.method === 'GET' && run && q.path.startsWith(`/api/v2/runs/${run.id}`))
            const created = s.requests.find(q => q.method === 'POST' && q.path === '/api/v2/runs' && toPerf(q.at) >= res.spawnedAt)
            const waitMin = (run.terminalAt - (run ? toPerf(Date.parse(run.createdAt)) : res.spawnedAt)) / 60000
            return {
              lengthS,
              code: res.code,
              lagMs: res.exitedAt - run.terminalAt,
              pollsPerMin: polls.length / waitMin,
              polls: polls.length,
              waitMin,
              // +1: the create request (POST /api/v2/runs) names no workspace in its path.
              beyond: reqs.length - polls.length + 1,
              rssKb: res.rssKb,
              created: Boolean(created)
            }
          })
        )
      }
    }
    return Promise.all(jobs)
  })
}

/**
 * Log lag: from a line being written by the stand-in's archivist to it appearing in the step's
 * output, for every line of the plan and apply logs of `runs` parallel applies (stages of 6–9 s,
 * lines written at a stage's start, middle and end). Also counts the archivist reads per minute
 * of stage time (they are not API requests).
 */
async function logLag(runs) {
  return withStandIn({}, async s => {
    const lags = []
    const names = Array.from({ length: runs }, (_, i) => `log-${i}`)
    for (const [i, name] of names.entries()) {
      const stage = 6000 + i * 1000
      s.addWorkspace({
        name,
        changes: { add: 4, change: 1, destroy: 1 },
        resources: 1,
        timings: { queueMs: 100, planMs: stage, applyMs: stage, applyQueueMs: 100 }
      })
    }
    const readsBefore = s.archivistReads.length
    const results = await Promise.all(
      names.map(name => {
        const ws = s.workspaceByName(name)
        const matched = new Set()
        return step(inputsFor(s, name), (line, at) => {
          const run = s.runsOf(ws.id)[0]
          if (!run) return
          const ids = [run.plan.logId, run.apply.logId]
          const hit = s.logLines.find((entry, k) => {
            if (matched.has(k) || !ids.includes(entry.logId)) return false
            let text = entry.line
            try {
              text = JSON.parse(entry.line)['@message'] ?? entry.line
            } catch {
              // A plain log line: matched as it is.
            }
            return line.includes(text)
          })
          if (!hit) return
          matched.add(s.logLines.indexOf(hit))
          lags.push(at - hit.at)
        })
      })
    )
    const stageMin = names.reduce((n, name) => {
      const run = s.runsOf(s.workspaceByName(name).id)[0]
      const t = run.statusTimestamps
      const span = (a, b) => (t[b] && t[a] ? Date.parse(t[b]) - Date.parse(t[a]) : 0)
      return n + (span('planning-at', 'planned-at') + span('applying-at', 'applied-at')) / 60000
    }, 0)
    return {
      lags,
      failures: results.filter(r => r.code !== 0).length,
      readsPerStageMin: (s.archivistReads.length - readsBefore) / stageMin
    }
  })
}

/**
 * Packing and uploading a checkout (input directory): a tree of `files` files, `mb` MB in all,
 * through the bundled step against the stand-in, side by side with `tar czf` of the same tree.
 * The step's figure runs from spawn to its "Uploaded configuration version" line.
 */
async function pack(files, mb) {
  const root = mkdtempSync(join(tmpdir(), 'bench-tree-'))
  const size = Math.round((mb * 1024 * 1024) / files)
  const words = 'resource variable output module provider locals data aws_instance subnet vpc cidr tags name '
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${Math.floor(i / 500)}`)
    if (i % 500 === 0) mkdirSync(dir, { recursive: true })
    let text = ''
    let x = i * 7919
    while (text.length < size) {
      x = (x * 1103515245 + 12345) % 2147483648
      text += `${words.slice(x % 60, (x % 60) + 12)}${x.toString(36)}\n`
    }
    writeFileSync(join(dir, `f${i}.txt`), text.slice(0, size))
  }
  writeFileSync(join(root, 'main.tf'), 'resource "null_resource" "x" {}\n')
  try {
    const tarStarted = performance.now()
    execFileSync('tar', ['czf', join(tmpdir(), 'bench-tree.tgz'), '-C', root, '.'])
    const tarMs = performance.now() - tarStarted
    return await withStandIn({ defaultTimings: { queueMs: 50, planMs: 300 } }, async s => {
      s.addWorkspace({ name: 'pack', hasConfiguration: false })
      let uploadedAt = 0
      let workspaceAt = 0
      let packedAt = 0
      const r = await step(
        inputsFor(s, 'pack', { operation: 'plan', directory: '.', show_logs: 'false' }),
        (line, at) => {
          if (!workspaceAt && line.startsWith('Workspace:')) workspaceAt = at
          if (!packedAt && line.startsWith('Packed ')) packedAt = at
          if (!uploadedAt && line.includes('Uploaded configuration version')) uploadedAt = at
        },
        { GITHUB_WORKSPACE: root }
      )
      const upload = s.uploads.at(-1)
      return {
        tarMs,
        stepMs: uploadedAt - r.spawnedAt,
        packMs: packedAt - workspaceAt,
        code: r.code,
        bytes: upload?.bytes ?? 0,
        rssKb: r.rssKb
      }
    })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

async function fanOut(steps, perSecond) {
  return withStandIn(
    { rateLimitPerSecond: perSecond, defaultTimings: { queueMs: 100, planMs: 3000, applyMs: 3000, applyQueueMs: 100 } },
    async s => {
      const names = Array.from({ length: steps }, (_, i) => `fan-${i}`)
      for (const n of names) s.addWorkspace({ name: n })
      const single = await step(inputsFor(s, names[0]))
      const ideal = single.exitedAt - single.spawnedAt
      s.rateLimited = 0
      s.earlyRequests = 0
      const t0 = performance.now()
      const results = await Promise.all(names.map(n => step(inputsFor(s, n, { operation: 'apply' }))))
      const wall = performance.now() - t0
      return {
        steps,
        perSecond,
        idealMs: ideal,
        wallMs: wall,
        failures: results.filter(r => r.code !== 0).length,
        got429: s.rateLimited,
        early: s.earlyRequests
      }
    }
  )
}

/**
 * A fleet: `steps` applies at once on one token against the service's limits (30 requests a second
 * per user, 30 run lists a minute), with run lengths as in life: 3 s in the queue, plans of 16–24 s
 * and applies of 10–14 s around the averages the workspaces report. One step alone first, on the
 * same stand-in, for the wall time and lag it would have without the others. Logs off: the figures
 * are the API's budget, not the CPU of 200 log streams on a shared machine. `start`: 'matrix', each
 * step given its job's strategy context (a matrix of `steps` jobs started together, as the runner
 * passes it), or 'together', no matrix wait (job_strategy '{}').
 */
async function fleet(steps, start) {
  const timings = i => {
    const f = (i * 0.618) % 1
    return { queueMs: 3000, planMs: Math.round(16_000 + 8000 * f), applyMs: Math.round(10_000 + 4000 * ((f * 7) % 1)), applyQueueMs: 500 }
  }
  return withStandIn({ rateLimitPerSecond: true }, async s => {
    const add = (name, i) =>
      s.addWorkspace({ name, outputs: { id: { value: name } }, timings: timings(i), reportedAverages: { planMs: 20_000, applyMs: 12_000 } })
    const lone = add('lone', 0)
    const alone = await runStep({ inputs: inputsFor(s, 'lone', { show_logs: 'false' }) })
    const loneRun = s.runsOf(lone.id).at(-1)
    const names = Array.from({ length: steps }, (_, i) => `fleet-${i}`)
    const workspaces = names.map((n, i) => add(n, i + 1))
    const from = s.requests.length
    s.rateLimited = 0
    s.earlyRequests = 0
    const t0 = performance.now()
    const strategy = i =>
      start === 'matrix' ? JSON.stringify({ 'fail-fast': true, 'job-index': i, 'job-total': steps, 'max-parallel': steps }) : '{}'
    const results = await Promise.all(
      names.map((n, i) => runStep({ inputs: inputsFor(s, n, { show_logs: 'false', job_strategy: strategy(i) }) }))
    )
    const wallMs = performance.now() - t0
    const api = s.requests.slice(from).filter(q => q.path.startsWith('/api/'))
    if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, JSON.stringify(api.map(q => ({ ...q, at: toPerf(q.at) - t0 }))))
    const times = api.map(q => toPerf(q.at))
    const spanS = (Math.max(...times) - Math.min(...times)) / 1000
    // The busiest ten seconds, sent (429s included): the mean hides a start-up burst.
    let peak = 0
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] > 10_000) j++
      peak = Math.max(peak, (i - j + 1) / 10)
    }
    const lags = workspaces.map((w, i) => results[i].exitedAt - (s.runsOf(w.id).at(-1)?.terminalAt ?? NaN)).filter(Number.isFinite)
    if (process.env.BENCH_DUMP)
      writeFileSync(
        `${process.env.BENCH_DUMP}.runs`,
        JSON.stringify(
          workspaces.map((w, i) => ({
            ws: w.id,
            run: s.runsOf(w.id).at(-1)?.id,
            terminalAt: (s.runsOf(w.id).at(-1)?.terminalAt ?? NaN) - t0,
            exitedAt: results[i].exitedAt - t0
          }))
        )
      )
    return {
      steps,
      failures: results.filter(r => r.code !== 0).length,
      requests: api.length,
      got429: api.filter(q => q.status === 429).length,
      early: s.earlyRequests,
      mutating429: api.filter(q => q.status === 429 && q.method !== 'GET').length,
      // The first requests of each step go out knowing nothing of the budget: their 429s apart.
      start429: api.filter(q => q.status === 429 && toPerf(q.at) - Math.min(...times) < 5000).length,
      rate: api.length / spanS,
      peak,
      lags,
      wallMs,
      aloneMs: alone.exitedAt - alone.spawnedAt,
      aloneLagMs: alone.exitedAt - (loneRun?.terminalAt ?? NaN),
      aloneCode: alone.code
    }
  })
}

/**
 * Faults: parallel applies while every fourth read fails (an HTML 502, a reset, a 503, a 500 in
 * turn), the first create answer and the first confirmation answer are lost after the server
 * acted. Counts what was injected, retried and created.
 */
async function faults(steps) {
  return withStandIn({ defaultTimings: { queueMs: 100, planMs: 2500, applyMs: 2500, applyQueueMs: 100 } }, async s => {
    const names = Array.from({ length: steps }, (_, i) => `faulty-${i}`)
    for (const n of names) s.addWorkspace({ name: n })
    s.injectFault({ method: 'POST', path: /^\/api\/v2\/runs$/, kind: 'lost-response', times: 1 })
    s.injectFault({ method: 'POST', path: /\/actions\/apply$/, kind: 'lost-response', times: 1 })
    s.injectFault({ method: 'GET', path: /^\/api\/v2\//, kind: ['status-502-html', 'reset', 'status-503', 'status-500'], every: 4 })
    const results = await Promise.all(names.map(n => step(inputsFor(s, n))))
    const stat = (r, key) => Number(r.stdout.match(new RegExp(`API requests: (\\d+), retried: (\\d+)`))?.[key === 'requests' ? 1 : 2] ?? 0)
    const workspaces = names.map(n => s.workspaceByName(n))
    return {
      steps,
      injected: s.faultHits(),
      requests: results.reduce((n, r) => n + stat(r, 'requests'), 0),
      retried: results.reduce((n, r) => n + stat(r, 'retried'), 0),
      runs: workspaces.reduce((n, w) => n + s.runsOf(w.id).length, 0),
      applies: workspaces.reduce((n, w) => n + w.appliesSeen, 0),
      failures: results.filter(r => r.code !== 0).length
    }
  })
}

const line = s => process.stdout.write(`${s}\n`)
line(`tfe-workspace-run benchmark — ${new Date().toISOString()}`)
line(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, bundle ${(readFileSync(DistEntry).length / 1024).toFixed(0)} kB`
)

if (part('cold')) {
  const cold = await coldStart(quick ? 5 : 15)
  const overhead = cold.ours.map((v, i) => v - cold.bare[i])
  line(`\ncold start, spawn → first API request`)
  line(`  action:            ${fmt(cold.ours)}`)
  line(`  bare node -e GET:  ${fmt(cold.bare)}`)
  line(`  our overhead:      ${fmt(overhead)}`)
}

for (const showLogs of part('detection') ? ['true', 'false'] : []) {
  const lengths = quick ? [1, 4, 10] : [1, 3, 7, 15, 30, 60]
  const det = await detection(lengths, quick ? 2 : 3, { show_logs: showLogs })
  line(`\n[show_logs: ${showLogs}]`)
  const lags = det.map(d => d.lagMs)
  line(`\ndetection lag, run terminal → step exit (apply runs of ${lengths.join(', ')} s, ±30 %)`)
  line(
    `  p50 ${median(lags).toFixed(0)} ms, p95 ${pct(lags, 95).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms (n=${lags.length}, failures ${det.filter(d => d.code !== 0).length})`
  )
  for (const L of lengths) {
    const xs = det.filter(d => d.lengthS === L)
    line(`  ${String(L).padStart(3)} s runs: lag ${fmt(xs.map(d => d.lagMs))}; ${median(xs.map(d => d.pollsPerMin)).toFixed(1)} polls/min`)
  }
  const totalPolls = det.reduce((n, d) => n + d.polls, 0)
  const totalMin = det.reduce((n, d) => n + d.waitMin, 0)
  line(`  requests per minute of waiting (all runs pooled): ${(totalPolls / totalMin).toFixed(1)}`)
  line(
    `  requests beyond polling per confirmed apply with outputs: ${fmt(
      det.map(d => d.beyond),
      '',
      0
    )}`
  )
  line(
    `  peak RSS of the step: ${fmt(
      det.map(d => d.rssKb / 1024),
      'MB',
      1
    )}`
  )
}

if (part('pack')) {
  const files = quick ? 2000 : 10_000
  const mb = quick ? 10 : 50
  const p = await pack(files, mb)
  line(`\npacking and uploading a checkout: ${files} files, ${mb} MB (archive ${(p.bytes / 2 ** 20).toFixed(1)} MiB, exit ${p.code})`)
  line(`  tar czf of the same tree: ${(p.tarMs / 1000).toFixed(2)} s`)
  line(`  the step's walk and pack: ${(p.packMs / 1000).toFixed(2)} s, ratio ${(p.packMs / p.tarMs).toFixed(2)}`)
  line(
    `  the step, spawn → uploaded (walk, pack, upload to the in-process stand-in, which reads the archive): ${(p.stepMs / 1000).toFixed(2)} s, ratio ${(p.stepMs / p.tarMs).toFixed(2)}`
  )
  line(`  peak RSS of the step: ${(p.rssKb / 1024).toFixed(1)} MB`)
}

if (part('logs')) {
  const l = await logLag(quick ? 3 : 6)
  line(`\nlog lag, line written by the archivist → line in the step's output (${l.lags.length} lines, ${l.failures} failures)`)
  line(`  p50 ${median(l.lags).toFixed(0)} ms, p95 ${pct(l.lags, 95).toFixed(0)} ms, max ${Math.max(...l.lags).toFixed(0)} ms`)
  line(`  archivist reads per minute of stage time: ${l.readsPerStageMin.toFixed(1)} (not API requests)`)
}

if (part('lines')) {
  // The log stream's line splitting, run on the sources in a process of its own.
  const figures = execFileSync(process.execPath, ['--import', './scripts/ts-resolve.mjs', 'scripts/bench-lines.mjs'], { encoding: 'utf8' })
  line(`\nsplitting a log into lines (32 MiB, read in 256 KiB chunks)`)
  for (const l of figures.trim().split('\n')) line(`  ${l.replace(/^lines: /, '')}`)
}

const fanOuts = quick
  ? [[12, 5]]
  : [
      [12, 5],
      [50, 30]
    ]
for (const [n, rps] of part('fanout') ? fanOuts : []) {
  const f = await fanOut(n, rps)
  line(`\nfan-out: ${f.steps} parallel steps under ${f.perSecond} requests/s`)
  line(
    `  wall ${(f.wallMs / 1000).toFixed(1)} s vs ideal ${(f.idealMs / 1000).toFixed(1)} s (one step alone); 429s received ${f.got429}; requests sent before a 429's reset ${f.early}; failures ${f.failures}`
  )
}

const fleetSizes = (process.argv.find(a => a.startsWith('--fleet='))?.slice(8) ?? (quick ? '50' : '100,200')).split(',').map(Number)
const fleetStart = process.argv.find(a => a.startsWith('--fleet-start='))?.slice(14) ?? 'matrix'
for (const n of part('fleet') ? fleetSizes : []) {
  const f = await fleet(n, fleetStart)
  line(
    `\nfleet: ${f.steps} steps at once on one token (${fleetStart === 'matrix' ? "a matrix's jobs, each step waiting its turn" : 'no matrix wait'}), 30 requests/s per user, 30 run lists/min; queue 3 s, plans 16–24 s, applies 10–14 s`
  )
  line(
    `  failures ${f.failures}; requests ${f.requests}, answered 429: ${f.got429} (${((100 * f.got429) / f.requests).toFixed(2)} %; changes among them ${f.mutating429}, in the fleet's first 5 s ${f.start429}); sent before a 429's reset ${f.early}`
  )
  line(`  request rate ${f.rate.toFixed(1)}/s over the fleet's span (busiest 10 s: ${f.peak.toFixed(1)}/s)`)
  line(
    `  detection lag p50 ${(median(f.lags) / 1000).toFixed(2)} s, p95 ${(pct(f.lags, 95) / 1000).toFixed(2)} s, max ${(Math.max(...f.lags) / 1000).toFixed(2)} s (n=${f.lags.length}); one step alone ${(f.aloneLagMs / 1000).toFixed(2)} s (exit ${f.aloneCode})`
  )
  line(
    `  wall ${(f.wallMs / 1000).toFixed(1)} s vs ${(f.aloneMs / 1000).toFixed(1)} s for one step alone (×${(f.wallMs / f.aloneMs).toFixed(2)})`
  )
}

if (part('faults')) {
  const f = await faults(quick ? 4 : 8)
  line(`\nfaults: ${f.steps} parallel applies, every 4th read failing, one create and one confirmation answer lost`)
  line(
    `  faults injected ${f.injected}; requests ${f.requests}, of which retried ${f.retried}; runs created ${f.runs}; applies ${f.applies}; failures ${f.failures}`
  )
}

if (part('estate')) {
  for (const l of estateReport(await benchEstate({ quick }))) line(l)
}
