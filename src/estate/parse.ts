/**
 * Reads an estate file (YAML) into an Estate: every key and value checked, every problem
 * collected with where it is. The graph (needs, cycles, variables_from) is checked in graph.ts.
 */
import { parseDocument } from 'yaml'
import { HclValueError, toHclLiteral } from '../action/hcl-value.js'
import { isRecord } from '../common/json.js'
import { DefaultAction, EstateError, type Estate, type EstateWorkspace, type StepSettings, type VariableFrom } from './model.js'
import { Reader, type Mapping } from './reader.js'

/** An estate of hundreds of workspaces is a few tens of KB; anything far larger is not one. */
export const MaxEstateFileBytes = 1024 * 1024

const NamePattern = /^[A-Za-z0-9_-]+$/
const WorkspaceIdPattern = /^ws-[A-Za-z0-9]+$/
const VariablePattern = /^[A-Za-z_][A-Za-z0-9_-]*$/
const SecretPattern = /^[A-Za-z_][A-Za-z0-9_]*$/
const ActionPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+@[A-Za-z0-9_./-]+$/
const BranchPattern = /^[A-Za-z0-9_./-]+$/

const TopKeys = ['defaults', 'workflows', 'workspaces']
const SettingKeys = [
  'organization',
  'hostname',
  'token_secret',
  'runs_on',
  'manual_confirm',
  'timeout_minutes',
  'directory',
  'environment',
  'with'
]
const DefaultsKeys = ['action', ...SettingKeys]
const WorkflowsKeys = ['apply', 'destroy', 'branch', 'concurrency_group']
const WorkspaceKeys = ['key', 'name', 'id', 'needs', 'variables', 'variables_from', ...SettingKeys]

function readSettings(r: Reader, map: Mapping, where: string): Partial<StepSettings> {
  const s: Partial<StepSettings> = {
    organization: r.string(map, 'organization', where, NamePattern, 'an organization name (letters, digits, - and _)'),
    hostname: r.string(map, 'hostname', where),
    tokenSecret: r.string(map, 'token_secret', where, SecretPattern, 'a secret name (letters, digits and _, not starting with a digit)'),
    runsOn: r.string(map, 'runs_on', where),
    manualConfirm: r.boolean(map, 'manual_confirm', where),
    timeoutMinutes: r.minutes(map, 'timeout_minutes', where),
    directory: r.string(map, 'directory', where),
    environment: r.string(map, 'environment', where),
    with: r.withInputs(map, where)
  }
  if (s.directory && (s.directory.startsWith('/') || s.directory.split(/[\\/]/).includes('..'))) {
    r.problem(`${where}.directory`, `'${s.directory}' must be a path inside the checkout (relative, without '..')`)
  }
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined))
}

function readVariables(r: Reader, map: Mapping, where: string): [string, string][] {
  const vars = r.map(map, 'variables', where) ?? {}
  const out: [string, string][] = []
  for (const [k, v] of Object.entries(vars)) {
    if (!VariablePattern.test(k)) {
      r.problem(`${where}.variables`, `'${k}' is not a Terraform variable name`)
      continue
    }
    if (typeof v === 'string' && v.includes('${{')) {
      r.problem(`${where}.variables.${k}`, 'holds a GitHub expression (${{ … }}); take upstream outputs with variables_from')
      continue
    }
    try {
      out.push([k, toHclLiteral(v)])
    } catch (err) {
      if (!(err instanceof HclValueError)) throw err
      r.problem(`${where}.variables.${k}`, err.message)
    }
  }
  return out
}

function readVariablesFrom(r: Reader, map: Mapping, where: string): VariableFrom[] {
  const from = r.map(map, 'variables_from', where) ?? {}
  const out: VariableFrom[] = []
  for (const [variable, v] of Object.entries(from)) {
    const m = typeof v === 'string' ? /^([A-Za-z0-9_-]+)\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(v) : null
    if (!VariablePattern.test(variable)) r.problem(`${where}.variables_from`, `'${variable}' is not a Terraform variable name`)
    else if (!m) r.problem(`${where}.variables_from.${variable}`, `must be '<workspace>.<output>', such as network.vpc_id`)
    else {
      const [, from = '', output = ''] = m
      out.push({ variable, from, output })
    }
  }
  return out
}

function readNeeds(r: Reader, map: Mapping, where: string): string[] {
  const v = map.needs
  if (v === undefined || v === null) return []
  const list = typeof v === 'string' ? [v] : v
  if (!Array.isArray(list) || !list.every(n => typeof n === 'string')) {
    r.problem(`${where}.needs`, 'must be a workspace or a list of workspaces of this file')
    return []
  }
  return list.filter((n): n is string => typeof n === 'string')
}

/** A key the file sets: `name:` with nothing after it is YAML null, as good as not given. */
const given = (value: unknown): boolean => value !== undefined && value !== null

function jobIdOf(key: string): string {
  return /^[A-Za-z_]/.test(key) ? key : `ws_${key}`
}

