/**
 * One stand-in per end-to-end test file: started before the file's tests, stopped after them,
 * with a fresh workspace per test and the inputs that point the action at it.
 */
import { afterAll, beforeAll } from '@jest/globals'
import { StandIn, type StandInOptions, type WorkspaceSpec } from '../../stand-in/server.ts'
import { MissingVariableSummary } from '../../stand-in/engine/variables.ts'

export interface StandInFixture {
  /** The running stand-in (valid inside tests). */
  readonly server: StandIn
  /** A new workspace named `<prefix>-<n>` in demo-org. */
  workspace(spec?: Partial<WorkspaceSpec>): { name: string; id: string }
  /** The action's inputs for a workspace of this stand-in, with `extra` on top. */
  inputs(name: string, extra?: Record<string, string>): Record<string, string>
}

export function useStandIn(prefix: string, options: StandInOptions = {}): StandInFixture {
  let server: StandIn | undefined
  let counter = 0
  beforeAll(async () => {
    server = new StandIn(options)
    await server.start()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const running = (): StandIn => {
    if (!server) throw new Error('the stand-in is not started (useStandIn must be called at the top of the file)')
    return server
  }
  return {
    get server() {
      return running()
    },
    workspace(spec = {}) {
      const ws = running().addWorkspace({ name: `${prefix}-${++counter}`, ...spec })
      return { name: ws.name, id: ws.id }
    },
    inputs(name, extra = {}) {
      return { token: 'test-token', hostname: running().url, organization: 'demo-org', workspace: name, ...extra }
    }
  }
}

/**
 * Text the stand-in serves as HCP Terraform's (stand-in/server.ts, stand-in/logs.ts), which the
 * step relays: data the step passes on, not the step's own wording.
 */
export const StandInText = {
  /** The summary of the diagnostic a failing plan writes (failPlans). */
  planError: 'Reference to undeclared resource',
  /** …and where the step says it is. */
  planErrorWhere: 'main.tf line 12',
  /** The summary of the diagnostic a failing apply writes (failApplies). */
  applyError: 'creating EC2 Instance: InsufficientInstanceCapacity',
  /** What a structured plan log says of a resource to create, update or delete, after its address. */
  planned: { create: 'Plan to create', update: 'Plan to update', delete: 'Plan to delete' },
  /** The start of an apply's closing line. */
  applyComplete: 'Apply complete!',
  /** A plan's closing line, with its counts. */
  planTotals: (add: number, change: number, destroy: number): string => `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`,
  /** An apply's closing line, with its counts. */
  applyTotals: (add: number, change: number, destroy: number): string =>
    `Apply complete! Resources: ${add} added, ${change} changed, ${destroy} destroyed.`,
  /** A plain (not structured) plan log's heading of a resource to create, ANSI bold included. */
  plainCreate: (address: string): string => `  \u001b[1m# ${address}\u001b[0m will be created`,
  /** The run task's message when it fails (runTask: '…-failed'). */
  taskFindings: '2 high-severity findings.',
  /** The summary of the diagnostic a plan writes when a required variable has no value (requiredVariables). */
  missingVariable: MissingVariableSummary,
  /** The detail of the 422 a run create gets on a workspace with no configuration version yet. */
  noConfiguration: 'Configuration version is missing'
} as const
