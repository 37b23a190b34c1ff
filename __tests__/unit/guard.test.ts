/**
 * auto_confirm_if: the rules as a user writes them (parsing, address patterns) and the pure verdict
 * on a plan — each rule held and passed, rules that cannot be evaluated, facts still coming.
 */
import { describe, expect, it } from '@jest/globals'
import { addressMatches, parseGuardRules, resourcePart, ruleText, type GuardRule } from '../../src/review/rules.js'
import { evaluateGuard, heldLines, type GuardFacts, type PlannedChange } from '../../src/review/guard.js'

function plan(changes: PlannedChange[], countedDestroys?: number): GuardFacts['plan'] {
  return { state: 'known', value: { changes, source: 'the redacted JSON plan', countedDestroys } }
}
const none = { state: 'unknown', why: 'not needed' } as const
function facts(over: Partial<GuardFacts> = {}): GuardFacts {
  return { plan: none, cost: none, policy: none, ...over }
}
const Create = { address: 'aws_instance.web', actions: ['create'] }
const Update = { address: 'aws_instance.app', actions: ['update'] }
const DeleteDb = { address: 'module.data.aws_db_instance.main', actions: ['delete'] }
const ReplaceDb = { address: 'aws_db_instance.orders', actions: ['delete', 'create'] }
const ReplaceFirst = { address: 'aws_lb.front', actions: ['create', 'delete'] }
const DeleteBucket = { address: 'aws_s3_bucket.logs["eu"]', actions: ['delete'] }

describe('parseGuardRules', () => {
  it('reads one rule per line, with comments and blank lines', () => {
    const rules = parseGuardRules(
      '# prod\nno_destroy\n\nmax_destroy=2\nnever_destroy=aws_db_instance.*  module.data.*,aws_s3_bucket.*\nmax_cost_increase=$12.50\r\nno_policy_soft_failure  # too\n'
    )
    const expected: GuardRule[] = [
      { kind: 'no_destroy' },
      { kind: 'max_destroy', max: 2 },
      { kind: 'never_destroy', patterns: ['aws_db_instance.*', 'module.data.*', 'aws_s3_bucket.*'] },
      { kind: 'max_cost_increase', max: 12.5 },
      { kind: 'no_policy_soft_failure' }
    ]
    expect(rules).toEqual(expected)
    expect(rules.map(ruleText)).toEqual([
      'no_destroy',
      'max_destroy=2',
      'never_destroy=aws_db_instance.* module.data.* aws_s3_bucket.*',
      'max_cost_increase=12.5',
      'no_policy_soft_failure'
    ])
    expect(parseGuardRules('')).toEqual([])
  })

  it.each([
    ['no_destroys', /line 1/],
    ['no_destroy=yes', /line 1/],
    ['max_destroy', /line 1/],
    ['max_destroy=-1', /line 1/],
    ['max_destroy=1.5', /line 1/],
    ['\n\nmax_cost_increase=lots', /line 3/],
    ['never_destroy=', /line 1/],
    ['no_destroy\nno_destroy', /line 2/]
  ])('refuses %j, naming the line', (text, where) => {
    expect(() => parseGuardRules(text)).toThrow(where)
  })

  it('refuses a flood of rules or patterns', () => {
    expect(() => parseGuardRules(`never_destroy=${Array.from({ length: 201 }, (_, i) => `a${i}.*`).join(' ')}`)).toThrow(/200/)
    expect(() => parseGuardRules(`never_destroy=${'a'.repeat(600)}`)).toThrow(/512/)
  })
})

describe('address patterns', () => {
  it.each<[string, string, boolean]>([
    ['aws_db_instance.*', 'aws_db_instance.main', true],
    ['aws_db_instance.*', 'module.data.aws_db_instance.main', true],
    ['aws_db_instance.*', 'module.a["x.y"].module.b[0].aws_db_instance.main[2]', true],
    ['aws_db_instance.*', 'aws_db_instance_proxy.main', false],
    ['module.data.*', 'module.data.aws_s3_bucket.b', true],
    ['module.data.*', 'module.other.module.data.aws_s3_bucket.b', false],
    ['module.data.*', 'module.database.aws_s3_bucket.b', false],
    ['aws_s3_bucket.logs[?]', 'aws_s3_bucket.logs[0]', true],
    ['*.prod', 'aws_s3_bucket.prod', true],
    ['aws_s3_bucket.prod', 'aws_s3_bucket.prod2', false]
  ])('%s matches %s: %s', (pattern, address, expected) => {
    expect(addressMatches(pattern, address)).toBe(expected)
  })

  it('strips module paths, keys with dots and quotes included', () => {
    expect(resourcePart('module.a["x.y"].module.b[0].data.aws_ami.x')).toBe('data.aws_ami.x')
  })

  it('a hostile pattern does not backtrack without end', () => {
    const pattern = `${'*a'.repeat(100)}b`
    const address = 'a'.repeat(5000)
    expect(addressMatches(pattern, address)).toBe(false)
  })
})

