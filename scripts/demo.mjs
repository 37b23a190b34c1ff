// `npm run demo`: the whole multispace pattern on your machine, no account needed.
// `npm run demo -- --keep` leaves the stand-in up at the end, to open the run pages it printed.
// Starts the local HCP Terraform stand-in with network → platform → app-a, app-b, then runs the
// bundled action (dist/index.js) exactly as the GitHub runner would, job by job: the apply chain
// in needs: order (the two apps fanned out in parallel, outputs passed down as run variables),
// then the destroy chain in reverse.
import { execSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StandIn } from '../stand-in/server.ts'
import { seedDemoEstate } from '../stand-in/estate.ts'
import { runStep } from '../__tests__/helpers/action-runner.ts'
import { demoTriggered } from './demo-triggered.mjs'

const bold = s => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const dim = s => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s)

if (!existsSync('dist/index.js')) {
  process.stdout.write('dist/index.js is missing: building it first.\n')
  execSync('npm run build', { stdio: 'inherit' })
}

const standIn = new StandIn({ defaultTimings: { queueMs: 200, planMs: 1200, applyMs: 1500, applyQueueMs: 200, costEstimateMs: 400 } })
const url = await standIn.start()
seedDemoEstate(standIn)
process.stdout.write(`${bold('HCP Terraform stand-in')} on ${url} — organization demo-org, workspaces network, platform, app-a, app-b\n`)

const results = []
const summaries = []
let failures = 0

/** One line of a step's output as the job log shows it: workflow commands turned into their display. */
function display(line) {
  if (!line || /^::(debug|add-mask|endgroup)::/.test(line)) return undefined
  return line.replace(/^::group::/, '▸ ').replace(/^::(notice|warning|error)::/, (_m, k) => `${k.toUpperCase()}: `)
}

async function job(name, inputs, env = {}) {
  const started = Date.now()
  const prefix = `  ${dim(`[${name}]`)} `
  const r = await runStep({
    inputs: { token: 'test-token', hostname: url, organization: 'demo-org', retry_backoff_min: '1', ...inputs },
    env,
    // Lines appear as the step writes them, as GitHub shows parallel jobs side by side.
    onSpawn: child => {
      let buffer = ''
      child.stdout.on('data', d => {
        buffer += String(d)
        let nl
        while ((nl = buffer.indexOf('\n')) !== -1) {
          const line = display(buffer.slice(0, nl))
          buffer = buffer.slice(nl + 1)
          if (line !== undefined) process.stdout.write(`${prefix}${line}\n`)
        }
      })
    }
  })
  summaries.push({ name, html: r.summary })
  const o = r.outputs
  process.stdout.write(
    `  ${dim(`[${name}]`)} ${bold('outputs')}: status=${o.status || '-'} run_id=${o.run_id || '-'} attempts=${o.attempts} ` +
      `resources=+${o.resource_additions} ~${o.resource_changes} -${o.resource_destructions} workspace_outputs=${o.workspace_outputs}\n`
  )
  if (r.code !== 0) failures++
  if (`${r.stdout}${r.summary}${JSON.stringify(o)}`.includes('k8s-token-never-shown')) {
    process.stderr.write(`A sensitive output leaked in ${name}'s output: this is a bug.\n`)
    failures++
  }
  results.push({
    name,
    operation: inputs.operation ?? 'apply',
    status: o.status,
    attempts: o.attempts,
    seconds: (Date.now() - started) / 1000,
    code: r.code
  })
  return { ...JSON.parse(o.workspace_outputs || '{}'), $outputs: o, $summary: r.summary }
}

const hcl = value => JSON.stringify(value)

process.stdout.write(`\n${bold('Apply chain')}: network → platform → (app-a, app-b)\n`)
const network = await job('apply network', { workspace: 'network' })
const platform = await job('apply platform', {
  workspace: 'platform',
  variables: `vpc_id=${hcl(network.vpc_id)}\nsubnet_ids=${hcl(network.private_subnets)}`
})
process.stdout.write(dim(`  (app-b's first plan will error on purpose, to show the step retrying it.)\n`))
await Promise.all(
  ['app-a', 'app-b'].map(app => job(`apply ${app}`, { workspace: app, variables: `cluster_name=${hcl(platform.cluster_name)}` }))
)

