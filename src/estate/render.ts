/**
 * The two workflows of an estate, as text: apply (job-level needs: follow the file) and destroy
 * (the same edges reversed), one job per workspace, then the estate summary. Deterministic: the
 * same file gives the same bytes, which is what the staleness check compares.
 */
import { Document, isMap, isScalar, isSeq, visit } from 'yaml'
import { Inputs } from '../action/names.js'
import { assertGraph, placed, type Direction, type Placed } from './graph.js'
import { EstateError, MaxWorkflowBytes, SummaryJobId, type Estate, type EstateWorkspace } from './model.js'

export interface GeneratedFile {
  path: string
  text: string
}

/** The summary step's view of the graph: what it shows, in order. */
export interface SummaryEntry {
  job: string
  workspace: string
  level: number
  waits_for: string[]
}

/** `owner/repo@ref` → `owner/repo/estate@ref`: the estate sub-action of the same release. */
export function estateActionOf(action: string): string {
  const at = action.indexOf('@')
  return `${action.slice(0, at)}/estate${action.slice(at)}`
}

export function regenerateCommand(estate: Estate): string {
  const at = estate.action.indexOf('@')
  return `npx --yes github:${estate.action.slice(0, at)}#${estate.action.slice(at + 1)} generate --file ${estate.file}`
}

function shown(w: EstateWorkspace): string {
  return w.id ?? `${w.settings.organization}/${w.name}`
}

/** How the action names an upstream workspace in variables_from_outputs: by name in the same organization. */
function upstreamRef(w: EstateWorkspace, up: EstateWorkspace): string {
  if (up.id) return up.id
  return up.settings.organization === w.settings.organization ? `${up.name}` : `${up.settings.organization}/${up.name}`
}

/** The workspace a variables_from entry names; assertGraph has refused a file naming one it does not list. */
function upstreamOf(byKey: Map<string, EstateWorkspace>, key: string): EstateWorkspace {
  const up = byKey.get(key)
  if (!up) throw new Error(`variables_from names '${key}', which the estate does not list`)
  return up
}

function stepInputs(estate: Estate, w: EstateWorkspace, direction: Direction): Record<string, string> {
  const s = w.settings
  const byKey = new Map(estate.workspaces.map(x => [x.key, x]))
  const inputs: Record<string, string> = { [Inputs.Token]: `\${{ secrets.${s.tokenSecret} }}` }
  if (s.hostname) inputs[Inputs.Hostname] = s.hostname
  if (w.id) {
    inputs[Inputs.WorkspaceId] = w.id
  } else {
    // parse.ts refuses a named workspace without an organization; an input left undefined is not written.
    if (s.organization !== undefined) inputs[Inputs.Organization] = s.organization
    if (w.name !== undefined) inputs[Inputs.Workspace] = w.name
  }
  inputs[Inputs.Operation] = direction
  if (s.manualConfirm !== undefined) inputs[Inputs.ManualConfirm] = String(s.manualConfirm)
  if (s.timeoutMinutes !== undefined) inputs[Inputs.TimeoutMinutes] = String(s.timeoutMinutes)
  if (s.directory) inputs[Inputs.Directory] = s.directory
  if (w.variables.length) inputs[Inputs.Variables] = `${w.variables.map(([k, v]) => `${k}=${v}`).join('\n')}\n`
  if (w.variablesFrom.length) {
    inputs[Inputs.VariablesFromOutputs] =
      `${w.variablesFrom.map(f => `${f.variable}=${upstreamRef(w, upstreamOf(byKey, f.from))}.${f.output}`).join('\n')}\n`
  }
  for (const [k, v] of Object.entries(s.with)) inputs[k] = v
  return inputs
}

