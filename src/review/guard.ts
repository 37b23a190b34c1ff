/**
 * The verdict of `auto_confirm_if` on one plan: a pure function of the rules and of what the step
 * read about the run (its planned resource changes, cost estimate and policy results). No I/O:
 * guard-facts.ts reads, decide.ts gets the verdict as a fact. A rule that cannot be evaluated
 * holds the confirm back, like a broken one, and says why.
 */
import { addressMatches, ruleText, type GuardRule } from './rules.js'

/** One resource change of the plan: its address and its JSON plan actions (`["delete","create"]` …). */
export interface PlannedChange {
  address: string
  actions: readonly string[]
}

/** A fact the step read, is still waiting for (the run moves on by itself), or could not read. */
export type Known<T> = { state: 'known'; value: T } | { state: 'pending'; why: string } | { state: 'unknown'; why: string }

export interface PlanFacts {
  changes: PlannedChange[]
  /** Where the list comes from, for the message (the redacted JSON plan, the JSON plan, the log). */
  source: string
  /** The run's own count of destroys (plan resource-destructions), to check the list against. */
  countedDestroys: number | undefined
}

export interface CostFacts {
  priorMonthly: number
  proposedMonthly: number
  deltaMonthly: number
}

export interface PolicyFacts {
  /** Soft-mandatory (or overridable mandatory) policies that failed, overridden or not: names or sets. */
  softFailures: string[]
}

export interface GuardFacts {
  plan: Known<PlanFacts>
  cost: Known<CostFacts>
  policy: Known<PolicyFacts>
}

export type RuleResult = 'passed' | 'held' | 'unevaluable' | 'pending'

export interface RuleOutcome {
  rule: string
  result: RuleResult
  /** The addresses that broke it (destroys, replacements); empty otherwise. */
  addresses: string[]
  /** The monthly cost increase that broke it or passed it, when the rule is about cost. */
  costDelta?: number
  /** Why it held, or why it could not be evaluated; empty when it passed. */
  why: string
}

export interface GuardVerdict {
  /** pending: a fact is still coming (the cost estimate, the policy checks); decide waits for it. */
  result: 'passed' | 'held' | 'pending'
  outcomes: RuleOutcome[]
}

/** Which facts the rules need: the step reads only these. */
export function factsNeeded(rules: readonly GuardRule[]): { plan: boolean; cost: boolean; policy: boolean } {
  return {
    plan: rules.some(r => r.kind === 'no_destroy' || r.kind === 'max_destroy' || r.kind === 'never_destroy'),
    cost: rules.some(r => r.kind === 'max_cost_increase'),
    policy: rules.some(r => r.kind === 'no_policy_soft_failure')
  }
}

/** A change that destroys the object at its address: a delete, or either order of replacement. */
export function destroys(change: PlannedChange): boolean {
  return change.actions.includes('delete')
}

function unknownOutcome(rule: string, fact: Exclude<Known<unknown>, { state: 'known' }>): RuleOutcome {
  return { rule, result: fact.state === 'pending' ? 'pending' : 'unevaluable', addresses: [], why: fact.why }
}

/** The destroys of the plan, or why they cannot be trusted (the list misses some the run counts). */
function destroysOf(plan: PlanFacts): { addresses: string[] } | { why: string } {
  const addresses = plan.changes.filter(destroys).map(c => c.address)
  if (plan.countedDestroys !== undefined && addresses.length < plan.countedDestroys) {
    return {
      why: `${plan.source} lists ${addresses.length} destroys but the run counts ${plan.countedDestroys}, so the list cannot be trusted`
    }
  }
  return { addresses }
}

export function evaluateRule(rule: GuardRule, facts: GuardFacts): RuleOutcome {
  const text = ruleText(rule)
  switch (rule.kind) {
    case 'no_destroy':
    case 'max_destroy':
    case 'never_destroy': {
      if (facts.plan.state !== 'known') return unknownOutcome(text, facts.plan)
      const found = destroysOf(facts.plan.value)
      if ('why' in found) return { rule: text, result: 'unevaluable', addresses: [], why: found.why }
      if (rule.kind === 'no_destroy') {
        return found.addresses.length
          ? { rule: text, result: 'held', addresses: found.addresses, why: `the plan destroys or replaces ${found.addresses.length}` }
          : { rule: text, result: 'passed', addresses: [], why: '' }
      }
      if (rule.kind === 'max_destroy') {
        return found.addresses.length > rule.max
          ? {
              rule: text,
              result: 'held',
              addresses: found.addresses,
              why: `the plan destroys or replaces ${found.addresses.length}, more than ${rule.max}`
            }
          : { rule: text, result: 'passed', addresses: [], why: '' }
      }
      const hit = found.addresses.filter(a => rule.patterns.some(p => addressMatches(p, a)))
      return hit.length
        ? { rule: text, result: 'held', addresses: hit, why: `the plan destroys or replaces ${hit.length} protected` }
        : { rule: text, result: 'passed', addresses: [], why: '' }
    }
    case 'max_cost_increase': {
      if (facts.cost.state !== 'known') return unknownOutcome(text, facts.cost)
      const delta = facts.cost.value.deltaMonthly
      if (!Number.isFinite(delta))
        return { rule: text, result: 'unevaluable', addresses: [], why: 'the cost estimate has no monthly delta' }
      return delta > rule.max
        ? {
            rule: text,
            result: 'held',
            addresses: [],
            costDelta: delta,
            why: `the monthly cost rises by ${money(delta)}, more than ${money(rule.max)}`
          }
        : { rule: text, result: 'passed', addresses: [], costDelta: delta, why: '' }
    }
    case 'no_policy_soft_failure': {
      if (facts.policy.state !== 'known') return unknownOutcome(text, facts.policy)
      const failed = facts.policy.value.softFailures
      return failed.length
        ? { rule: text, result: 'held', addresses: [], why: `soft-mandatory policies failed: ${failed.join(', ')}` }
        : { rule: text, result: 'passed', addresses: [], why: '' }
    }
  }
}

/** Every rule must pass for the step to confirm; any that cannot be told yet makes the verdict wait. */
export function evaluateGuard(rules: readonly GuardRule[], facts: GuardFacts): GuardVerdict {
  const outcomes = rules.map(r => evaluateRule(r, facts))
  const held = outcomes.some(o => o.result === 'held' || o.result === 'unevaluable')
  const pending = outcomes.some(o => o.result === 'pending')
  return { result: held ? 'held' : pending ? 'pending' : 'passed', outcomes }
}

export function money(amount: number): string {
  return amount.toFixed(2)
}

/** At most this many addresses per rule in one line of the log or an annotation. */
const AddressesInLine = 10

/** One line per broken rule, for the log and the annotation: which rule, which addresses or cost. */
export function heldLines(verdict: GuardVerdict): string[] {
  return verdict.outcomes
    .filter(o => o.result === 'held' || o.result === 'unevaluable')
    .map(o => {
      if (o.result === 'unevaluable') return `${o.rule}: could not be evaluated (${o.why}), so it counts as broken`
      const shown = o.addresses.slice(0, AddressesInLine)
      const more = o.addresses.length - shown.length
      const list = shown.length ? `: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : ''
      return `${o.rule}: ${o.why}${list}`
    })
}
