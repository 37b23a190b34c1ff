/** The estate file read and its graph checked: every refusal names where it is and what it names; nothing is generated from a broken graph. */
import { describe, expect, it } from '@jest/globals'
import { parseEstate } from '../../src/estate/parse.ts'
import { graphProblems, placed } from '../../src/estate/graph.ts'
import { generate } from '../../src/estate/render.ts'
import { EstateError, MaxWorkspaces } from '../../src/estate/model.ts'

const File = '.github/estate.yml'

function problemsOf(text: string): string[] {
  try {
    const estate = parseEstate(text, File)
    return graphProblems(estate)
  } catch (err) {
    if (err instanceof EstateError) return err.problems
    throw err
  }
}

function generateProblems(text: string): string[] {
  try {
    generate(parseEstate(text, File))
    return []
  } catch (err) {
    if (err instanceof EstateError) return err.problems
    throw err
  }
}

const estate = (workspaces: string): string => `defaults:\n  organization: acme\nworkspaces:\n${workspaces}`

describe('estate graph', () => {
  it('a cycle is named from a workspace back to itself, and nothing is generated', () => {
    const text = estate(
      `  - name: network\n    needs: [platform]\n  - name: platform\n    needs: [network]\n  - name: app\n    needs: [platform]\n`
    )
    const problems = generateProblems(text)
    expect(problems.filter(p => p.includes('network → platform → network'))).toHaveLength(1)
  })

  it('a workspace that needs itself is a cycle of one', () => {
    const selfish = estate(`  - name: network\n    needs: network\n`)
    expect(problemsOf(selfish).some(p => p.includes('network → network'))).toBe(true)
  })

  it('a longer cycle names every workspace on it in order', () => {
    const text = estate(`  - name: a\n    needs: [c]\n  - name: b\n    needs: [a]\n  - name: c\n    needs: [b]\n  - name: d\n`)
    expect(problemsOf(text).find(p => p.includes('→'))).toContain('a → c → b → a')
  })

  it('an unknown name in needs and in variables_from is named with where it is', () => {
    const text = estate(`  - name: network\n  - name: platform\n    needs: [netwrok]\n    variables_from:\n      vpc_id: nettwork.vpc_id\n`)
    const problems = generateProblems(text)
    expect(problems.some(p => p.startsWith('workspaces[1] (platform).needs') && p.includes("'netwrok'"))).toBe(true)
    expect(problems.some(p => p.startsWith('workspaces[1] (platform).variables_from.vpc_id') && p.includes("'nettwork'"))).toBe(true)
  })

  it('a workspace listed twice is refused, by key and by organization/name', () => {
    const byKey = problemsOf(estate(`  - name: network\n  - name: network\n`))
    expect(byKey.filter(p => p.startsWith('workspaces[1] (network)') && p.includes('workspaces[0]'))).toHaveLength(1)
    const byName = problemsOf(estate(`  - name: network\n  - key: net2\n    name: network\n`))
    expect(byName.some(p => p.startsWith('workspaces[1] (net2)') && p.includes('acme/network'))).toBe(true)
    const byId = problemsOf(estate(`  - id: ws-abc\n  - key: again\n    id: ws-abc\n`))
    expect(byId.some(p => p.includes('ws-abc') && p.startsWith('workspaces[1] (again)'))).toBe(true)
  })

  it('variables_from a workspace that is not needed, directly or through what it needs, is refused', () => {
    const text = estate(
      `  - name: network\n  - name: dns\n  - name: platform\n    needs: [network]\n  - name: app\n    needs: [platform]\n    variables_from:\n      vpc_id: network.vpc_id\n      zone: dns.zone_id\n`
    )
    const problems = problemsOf(text)
    // network is needed through platform: allowed; dns is not needed at all.
    expect(problems.filter(p => p.includes('variables_from'))).toEqual([expect.stringContaining('workspaces[3] (app).variables_from.zone')])
  })

  it('an estate larger than a workflow holds is refused with the limit', () => {
    const list = Array.from({ length: MaxWorkspaces + 1 }, (_, i) => `  - name: ws-${i}\n`).join('')
    const problems = generateProblems(estate(list))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(String(MaxWorkspaces))
    expect(generateProblems(estate(list.split('\n').slice(0, MaxWorkspaces).join('\n') + '\n'))).toEqual([])
  })

  it('the summary job id is reserved, and two keys that make the same job id clash', () => {
    expect(problemsOf(estate(`  - name: estate-summary\n`)).some(p => p.startsWith('workspaces[0] (estate-summary)'))).toBe(true)
    expect(problemsOf(estate(`  - name: Net\n  - name: net\n`)).some(p => p.startsWith('workspaces[1] (net)') && p.includes("'net'"))).toBe(
      true
    )
  })

  it('a diamond is placed level by level in each direction, destroy on the reversed edges', () => {
    const e = parseEstate(
      estate(`  - name: net\n  - name: a\n    needs: [net]\n  - name: b\n    needs: [net]\n  - name: app\n    needs: [a, b]\n`),
      File
    )
    const apply = placed(e, 'apply').map(p => [p.workspace.key, p.level, p.waitsFor])
    expect(apply).toEqual([
      ['net', 0, []],
      ['a', 1, ['net']],
      ['b', 1, ['net']],
      ['app', 2, ['a', 'b']]
    ])
    const destroy = placed(e, 'destroy').map(p => [p.workspace.key, p.level, p.waitsFor])
    expect(destroy).toEqual([
      ['app', 0, []],
      ['a', 1, ['app']],
      ['b', 1, ['app']],
      ['net', 2, ['a', 'b']]
    ])
  })

  it('a level is one more than the deepest workspace waited for, not the nearest', () => {
    const e = parseEstate(estate(`  - name: a\n  - name: b\n    needs: [a]\n  - name: c\n    needs: [a, b]\n`), File)
    expect(placed(e, 'apply').map(p => [p.workspace.key, p.level])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2]
    ])
  })
})

