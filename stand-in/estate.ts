/** The demo estate the CLI and `npm run demo` seed: workspaces only, no runs. */
import type { StandIn, WorkspaceSpec } from './server.ts'

/** The demo estate: network → platform → (app-a, app-b), each handing outputs to the next. */
export const DemoEstate: WorkspaceSpec[] = [
  {
    name: 'network',
    changes: { add: 6, change: 0, destroy: 0 },
    outputs: { vpc_id: { value: 'vpc-0d3m0n3tw0rk' }, private_subnets: { value: ['subnet-a1', 'subnet-b2'] } }
  },
  {
    name: 'platform',
    changes: { add: 9, change: 0, destroy: 0 },
    costEstimation: true,
    outputs: { cluster_name: { value: 'demo-eks' }, cluster_token: { value: 'k8s-token-never-shown', sensitive: true } }
  },
  { name: 'app-a', changes: { add: 3, change: 0, destroy: 0 }, outputs: { url: { value: 'https://app-a.demo.internal' } } },
  { name: 'app-b', changes: { add: 2, change: 0, destroy: 0 }, failPlans: 1, outputs: { url: { value: 'https://app-b.demo.internal' } } },
  // An API-driven workspace with no configuration yet: the demo uploads one from a local directory.
  { name: 'edge', hasConfiguration: false }
]

export function seedDemoEstate(standIn: StandIn): void {
  for (const spec of DemoEstate) standIn.addWorkspace(spec)
}
