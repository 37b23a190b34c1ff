import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getSettings } from '../../src/action/inputs.js'
import { parseHostname } from '../../src/action/input-readers.js'
import type { InputError } from '../../src/common/errors.js'
import { captureStdout, setInputs } from '../helpers/env.ts'
import { settingsError } from '../helpers/settings.ts'
import { textFacts, type TextFacts } from '../helpers/step-facts.ts'

const base = { token: 'tok-abc', organization: 'acme', workspace: 'network' }

/** What an error message must say: a pattern, or the facts it holds (quoted values, inputs named). */
type Says = RegExp | Partial<Record<keyof TextFacts, unknown>>

function expectSays(message: string, says: Says): void {
  if (says instanceof RegExp) expect(message).toMatch(says)
  else expect(textFacts(message)).toMatchObject(says)
}

const errorFor = (inputs: Record<string, string>): InputError => settingsError(inputs)

describe('inputs', () => {
  let out: ReturnType<typeof captureStdout>
  beforeEach(() => {
    out = captureStdout()
    delete process.env.TFE_TOKEN
  })
  afterEach(() => out.restore())

  it('reads the defaults the way action.yml documents them', () => {
    setInputs(base)
    const s = getSettings()
    expect(s).toMatchObject({
      baseUrl: 'https://app.terraform.io',
      organization: 'acme',
      workspace: 'network',
      operation: 'apply',
      manualConfirm: false,
      retry: true,
      retryAttempts: 3,
      retryBackoffMinMs: 1000,
      retryBackoffMaxMs: 30000,
      waitForRun: true,
      timeoutMs: 0,
      cancelOnAbort: true,
      refresh: true,
      refreshOnly: false,
      allowEmptyApply: false,
      targetAddrs: [],
      variables: []
    })
    // Empty: the lifecycle fills in the default message, which names the workflow run.
    expect(s.message).toBe('')
  })

  it('masks the token before anything else is logged', () => {
    setInputs(base)
    getSettings()
    expect(out.text().split('\n')[0]).toBe('::add-mask::tok-abc')
  })

  it('masks the token as it is sent when the secret came with a trailing newline', () => {
    setInputs(base)
    process.env.TFE_TOKEN = 'tok-from-env\n'
    process.env.INPUT_TOKEN = ''
    expect(getSettings().token).toBe('tok-from-env')
    expect(out.text()).toContain('::add-mask::tok-from-env\n')
    delete process.env.TFE_TOKEN
  })

  it('falls back to TFE_TOKEN and names the input when neither is set', () => {
    setInputs({ ...base, token: '' })
    process.env.TFE_TOKEN = 'from-env'
    expect(getSettings().token).toBe('from-env')
    delete process.env.TFE_TOKEN
    const err = errorFor({ ...base, token: '' })
    expect(err.input).toBe('token')
    expect(err.message).toMatch(/TFE_TOKEN/)
  })

  it.each([
    ['tfe.example.com', 'https://tfe.example.com'],
    ['tfe.example.com:8443', 'https://tfe.example.com:8443'],
    ['https://tfe.example.com/', 'https://tfe.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000']
  ])('accepts hostname %s', (raw, expected) => {
    expect(parseHostname(raw)).toBe(expected)
  })

  it.each([
    ['http://tfe.example.com', /plain http/],
    ['http://10.0.0.5', /plain http/],
    ['ftp://tfe.example.com', /scheme/],
    ['https://tfe.example.com/api/v2', { quoted: ['hostname', 'https://tfe.example.com/api/v2'] }],
    ['https://user:pw@tfe.example.com', /credentials/],
    ['not a host', { quoted: ['hostname', 'not a host', 'app.terraform.io', 'tfe.example.com:8443'] }]
  ] as [string, Says][])('refuses hostname %s', (raw, says) => {
    const err = errorFor({ ...base, hostname: raw })
    expect(err.input).toBe('hostname')
    expectSays(err.message, says)
  })

  it.each<[Record<string, string>, string, Says]>([
    [{ workspace_id: 'ws-abc123' }, 'workspace_id', /not both/],
    [{ workspace: '', organization: '' }, 'workspace', /is required/],
    [{ workspace: 'net work' }, 'workspace', /letters, digits/],
    [{ organization: '' }, 'organization', /is required/],
    [{ workspace: '', workspace_id: 'network' }, 'workspace_id', { quoted: ['workspace_id', 'network', 'ws-AbCdEf1234567890'] }],
    [{ operation: 'deploy' }, 'operation', /'deploy'.*\bapply\b.*\bdestroy\b.*\bplan\b/],
    [{ manual_confirm: 'yes' }, 'manual_confirm', { quoted: ['manual_confirm', 'yes'] }],
    [{ retry: '1' }, 'retry', { quoted: ['retry', '1'] }],
    [{ retry_attempts: '2.5' }, 'retry_attempts', /whole number/],
    [{ retry_attempts: '-1' }, 'retry_attempts', { quoted: ['retry_attempts', '-1'] }],
    [{ retry_attempts: '101' }, 'retry_attempts', /0 to 100/],
    [{ retry_backoff_min: 'soon' }, 'retry_backoff_min', { quoted: ['retry_backoff_min', 'soon'] }],
    [{ retry_backoff_min: '10', retry_backoff_max: '5' }, 'retry_backoff_max', /at least retry_backoff_min/],
    [{ timeout_minutes: '1h' }, 'timeout_minutes', { quoted: ['timeout_minutes', '1h'] }],
    [{ wait_for_run: 'no' }, 'wait_for_run', { quoted: ['wait_for_run', 'no'] }],
    [{ cancel_on_abort: 'maybe' }, 'cancel_on_abort', { quoted: ['cancel_on_abort', 'maybe'] }],
    [{ variables: 'novalue' }, 'variables', { quoted: ['variables', 'key=value'] }],
    [{ variables: 'region=' }, 'variables', { quoted: ['variables', 'region'] }],
    [{ variables: 'a="1"\na="2"' }, 'variables', /given twice/],
    [{ variables: '1bad="x"' }, 'variables', /line 1/],
    [{ operation: 'destroy', refresh_only: 'true' }, 'refresh_only', /destroy/],
    [{ refresh: 'false', refresh_only: 'true' }, 'refresh', /refresh_only/],
    [{ token: 'abc def' }, 'token', /white space/],
    [{ timeout_minutes: '35792' }, 'timeout_minutes', /\b35792\b.*\(10080\b/],
    [{ read_outputs: 'nope' }, 'read_outputs', { quoted: ['read_outputs', 'nope'] }],
    [
      { variables: 'region=eu-west-1' },
      'variables',
      { quoted: ['variables', 'region'], text: expect.stringMatching(/\bline 1 \('region'\)/) }
    ],
    [
      { variables: 'a=1\nregion="eu-west-1' },
      'variables',
      { quoted: ['variables', 'region'], text: expect.stringMatching(/\bline 2 \('region'\).*\bcolumn 1\b/) }
    ],
    [
      { variables: 'cidr=10.0.0.0/16' },
      'variables',
      { quoted: ['variables', 'cidr'], text: expect.stringMatching(/\bline 1 \('cidr'\).*\bcolumn 5\b/) }
    ],
    [{ variables: 'doc=<<EOT' }, 'variables', /heredocs/],
    [{ variables: 'name="${var.x}"' }, 'variables', /template sequence.*\$\$\{/],
    [
      { variables: 'x="a\\qb"' },
      'variables',
      { quoted: ['variables', 'x'], text: expect.stringMatching(/\bline 1 \('x'\).*\bcolumn 3\b/) }
    ],
    [{ variables: 'l=["a" "b"]' }, 'variables', /expected ',' or '\]'/],
    [{ variables: 'o={a=1 b=2}' }, 'variables', /expected ',' or '\}'/],
    [{ run_id: 'abc' }, 'run_id', { quoted: ['run_id', 'abc', 'run-AbCdEf1234567890'] }],
    [{ run_id: 'run-AbCdEf1234567890', directory: 'infra' }, 'run_id', { inputs: ['run_id', 'directory'] }],
    [{ run_id: 'run-AbCdEf1234567890', wait_for_run: 'false' }, 'run_id', /needs 'wait_for_run: true'/],
    [{ save_plan: 'true', operation: 'plan' }, 'save_plan', { quoted: ['save_plan', 'apply', 'destroy'] }]
  ])('refuses %j naming input %s', (extra, input, says) => {
    const err = errorFor({ ...base, ...extra })
    expect(err.input).toBe(input)
    expect(err.message).toContain(`'${input}'`)
    expectSays(err.message, says)
  })

  it('golden: why a run variable is not an HCL literal', () => {
    const problems = ['region=eu-west-1', 'a=1\nregion="eu-west-1', 'cidr=10.0.0.0/16', 'x="a\\qb"'].map(
      variables => errorFor({ ...base, variables }).message
    )
    expect(problems).toEqual([
      `Input 'variables': line 1 ('region'): the value is not an HCL literal: a bare word is not a value (only true, false and null are); a string is written in double quotes, e.g. name="text".`,
      "Input 'variables': line 2 ('region'): the value is not an HCL literal: the string that starts at column 1 is not closed with a double quote.",
      `Input 'variables': line 1 ('cidr'): the value is not an HCL literal: unexpected text after the value at column 5 (a string is written in double quotes, e.g. name="text").`,
      "Input 'variables': line 1 ('x'): the value is not an HCL literal: unknown escape sequence at column 3 (known: \\n \\r \\t \\\" \\\\ \\uNNNN)."
    ])
  })

  it('never puts a variable value in an error message', () => {
    const err = errorFor({ ...base, variables: 'ok="1"\nsecret-ish value without equals sign' })
    expect(err.message).not.toContain('secret-ish')
    const unterminated = errorFor({ ...base, variables: 'password="hunter2' })
    expect(unterminated.message).not.toContain('hunter2')
  })

  it.each([
    '"eu-west-1"',
    '2',
    '-1.5e3',
    'true',
    'null',
    '""',
    '"tab\\tnewline\\n quote\\" unicode\\u00e9 \\U0001F600"',
    '"literal $${not_a_ref} and %%{not_a_directive}"',
    '["a", "b",]',
    '[]',
    '{ a = 1, "b" = [true, null], c: { d = "e" } }',
    '  "padded"  '
  ])('accepts the HCL literal %s as a run variable value', value => {
    setInputs({ ...base, variables: `v=${value}` })
    expect(getSettings().variables).toEqual([{ key: 'v', value: value.trim() }])
  })

  it('parses lists, variables, decimals and the workspace id form', () => {
    setInputs({
      token: 't',
      workspace_id: 'ws-AbCdEf1234567890',
      operation: 'Destroy',
      target_addrs: 'module.a\n\n  aws_instance.b  \n',
      replace_addrs: 'aws_instance.c',
      variables: 'region="eu-west-1"\nreplicas = 2\nzones=["a","b"]',
      retry_backoff_min: '0.5',
      retry_backoff_max: '2.5',
      timeout_minutes: '1.5',
      message: 'hello'
    })
    const s = getSettings()
    expect(s.workspaceId).toBe('ws-AbCdEf1234567890')
    expect(s.operation).toBe('destroy')
    expect(s.targetAddrs).toEqual(['module.a', 'aws_instance.b'])
    expect(s.replaceAddrs).toEqual(['aws_instance.c'])
    expect(s.variables).toEqual([
      { key: 'region', value: '"eu-west-1"' },
      { key: 'replicas', value: '2' },
      { key: 'zones', value: '["a","b"]' }
    ])
    expect(s.retryBackoffMinMs).toBe(500)
    expect(s.retryBackoffMaxMs).toBe(2500)
    expect(s.timeoutMs).toBe(90_000)
    expect(s.message).toBe('hello')
  })

  it('reads adopt_queued_run, follow_triggered_runs and triggered_runs_depth, and GITHUB_SHA as the commit to adopt', () => {
    const sha = process.env.GITHUB_SHA
    process.env.GITHUB_SHA = 'ABCDEF0123456789abcdef0123456789abcdef01'
    try {
      setInputs(base)
      expect(getSettings()).toMatchObject({ adoptQueuedRun: false, followTriggeredRuns: false, triggeredRunsDepth: 1 })
      setInputs({ ...base, adopt_queued_run: 'true', follow_triggered_runs: 'true', triggered_runs_depth: '3' })
      expect(getSettings()).toMatchObject({
        adoptQueuedRun: true,
        followTriggeredRuns: true,
        triggeredRunsDepth: 3,
        commitSha: 'ABCDEF0123456789abcdef0123456789abcdef01'
      })
      process.env.GITHUB_SHA = 'not-a-sha'
      expect(getSettings().commitSha).toBeUndefined()
    } finally {
      if (sha === undefined) delete process.env.GITHUB_SHA
      else process.env.GITHUB_SHA = sha
    }
  })

  it.each<[Record<string, string>, string, string[]]>([
    [{ triggered_runs_depth: '0' }, 'triggered_runs_depth', ['0']],
    [{ triggered_runs_depth: '11' }, 'triggered_runs_depth', ['11']],
    [{ triggered_runs_depth: '1.5' }, 'triggered_runs_depth', ['1.5']],
    [{ follow_triggered_runs: 'true', wait_for_run: 'false' }, 'follow_triggered_runs', []],
    [{ adopt_queued_run: 'true', operation: 'destroy' }, 'adopt_queued_run', ['destroy']],
    [{ adopt_queued_run: 'true', operation: 'plan' }, 'adopt_queued_run', ['plan']],
    [{ adopt_queued_run: 'true', run_id: 'run-AbCdEf1234567890' }, 'adopt_queued_run', ['run_id']],
    [{ adopt_queued_run: 'true', save_plan: 'true' }, 'adopt_queued_run', ['save_plan']],
    [{ adopt_queued_run: 'true', directory: 'infra' }, 'adopt_queued_run', ['directory']],
    [{ adopt_queued_run: 'true', target_addrs: 'aws_instance.a' }, 'adopt_queued_run', ['target_addrs']],
    [{ adopt_queued_run: 'true', variables: 'a=1' }, 'adopt_queued_run', ['variables']],
    [{ adopt_queued_run: 'yes please' }, 'adopt_queued_run', ['yes please']]
  ])('refuses %j, naming %s', (extra, input, quoted) => {
    const err = errorFor({ ...base, ...extra })
    expect(err.input).toBe(input)
    expect(textFacts(err.message).quoted).toEqual(expect.arrayContaining(quoted))
  })
  it.each<[string, { index: number; total: number; maxParallel: number } | undefined]>([
    ['', undefined],
    ['{}', undefined],
    // The runner's toJSON(strategy), pretty-printed, for a job outside a matrix and one inside.
    ['{\n  "fail-fast": true,\n  "job-index": 0,\n  "job-total": 1,\n  "max-parallel": 1\n}', { index: 0, total: 1, maxParallel: 1 }],
    ['{"fail-fast":false,"job-index":37,"job-total":100,"max-parallel":100}', { index: 37, total: 100, maxParallel: 100 }],
    ['{"job-index":3,"job-total":10,"max-parallel":4}', { index: 3, total: 10, maxParallel: 4 }],
    ['{"job-index":2,"job-total":5}', { index: 2, total: 5, maxParallel: 5 }]
  ])("reads job_strategy %j as the job's place in its matrix", (raw, matrix) => {
    setInputs({ ...base, job_strategy: raw })
    expect(getSettings().matrix).toEqual(matrix)
  })

  it.each([
    ['${{ toJSON(strategy) }}', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"job-index":5,"job-total":5,"max-parallel":5}', /below 'job-total'/],
    ['{"job-index":-1,"job-total":5}', /job-index/],
    ['{"job-index":1.5,"job-total":5}', /job-index/],
    ['{"job-index":"1","job-total":5}', /job-index/],
    ['{"job-index":1,"job-total":5,"max-parallel":0}', /max-parallel/],
    ['{"fail-fast":true}', /job-index/]
  ] as [string, RegExp][])('refuses job_strategy %j, naming the input and quoting what it got', (raw, says) => {
    const err = errorFor({ ...base, job_strategy: raw })
    expect(err.input).toBe('job_strategy')
    expect(err.message).toMatch(says)
    expect(textFacts(err.message).quoted).toEqual(expect.arrayContaining(['job_strategy', raw]))
  })
})
