/** The variables_from_outputs input: each line's variable, workspace (name, organization/name, ID) and output; each refusal names the input. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getSettings } from '../../src/action/inputs.ts'
import type { InputError } from '../../src/common/errors.ts'
import { captureStdout, setInputs } from '../helpers/env.ts'
import { settingsError } from '../helpers/settings.ts'

const base = { token: 'tok-abc', organization: 'acme', workspace: 'platform' }

const errorFor = (inputs: Record<string, string>): InputError => settingsError(inputs)

describe('variables_from_outputs', () => {
  let out: ReturnType<typeof captureStdout>
  beforeEach(() => {
    out = captureStdout()
  })
  afterEach(() => out.restore())

  it('reads a workspace by name in the step organization, by organization/name and by ID', () => {
    setInputs({ ...base, variables_from_outputs: 'vpc_id=network.vpc_id\nzone = beta/dns.zone_id\n\nsubnets=ws-AbC123.private_subnets\n' })
    expect(getSettings().variablesFromOutputs).toEqual([
      { variable: 'vpc_id', workspaceId: undefined, organization: 'acme', workspace: 'network', output: 'vpc_id' },
      { variable: 'zone', workspaceId: undefined, organization: 'beta', workspace: 'dns', output: 'zone_id' },
      { variable: 'subnets', workspaceId: 'ws-AbC123', organization: undefined, workspace: undefined, output: 'private_subnets' }
    ])
  })

  it('is empty by default', () => {
    setInputs(base)
    expect(getSettings().variablesFromOutputs).toEqual([])
  })

  it.each([
    ['no output', 'vpc_id=network'],
    ['no variable', '=network.vpc_id'],
    ['a bad variable name', '1x=network.vpc_id'],
    ['a path', 'vpc_id=network.vpc.id'],
    ['an expression', 'vpc_id=${{ needs.network.outputs.vpc_id }}'],
    ['a variable twice', 'a=network.x\na=network.y'],
    ['a variable also in variables', 'region=network.region']
  ])('refuses %s, naming the input', (_what, line) => {
    expect(errorFor({ ...base, variables: 'region="eu"', variables_from_outputs: line }).input).toBe('variables_from_outputs')
  })

  it('a named workspace needs an organization: the step its own, or the line one', () => {
    expect(errorFor({ token: 't', workspace_id: 'ws-abc', variables_from_outputs: 'x=network.x' }).input).toBe('variables_from_outputs')
    setInputs({ token: 't', workspace_id: 'ws-abc', variables_from_outputs: 'x=acme/network.x' })
    expect(getSettings().variablesFromOutputs?.[0]?.organization).toBe('acme')
  })

  it('cannot be given with run_id, whose run has its variables already', () => {
    expect(errorFor({ ...base, run_id: 'run-abc', variables_from_outputs: 'x=network.x' }).input).toBe('variables_from_outputs')
  })
})
