/**
 * New engine records: a workspace from its spec, a run from the create request's attributes.
 * Only the data as it starts out; what happens to it next is the engine's.
 */
import { randomBytes } from 'node:crypto'
import { DefaultTimings, newId, type Stage, type StandInRun, type StandInWorkspace, type Timings, type WorkspaceSpec } from './model.ts'

export function newWorkspace(spec: WorkspaceSpec, defaultTimings: Partial<Timings>): StandInWorkspace {
  return {
    id: spec.id ?? newId('ws'),
    name: spec.name,
    organization: spec.organization ?? 'demo-org',
    spec,
    timings: { ...DefaultTimings, ...defaultTimings, ...spec.timings },
    currentRunId: undefined,
    manualLock: undefined,
    updatedAt: new Date().toISOString(),
    queue: [],
    resources: spec.resources ?? 0,
    plansSeen: 0,
    appliesSeen: 0,
    hasState: (spec.resources ?? 0) > 0,
    outputs: {},
    outputIds: {},
    stateVersion: undefined,
    stateAddresses: []
  }
}

function newStage(kind: 'plans' | 'applies'): Stage {
  return {
    id: newId(kind === 'plans' ? 'plan' : 'apply'),
    kind,
    status: 'pending',
    additions: 0,
    changes: 0,
    destructions: 0,
    logId: randomBytes(12).toString('hex'),
    logIssued: kind === 'plans',
    timestamps: { 'queued-at': new Date().toISOString() }
  }
}

/** A pending run, from the attributes of the create request. */
export function newRun(ws: StandInWorkspace, a: Record<string, unknown>, cvId?: string): StandInRun {
  const targets = a['target-addrs']
  const replaces = a['replace-addrs']
  const variables = a.variables
  return {
    id: newId('run'),
    workspaceId: ws.id,
    savePlan: a['save-plan'] === true,
    configurationVersionId: cvId,
    status: 'pending',
    message: typeof a.message === 'string' ? a.message : 'Queued manually via the Terraform Enterprise API',
    isDestroy: a['is-destroy'] === true,
    planOnly: a['plan-only'] === true,
    autoApply: typeof a['auto-apply'] === 'boolean' ? a['auto-apply'] : (ws.spec.autoApply ?? false),
    allowEmptyApply: a['allow-empty-apply'] === true,
    refreshOnly: a['refresh-only'] === true,
    refresh: a.refresh !== false,
    // Taken as sent, unchecked, as the stand-in has always done: clients send what go-tfe sends.
    targetAddrs: Array.isArray(targets) ? targets : null,
    replaceAddrs: Array.isArray(replaces) ? replaces : null,
    variables: Array.isArray(variables) ? variables : [],
    hasChanges: false,
    confirmable: false,
    plan: newStage('plans'),
    apply: newStage('applies'),
    createdAt: new Date().toISOString(),
    statusTimestamps: { 'plan-queueable-at': new Date().toISOString() },
    ranCostEstimate: false,
    ranPolicy: false,
    source: 'tfe-api',
    triggerReason: 'manual',
    timers: []
  }
}
