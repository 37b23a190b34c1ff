// The demo's review part (called from scripts/demo.mjs): a workspace whose plan replaces its
// database, an apply step with auto_confirm_if holding it back for a person (who confirms it in
// the stand-in, as one would in HCP Terraform), and the job summary with the attribute-level diff.

/** Waits until the workspace's newest run is at `status`, or gives up after `ms`. */
async function runAt(standIn, workspaceId, status, ms) {
  const until = Date.now() + ms
  for (;;) {
    const run = standIn.runsOf(workspaceId).at(-1)
    if (run?.status === status) return run
    if (Date.now() > until) return undefined
    await new Promise(r => setTimeout(r, 100))
  }
}

/** The ```diff blocks of a summary, as a terminal shows them. */
function diffsOf(html) {
  return [...html.matchAll(/<summary>(.*?)<\/summary>\n\n(`{3,})diff\n([\s\S]*?)\n\2/g)].map(m => m[3])
}

export async function demoReview({ standIn, job, bold, dim }) {
  process.stdout.write(`\n${bold('Guarded auto-confirm')}: a plan that replaces the orders database is held for a person\n`)
  const ws = standIn.addWorkspace({
    name: 'orders',
    planScenario: 'review',
    resources: 3,
    costEstimation: true,
    outputs: { db_endpoint: { value: 'orders.db.acme.example' }, db_password: { value: 'orders-db-password-never-shown', sensitive: true } }
  })
  // The person: once the step says it waits, they read the diff and confirm the run.
  const person = (async () => {
    const run = await runAt(standIn, ws.id, 'cost_estimated', 30_000)
    if (!run) return
    await new Promise(r => setTimeout(r, 1_500))
    process.stdout.write(dim(`  (a person reads the diff in the job summary and confirms run ${run.id} in HCP Terraform)\n`))
    standIn.confirm(run.id)
  })()
  const applied = await job('apply orders', {
    workspace: 'orders',
    auto_confirm_if: 'never_destroy=aws_db_instance.*\nmax_cost_increase=50',
    on_guard_held: 'wait',
    timeout_minutes: '2'
  })
  await person
  const html = applied.$summary ?? ''
  process.stdout.write(`\n${bold('Job summary of "apply orders"')}: the diff reviewers read, destroys first\n`)
  for (const diff of diffsOf(html)) process.stdout.write(`${diff.replace(/^/gm, '    ')}\n\n`)
  if (html.includes('orders-db-password-never-shown')) throw new Error('a sensitive value leaked into the job summary: this is a bug')
  await job('destroy orders', { workspace: 'orders', operation: 'destroy' })
}
