/**
 * `npm run stand-in`: the local HCP Terraform stand-in with the demo estate, until Ctrl-C.
 * PORT (default 8080) and STAND_IN_TOKEN (default test-token) may be set.
 */
import { StandIn } from './server.ts'
import { seedDemoEstate } from './estate.ts'

const token = process.env.STAND_IN_TOKEN || 'test-token'
const standIn = new StandIn({
  port: Number(process.env.PORT || 8080),
  tokens: { [token]: '*' },
  defaultTimings: { queueMs: 300, planMs: 3000, applyMs: 3000, applyQueueMs: 300 }
})
const url = await standIn.start()
seedDemoEstate(standIn)
process.stdout.write(
  [
    `HCP Terraform stand-in listening on ${url} (organization demo-org, token ${token})`,
    `Workspaces: ${[...standIn.workspaces.values()].map(w => `${w.name} (${w.id})`).join(', ')}`,
    `State: curl ${url}/_stand-in/state    Confirm a run: curl -X POST ${url}/_stand-in/runs/<run-id>/confirm`,
    'Press Ctrl-C to stop.',
    ''
  ].join('\n')
)
const stop = (): void => void standIn.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
