// The demo's run-trigger part (scripts/demo.mjs calls it): dns → cdn is a run trigger, as HCP
// Terraform users set one up; the apply of dns makes HCP Terraform queue a run on cdn by itself,
// which the step reports (triggered_runs) and, with follow_triggered_runs, confirms and follows
// to applied. Then the trigger is removed and both are destroyed, so the estate ends empty.

/** Runs the part with the demo's stand-in and its `job` (one step, printed as the runner would). */
export async function demoTriggered({ standIn, url, job, bold, dim }) {
  const dns = standIn.addWorkspace({ name: 'dns', changes: { add: 2, change: 0, destroy: 0 } })
  const cdn = standIn.addWorkspace({ name: 'cdn', changes: { add: 4, change: 0, destroy: 0 } })
  const triggerId = standIn.addRunTrigger(cdn.id, dns.id)
  process.stdout.write(`\n${bold('Run triggers')}: dns → cdn is a run trigger; the apply of dns makes HCP Terraform queue a run on cdn\n`)
  const applied = await job('apply dns', { workspace: 'dns', follow_triggered_runs: 'true' })
  for (const t of JSON.parse(applied.$outputs.triggered_runs || '[]')) {
    process.stdout.write(`  ${bold('triggered_runs')}: ${t.workspace} ${t.run_id} ${t.status} ${t.url}\n`)
  }
  process.stdout.write(dim('  (the run trigger is removed before the destroys: a destroy is an apply too, and would trigger cdn again)\n'))
  await fetch(`${url}/api/v2/run-triggers/${triggerId}`, { method: 'DELETE', headers: { Authorization: 'Bearer test-token' } })
  await job('destroy cdn', { workspace: 'cdn', operation: 'destroy' })
  await job('destroy dns', { workspace: 'dns', operation: 'destroy' })
}
