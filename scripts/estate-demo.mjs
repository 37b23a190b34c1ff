// The estate half of `npm run demo`: an estate file (network → platform → app-a, app-b, and dns
// beside platform) is generated into its apply and destroy workflows by the bundled generator
// (dist/estate/index.js), and both run through the local executor (workflow-runner.mjs) against
// the stand-in: applies in needs: order, then the destroy in reverse, where platform and the apps
// take their upstreams' outputs as variables from the current state.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RepoRoot, runWorkflow } from './workflow-runner.mjs'

const bold = s => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const dim = s => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s)

/** The workspaces the demo estate runs on, in organization acme; each requires its upstream's outputs. */
export const EstateDemoWorkspaces = [
  {
    name: 'network',
    organization: 'acme',
    changes: { add: 6, change: 0, destroy: 0 },
    outputs: { vpc_id: { value: 'vpc-0e57a7e' }, private_subnets: { value: ['subnet-a1', 'subnet-b2'] } }
  },
  {
    name: 'dns',
    organization: 'acme',
    changes: { add: 2, change: 0, destroy: 0 },
    requiredVariables: ['vpc_id'],
    outputs: { zone_id: { value: 'Z0DEM0' } }
  },
  {
    name: 'platform',
    organization: 'acme',
    changes: { add: 9, change: 0, destroy: 0 },
    requiredVariables: ['vpc_id', 'subnet_ids'],
    outputs: { cluster_name: { value: 'demo-eks' }, cluster_token: { value: 'k8s-token-never-shown', sensitive: true } }
  },
  {
    name: 'app-a',
    organization: 'acme',
    changes: { add: 3, change: 0, destroy: 0 },
    requiredVariables: ['cluster_name'],
    outputs: { url: { value: 'https://app-a.demo.internal' } }
  },
  {
    name: 'app-b',
    organization: 'acme',
    changes: { add: 2, change: 0, destroy: 0 },
    failPlans: 1,
    requiredVariables: ['cluster_name', 'zone_id'],
    outputs: {}
  }
]

export function estateFileFor(hostname) {
  return `# The demo estate: generated into the apply and destroy workflows by dist/estate/index.js.
defaults:
  organization: acme
  hostname: ${hostname}
  timeout_minutes: 10
  with:
    retry_backoff_min: 1
workflows:
  apply: .github/workflows/estate-apply.yml
  destroy: .github/workflows/estate-destroy.yml
workspaces:
  - name: network
  - name: dns
    needs: [network]
    variables_from:
      vpc_id: network.vpc_id
  - name: platform
    needs: [network]
    variables_from:
      vpc_id: network.vpc_id
      subnet_ids: network.private_subnets
  - name: app-a
    needs: [platform]
    variables_from:
      cluster_name: platform.cluster_name
  - name: app-b
    needs: [platform, dns]
    variables_from:
      cluster_name: platform.cluster_name
      zone_id: dns.zone_id
`
}

/** Writes the estate file in a fresh checkout and generates its workflows with the bundle; returns the checkout. */
export function generateEstate(hostname) {
  const checkout = mkdtempSync(join(tmpdir(), 'tfe-estate-demo-'))
  mkdirSync(join(checkout, '.github'), { recursive: true })
  writeFileSync(join(checkout, '.github', 'estate.yml'), estateFileFor(hostname))
  execFileSync(process.execPath, [join(RepoRoot, 'dist', 'estate', 'index.js'), 'generate', '--file', '.github/estate.yml'], {
    cwd: checkout
  })
  return checkout
}

export async function runEstateDemo(standIn) {
  for (const spec of EstateDemoWorkspaces) standIn.addWorkspace(spec)
  const checkout = generateEstate(standIn.url)
  process.stdout.write(
    `\n${bold('The estate from one file')}: ${join(checkout, '.github', 'estate.yml')} generated into estate-apply.yml and estate-destroy.yml\n`
  )
  let failures = 0
  for (const [operation, file] of [
    ['apply', 'estate-apply.yml'],
    ['destroy', 'estate-destroy.yml']
  ]) {
    const text = readFileSync(join(checkout, '.github', 'workflows', file), 'utf8')
    process.stdout.write(`\n${bold(`Estate ${operation}`)}: the jobs of ${file} in their needs: order\n`)
    const started = performance.now()
    const run = await runWorkflow(text, {
      workspace: checkout,
      secrets: { TFE_TOKEN: 'test-token' },
      onJob: (id, what) =>
        process.stdout.write(`  ${dim(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s]`)} ${id.padEnd(15)} ${what}\n`),
      onLine: (id, line) => {
        if (/Run variable|::error::/.test(line)) process.stdout.write(`  ${dim(`[${id}]`)} ${line.replace(/^::error::/, 'ERROR: ')}\n`)
      }
    })
    const summary = run.jobs['estate-summary']
    for (const line of (summary?.steps[0]?.stdout ?? '').split('\n').filter(l => l.trim())) process.stdout.write(`  ${line}\n`)
    const leaked = Object.values(run.jobs).some(j => j.steps.some(s => `${s.stdout}${s.summary}`.includes('k8s-token-never-shown')))
    if (leaked) process.stderr.write('A sensitive output leaked into a job: this is a bug.\n')
    failures += Object.values(run.jobs).filter(j => j.result !== 'success').length + (leaked ? 1 : 0)
  }
  const left = EstateDemoWorkspaces.reduce((n, s) => n + (standIn.workspaceByName(s.name, 'acme')?.resources ?? 0), 0)
  process.stdout.write(`  Resources left in the estate after its destroy: ${left}\n`)
  return failures + (left ? 1 : 0)
}