function job(estate: Estate, p: Placed, direction: Direction, jobIds: Map<string, string>): Record<string, unknown> {
  const w = p.workspace
  const j: Record<string, unknown> = { name: `${direction} ${shown(w)}`, 'runs-on': w.settings.runsOn }
  if (p.waitsFor.length) j.needs = p.waitsFor.map(k => jobIds.get(k))
  if (w.settings.environment) j.environment = w.settings.environment
  j.outputs = { status: '${{ steps.run.outputs.status }}', run_url: '${{ steps.run.outputs.run_url }}' }
  const steps: Record<string, unknown>[] = []
  // The step packs the directory from the checkout.
  if (w.settings.directory) steps.push({ uses: 'actions/checkout@v4' })
  steps.push({ id: 'run', uses: estate.action, with: stepInputs(estate, w, direction) })
  j.steps = steps
  return j
}

const Titles: Record<Direction, { name: string; about: string }> = {
  apply: {
    name: 'Apply the estate',
    about: "Apply: a workspace's job starts once every workspace it needs has applied; independent workspaces run in parallel."
  },
  destroy: {
    name: 'Destroy the estate',
    about:
      'Destroy: the apply graph reversed. A workspace is destroyed only after every workspace that needs it was; a failed destroy keeps what it needs alive.'
  }
}

function workflow(estate: Estate, direction: Direction): string {
  const order = placed(estate, direction)
  const jobIds = new Map(estate.workspaces.map(w => [w.key, w.jobId]))
  const jobs: Record<string, unknown> = {}
  for (const p of order) jobs[p.workspace.jobId] = job(estate, p, direction, jobIds)
  const graph: SummaryEntry[] = order.map(p => ({
    job: p.workspace.jobId,
    workspace: shown(p.workspace),
    level: p.level,
    waits_for: p.waitsFor.map(k => jobIds.get(k) ?? k)
  }))
  jobs[SummaryJobId] = {
    name: 'estate summary',
    if: 'always()',
    needs: order.map(p => p.workspace.jobId),
    'runs-on': 'ubuntu-latest',
    steps: [
      {
        uses: estateActionOf(estate.action),
        with: { mode: 'summary', operation: direction, needs: '${{ toJSON(needs) }}', graph: JSON.stringify(graph) }
      }
    ]
  }
  const on: Record<string, unknown> =
    direction === 'apply' ? { push: { branches: [estate.workflows.branch] }, workflow_dispatch: null } : { workflow_dispatch: null }
  const doc = new Document({
    name: Titles[direction].name,
    on,
    permissions: { contents: 'read' },
    concurrency: { group: estate.workflows.concurrencyGroup, 'cancel-in-progress': false },
    jobs
  })
  doc.commentBefore = [
    ` generated from ${estate.file}; do not edit; regenerate with: ${regenerateCommand(estate)}`,
    ` ${Titles[direction].about}`
  ].join('\n')
  // A blank line before each job, as people write workflows.
  const jobsNode = isMap(doc.contents) ? doc.contents.items.find(i => isScalar(i.key) && i.key.value === 'jobs') : undefined
  if (jobsNode && isMap(jobsNode.value)) {
    for (const item of jobsNode.value.items.slice(1)) if (isScalar(item.key)) item.key.spaceBefore = true
  }
  // Lists of names on one line: needs: [network, platform].
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && ['needs', 'branches'].includes(String(pair.key.value)) && isSeq(pair.value)) pair.value.flow = true
    }
  })
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false, nullStr: '', singleQuote: true })
}

/** Both workflows of a checked estate; throws EstateError for a broken graph or a file GitHub would not run. */
export function generate(estate: Estate): GeneratedFile[] {
  assertGraph(estate)
  const files = [
    { path: estate.workflows.apply, text: workflow(estate, 'apply') },
    { path: estate.workflows.destroy, text: workflow(estate, 'destroy') }
  ]
  const big = files.filter(f => Buffer.byteLength(f.text) > MaxWorkflowBytes)
  if (big.length) {
    throw new EstateError(
      estate.file,
      big.map(
        f => `${f.path} would be ${Buffer.byteLength(f.text)} bytes; GitHub does not run a workflow file over ${MaxWorkflowBytes} bytes`
      )
    )
  }
  return files
}