function readWorkspace(r: Reader, raw: unknown, index: number, defaults: Partial<StepSettings>): EstateWorkspace | undefined {
  const at = `workspaces[${index}]`
  if (!isRecord(raw)) {
    r.problem(at, 'must be a mapping with a name (or id) and what it needs')
    return undefined
  }
  const name = r.string(raw, 'name', at, NamePattern, 'a workspace name (letters, digits, - and _)')
  const id = r.string(raw, 'id', at, WorkspaceIdPattern, "a workspace ID (they look like 'ws-AbCdEf1234567890')")
  const explicitKey = r.string(raw, 'key', at, NamePattern, 'a key (letters, digits, - and _)')
  const key = explicitKey ?? name ?? id
  const where = key ? `${at} (${key})` : at
  r.keys(raw, WorkspaceKeys, where)
  if (name && id) r.problem(where, "give either 'name' (with an organization) or 'id', not both")
  if (!key || (!name && !id)) {
    // A name or id that was given but refused has its problem already; one never given is this one.
    // A key alone names the job only: the step would run on no workspace at all.
    if (!given(raw.name) && !given(raw.id)) {
      const keyOnly = explicitKey ? "; 'key' only names its job" : ''
      r.problem(where, `needs a 'name' (with an organization) or an 'id' ('ws-…') saying which workspace it runs on${keyOnly}`)
    }
    return undefined
  }
  const own = readSettings(r, raw, where)
  const settings: StepSettings = {
    organization: undefined,
    hostname: undefined,
    tokenSecret: 'TFE_TOKEN',
    runsOn: 'ubuntu-latest',
    manualConfirm: undefined,
    timeoutMinutes: undefined,
    directory: undefined,
    environment: undefined,
    ...defaults,
    ...own,
    with: { ...defaults.with, ...own.with }
  }
  if (name && !settings.organization) r.problem(where, "names no organization: set 'organization' here or in defaults")
  const variables = readVariables(r, raw, where)
  const variablesFrom = readVariablesFrom(r, raw, where)
  for (const f of variablesFrom) {
    if (variables.some(([k]) => k === f.variable)) r.problem(`${where}.variables_from.${f.variable}`, 'is also given in variables')
  }
  return { key, jobId: jobIdOf(key), name, id, where, needs: readNeeds(r, raw, where), variables, variablesFrom, settings }
}

/** The estate file's text as an Estate; throws EstateError listing every problem. */
export function parseEstate(text: string, file: string): Estate {
  const r = new Reader()
  if (Buffer.byteLength(text) > MaxEstateFileBytes) throw new EstateError(file, [`the file is larger than ${MaxEstateFileBytes} bytes`])
  const doc = parseDocument(text, { uniqueKeys: true })
  if (doc.errors.length)
    throw new EstateError(
      file,
      doc.errors.map(e => `YAML: ${e.message.split('\n')[0]}`)
    )
  const root: unknown = doc.toJS({ maxAliasCount: 100 })
  if (!isRecord(root)) throw new EstateError(file, ['the file must be a mapping with defaults: and workspaces:'])
  r.keys(root, TopKeys, 'the file')
  const defaultsMap = r.map(root, 'defaults', 'the file') ?? {}
  r.keys(defaultsMap, DefaultsKeys, 'defaults')
  const defaults = readSettings(r, defaultsMap, 'defaults')
  const action = r.string(defaultsMap, 'action', 'defaults', ActionPattern, "this action as 'owner/repo@ref'") ?? DefaultAction
  const wf = r.map(root, 'workflows', 'the file') ?? {}
  r.keys(wf, WorkflowsKeys, 'workflows')
  const workflows = {
    apply: r.string(wf, 'apply', 'workflows') ?? '.github/workflows/estate-apply.yml',
    destroy: r.string(wf, 'destroy', 'workflows') ?? '.github/workflows/estate-destroy.yml',
    branch: r.string(wf, 'branch', 'workflows', BranchPattern, 'a branch name') ?? 'main',
    concurrencyGroup: r.string(wf, 'concurrency_group', 'workflows', NamePattern, 'a group name (letters, digits, - and _)') ?? 'tfe-estate'
  }
  if (workflows.apply === workflows.destroy) r.problem('workflows', 'apply and destroy must be two files')
  for (const [k, path] of [
    ['apply', workflows.apply],
    ['destroy', workflows.destroy]
  ] as const) {
    if (path.startsWith('/') || path.split(/[\\/]/).includes('..') || !/\.ya?ml$/.test(path)) {
      r.problem(`workflows.${k}`, `'${path}' must be a .yml path inside the repository (relative, without '..')`)
    }
  }
  const list = root.workspaces
  if (!Array.isArray(list) || list.length === 0) {
    r.problem('the file', "needs 'workspaces:', a list of at least one workspace")
  }
  const workspaces = (Array.isArray(list) ? list : [])
    .map((raw, i) => readWorkspace(r, raw, i, defaults))
    .filter((w): w is EstateWorkspace => w !== undefined)
  if (r.problems.length) throw new EstateError(file, r.problems)
  return { file, action, workflows, workspaces }
}
