/**
 * `npm run stand-in`: the local HCP Terraform stand-in with the demo estate, until Ctrl-C.
 * `npm run stand-in -- --help` lists the options.
 */
import { parseArgs } from 'node:util'
import { StandIn } from './server.ts'
import { seedDemoEstate } from './estate.ts'
import { makeCertificate } from './tls.ts'

const Help = `The local HCP Terraform stand-in: the part of the API v2 the action uses, on loopback.

Usage: npm run stand-in -- [options]

Options:
  --port N       port of the API (default: PORT, else 8080)
  --token T      the API token it accepts (default: STAND_IN_TOKEN, else test-token)
  --tls          serve HTTPS with a certificate made at start-up; its file is printed, for
                 NODE_EXTRA_CA_CERTS
  --fast         short stages (plans and applies of 0.3 s) instead of the demo's 3 s
  --help         this text

Scenario: organization demo-org with workspaces network, platform (cost estimation), app-a,
app-b (its first plan fails) and edge (no configuration yet: upload one with directory:).
People's moves: POST /_stand-in/runs/<run-id>/{confirm,discard,cancel,override},
POST /_stand-in/workspaces/<ws-id>/{lock,unlock}; everything: GET /_stand-in/state.
`

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      token: { type: 'string' },
      tls: { type: 'boolean', default: false },
      fast: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    }
  })
}
try {
  args = parse()
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${Help}`)
  process.exit(2)
}
if (args.values.help) {
  process.stdout.write(Help)
  process.exit(0)
}
const port = Number(args.values.port ?? process.env.PORT ?? 8080)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port: '${args.values.port ?? process.env.PORT}' is not a port number.\n`)
  process.exit(2)
}
const token = args.values.token || process.env.STAND_IN_TOKEN || 'test-token'
let certificate: ReturnType<typeof makeCertificate> | undefined
try {
  certificate = args.values.tls ? makeCertificate() : undefined
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}
const standIn = new StandIn({
  port,
  tokens: { [token]: '*' },
  tls: certificate,
  defaultTimings: args.values.fast
    ? { queueMs: 50, planMs: 300, applyMs: 300, applyQueueMs: 50 }
    : { queueMs: 300, planMs: 3000, applyMs: 3000, applyQueueMs: 300 }
})
let url: string
try {
  url = await standIn.start()
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}
seedDemoEstate(standIn)
process.stdout.write(
  [
    `HCP Terraform stand-in listening on ${url} (organization demo-org, token ${token})`,
    ...(certificate ? [`Its certificate: ${certificate.certFile} (set NODE_EXTRA_CA_CERTS to it for clients)`] : []),
    `Workspaces: ${[...standIn.workspaces.values()].map(w => `${w.name} (${w.id})`).join(', ')}`,
    `State: curl ${url}/_stand-in/state    Confirm a run: curl -X POST ${url}/_stand-in/runs/<run-id>/confirm`,
    'Press Ctrl-C to stop.',
    ''
  ].join('\n')
)
const stop = (): void => void standIn.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