describe('the verdict', () => {
  it('no_destroy: held by a delete or either kind of replacement, naming them; passed by creates and updates', () => {
    const rules = parseGuardRules('no_destroy')
    const held = evaluateGuard(rules, facts({ plan: plan([Create, DeleteDb, ReplaceFirst, Update], 2) }))
    expect(held.result).toBe('held')
    expect(held.outcomes[0]?.addresses).toEqual([DeleteDb.address, ReplaceFirst.address])
    expect(evaluateGuard(rules, facts({ plan: plan([Create, Update], 0) })).result).toBe('passed')
  })

  it('max_destroy=N: destroys plus replacements over N hold; N or fewer pass', () => {
    const rules = parseGuardRules('max_destroy=2')
    expect(evaluateGuard(rules, facts({ plan: plan([DeleteDb, ReplaceDb], 2) })).result).toBe('passed')
    const held = evaluateGuard(rules, facts({ plan: plan([DeleteDb, ReplaceDb, DeleteBucket, Create], 3) }))
    expect(held.result).toBe('held')
    expect(held.outcomes[0]?.addresses).toHaveLength(3)
  })

  it('never_destroy: held only by a protected address being destroyed or replaced', () => {
    const rules = parseGuardRules('never_destroy=aws_db_instance.*')
    const held = evaluateGuard(rules, facts({ plan: plan([DeleteDb, ReplaceDb, DeleteBucket], 3) }))
    expect(held.result).toBe('held')
    expect(held.outcomes[0]?.addresses).toEqual([DeleteDb.address, ReplaceDb.address])
    // An update of a database, or a destroy of something else, passes.
    const passed = evaluateGuard(rules, facts({ plan: plan([{ address: 'aws_db_instance.main', actions: ['update'] }, DeleteBucket], 1) }))
    expect(passed.result).toBe('passed')
  })

  it('max_cost_increase: a delta over the amount holds with the amount; at or under it passes', () => {
    const rules = parseGuardRules('max_cost_increase=100')
    const cost = (delta: number): GuardFacts['cost'] => ({
      state: 'known',
      value: { priorMonthly: 10, proposedMonthly: 10 + delta, deltaMonthly: delta }
    })
    const held = evaluateGuard(rules, facts({ cost: cost(100.01) }))
    expect(held.result).toBe('held')
    expect(held.outcomes[0]?.costDelta).toBe(100.01)
    expect(heldLines(held).join()).toContain('100.01')
    expect(evaluateGuard(rules, facts({ cost: cost(100) })).result).toBe('passed')
    expect(evaluateGuard(rules, facts({ cost: cost(-40) })).result).toBe('passed')
  })

  it('no_policy_soft_failure: any soft failure, overridden or not, holds; none passes', () => {
    const rules = parseGuardRules('no_policy_soft_failure')
    const held = evaluateGuard(rules, facts({ policy: { state: 'known', value: { softFailures: ['prod/require-tags'] } } }))
    expect(held.result).toBe('held')
    expect(heldLines(held).join()).toContain('prod/require-tags')
    expect(evaluateGuard(rules, facts({ policy: { state: 'known', value: { softFailures: [] } } })).result).toBe('passed')
  })

  it('a rule that cannot be evaluated holds and says why, whatever the others say', () => {
    const rules = parseGuardRules('no_destroy\nmax_cost_increase=10')
    const why = 'the run has no cost estimate'
    const v = evaluateGuard(rules, facts({ plan: plan([Create], 0), cost: { state: 'unknown', why } }))
    expect(v.result).toBe('held')
    expect(v.outcomes.map(o => o.result)).toEqual(['passed', 'unevaluable'])
    // One line, for the rule that could not be evaluated, passing on why.
    expect(heldLines(v)).toEqual([expect.stringContaining(why)])
    const noPlan = evaluateGuard(parseGuardRules('no_destroy'), facts({ plan: { state: 'unknown', why: 'the token may not read it' } }))
    expect(noPlan.outcomes[0]?.result).toBe('unevaluable')
  })

  it('a plan list with fewer destroys than the run counts cannot be trusted: held, not passed', () => {
    const v = evaluateGuard(parseGuardRules('max_destroy=5'), facts({ plan: plan([DeleteDb], 3) }))
    expect(v.result).toBe('held')
    expect(v.outcomes[0]?.result).toBe('unevaluable')
  })

  it('a fact still coming makes the verdict wait, unless another rule already holds', () => {
    const rules = parseGuardRules('no_destroy\nmax_cost_increase=10')
    const pendingCost = { state: 'pending', why: 'the cost estimate is queued' } as const
    expect(evaluateGuard(rules, facts({ plan: plan([Create], 0), cost: pendingCost })).result).toBe('pending')
    expect(evaluateGuard(rules, facts({ plan: plan([DeleteDb], 1), cost: pendingCost })).result).toBe('held')
  })

  it('no rules: passed (the step confirms, as without the input)', () => {
    expect(evaluateGuard([], facts()).result).toBe('passed')
  })
})