describe('estate file', () => {
  it.each([
    ['an unknown key', `  - name: a\n    need: [b]\n`, 'workspaces[0] (a)', 'need'],
    ['a GitHub expression', `  - name: a\n    environment: \${{ vars.ENV }}\n`, 'workspaces[0] (a).environment', '${{'],
    ['an expression in a variable', `  - name: a\n    variables:\n      x: \${{ secrets.X }}\n`, 'workspaces[0] (a).variables.x', '${{'],
    [
      'a bad variables_from',
      `  - name: a\n  - name: b\n    needs: [a]\n    variables_from:\n      x: a\n`,
      'workspaces[1] (b).variables_from.x',
      'network.vpc_id'
    ],
    [
      'a variable given twice',
      `  - name: a\n  - name: b\n    needs: [a]\n    variables: {x: 1}\n    variables_from: {x: a.x}\n`,
      'workspaces[1] (b).variables_from.x',
      'variables'
    ],
    ['a name and an id', `  - name: a\n    id: ws-abc\n`, 'workspaces[0] (a)', 'id'],
    ['no name', `  - needs: [a]\n`, 'workspaces[0]', 'name'],
    ['an empty name', `  - name:\n    needs: [a]\n`, 'workspaces[0]', 'name'],
    ['a bad timeout', `  - name: a\n    timeout_minutes: -1\n`, 'workspaces[0] (a).timeout_minutes', '10080'],
    ['a with: the generator writes', `  - name: a\n    with: {operation: plan}\n`, 'workspaces[0] (a).with.operation', 'operation'],
    ['a with: the action lacks', `  - name: a\n    with: {colour: red}\n`, 'workspaces[0] (a).with.colour', 'colour'],
    ['a directory outside', `  - name: a\n    directory: ../other\n`, 'workspaces[0] (a).directory', '../other'],
    ['a bad secret name', `  - name: a\n    token_secret: "TFE-TOKEN"\n`, 'workspaces[0] (a).token_secret', 'TFE-TOKEN']
  ])('%s is refused where it is', (_what, list, where, quoted) => {
    const problems = problemsOf(estate(list))
    expect(problems.filter(p => p.startsWith(where) && p.includes(quoted))).toHaveLength(1)
  })

  it('an entry with only a key is refused, naming the entry and the name or id it lacks, and nothing is generated', () => {
    const text = estate(`  - name: network\n  - key: app\n    needs: [network]\n`)
    let generated: unknown
    let refused: unknown
    try {
      generated = generate(parseEstate(text, File))
    } catch (err) {
      refused = err
    }
    expect(generated).toBeUndefined()
    expect(refused).toBeInstanceOf(EstateError)
    const problems = refused instanceof EstateError ? refused.problems : []
    expect(problems).toHaveLength(1)
    expect(problems[0]?.startsWith('workspaces[1] (app)')).toBe(true)
    expect(problems[0]).toContain("'name'")
    expect(problems[0]).toContain("'id'")
    // With a name it is a workspace again, under its own key.
    expect(
      parseEstate(estate(`  - name: network\n  - key: app\n    name: app-prod\n    needs: [network]\n`), File).workspaces[1]
    ).toMatchObject({
      key: 'app',
      name: 'app-prod'
    })
  })

  it('a named workspace without an organization is refused; one by id needs none', () => {
    expect(problemsOf(`workspaces:\n  - name: a\n`).some(p => p.startsWith('workspaces[0] (a)'))).toBe(true)
    expect(problemsOf(`workspaces:\n  - id: ws-abc\n`)).toEqual([])
  })

  it('broken YAML, a duplicate key and an empty estate are refused', () => {
    expect(problemsOf('workspaces: [')).toHaveLength(1)
    expect(problemsOf('defaults: {}\ndefaults: {}\nworkspaces: []\n')[0]).toMatch(/^YAML/)
    const empty = 'defaults:\n  organization: acme\nworkspaces: []\n'
    expect(problemsOf(empty)).toEqual([expect.stringContaining('workspaces')])
  })

  it('a file past the size bound is refused before it is parsed', () => {
    expect(problemsOf(`# ${'x'.repeat(1024 * 1024)}\n`)).toHaveLength(1)
  })

  it('YAML aliases that would expand without bound are refused', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(', ')}]`
      )
    ].join('\n')
    expect(() => parseEstate(bomb, File)).toThrow()
  })

  it('variables become HCL literals: strings quoted, numbers and lists as they are, templates escaped', () => {
    const e = parseEstate(
      estate(`  - name: a\n    variables:\n      region: eu-west-1\n      n: 3\n      on: true\n      zones: [a, b]\n      tpl: "\${x}"\n`),
      File
    )
    expect(e.workspaces[0]?.variables).toEqual([
      ['region', '"eu-west-1"'],
      ['n', '3'],
      ['on', 'true'],
      ['zones', '["a", "b"]'],
      ['tpl', '"$${x}"']
    ])
  })
})