process.stdout.write(`\n${bold('Review')}: plan a change from a local directory, save the plan, then apply exactly that plan\n`)
const checkout = mkdtempSync(join(tmpdir(), 'tfe-workspace-run-demo-checkout-'))
mkdirSync(join(checkout, 'infra', 'edge'), { recursive: true })
writeFileSync(
  join(checkout, 'infra', 'edge', 'main.tf'),
  ['aws_acm_certificate" "cert', 'aws_cloudfront_distribution" "cdn', 'aws_route53_record" "www'].map(r => `resource "${r}" {}\n`).join('')
)
writeFileSync(join(checkout, 'infra', 'edge', 'notes.local.md'), 'left out by .terraformignore\n')
writeFileSync(join(checkout, 'infra', 'edge', '.terraformignore'), '*.local.md\n')
process.stdout.write(dim(`  (the "checkout" is ${checkout}; its infra/edge directory is uploaded as a configuration version)\n`))
const saved = await job('plan edge', { workspace: 'edge', directory: 'infra/edge', save_plan: 'true' }, { GITHUB_WORKSPACE: checkout })
process.stdout.write(dim(`  (a reviewer approves the plan; the next job applies run ${saved.$outputs.run_id}, nothing else)\n`))
await job('apply edge', { workspace: 'edge', run_id: saved.$outputs.run_id })

await demoTriggered({ standIn, url, job, bold, dim })
await (await import('./demo-review.mjs')).demoReview({ standIn, job, bold, dim })

process.stdout.write(`\n${bold('Destroy chain')}, in reverse: (app-a, app-b, edge) → platform → network\n`)
await Promise.all(['app-a', 'app-b', 'edge'].map(app => job(`destroy ${app}`, { workspace: app, operation: 'destroy' })))
await job('destroy platform', { workspace: 'platform', operation: 'destroy' })
await job('destroy network', { workspace: 'network', operation: 'destroy' })

failures += await (await import('./estate-demo.mjs')).runEstateDemo(standIn)

// --keep: the stand-in stays up at the end, to look around (the run URLs above open its pages).
const keep = process.argv.includes('--keep')
if (!keep) await standIn.stop()

// The job summaries, as GitHub would show them on the workflow run's page.
const summaryFile = join(mkdtempSync(join(tmpdir(), 'tfe-workspace-run-demo-')), 'job-summaries.html')
writeFileSync(
  summaryFile,
  `<!doctype html><meta charset="utf-8"><title>tfe-workspace-run demo: job summaries</title>\n${summaries.map(s => `<section><h2>${s.name}</h2>\n${s.html}</section>`).join('\n')}\n`
)
process.stdout.write(`\n${bold('Job summary of "apply network"')} (all of them: ${summaryFile})\n`)
process.stdout.write(`${textOf(summaries[0]?.html ?? '')}\n`)

/** A job summary's HTML as terminal text: headings, table rows as columns, paragraphs. */
function textOf(html) {
  return html
    .replace(/<h[1-6][^>]*>(.*?)<\/h[1-6]>/g, (_m, t) => `\n${bold(t)}\n`)
    .replace(/<tr>(.*?)<\/tr>/g, (_m, row) => `  ${[...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map(c => c[1].padEnd(14)).join(' ')}\n`)
    .replace(/<\/(p|li|ul)>/g, '\n')
    .replace(/<(p|li)>/g, '  ')
    .replace(/<br>/g, '\n  ')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()
}

process.stdout.write(`\n${bold('Summary')}\n`)
for (const r of results) {
  process.stdout.write(
    `  ${r.code === 0 ? '✔' : '✘'} ${r.name.padEnd(18)} ${String(r.status).padEnd(22)} attempts ${r.attempts}  ${r.seconds.toFixed(1)} s\n`
  )
}
const left = [...standIn.workspaces.values()].reduce((n, w) => n + w.resources, 0)
process.stdout.write(`  Resources left in the estate after the destroy chain: ${left}\n`)
process.stdout.write(`  (app-b's first plan errors on purpose: the step retries it.)\n`)
if (failures || left) process.exitCode = 1
if (keep) {
  process.stdout.write(
    `\n${bold('The stand-in stays up')} (--keep): ${url}/app/demo-org/workspaces/network lists its runs. Press Ctrl-C to stop.\n`
  )
  process.on('SIGINT', () => void standIn.stop().then(() => process.exit(process.exitCode ?? 0)))
} else if (process.exitCode) {
  process.exit(process.exitCode)
}
