/** JSON values as HCL literals: every literal the writer makes is one the input check (hcl-literal.ts) accepts, with the same value. */
import { describe, expect, it } from '@jest/globals'
import { HclValueError, MaxHclDepth, MaxHclLength, toHclLiteral } from '../../src/action/hcl-value.ts'
import { hclLiteralProblem } from '../../src/action/hcl-literal.ts'

describe('toHclLiteral', () => {
  it.each([
    ['a string', 'eu-west-1', '"eu-west-1"'],
    ['a number', 3, '3'],
    ['a negative decimal', -1.5, '-1.5'],
    ['a large number', 1e21, '1e+21'],
    ['true', true, 'true'],
    ['null', null, 'null'],
    ['a list', ['a', 1, false], '["a", 1, false]'],
    ['a map', { b: 1, 'a-b': ['x'] }, '{"b" = 1, "a-b" = ["x"]}'],
    ['an empty list and map', [[], {}], '[[], {}]'],
    ['quotes and backslashes', 'say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'],
    ['line breaks and tabs', 'a\nb\r\tc', '"a\\nb\\r\\tc"'],
    ['control characters JSON writes as \\b and \\f', '\b\f\u0001', '"\\u0008\\u000c\\u0001"'],
    ['a template sequence', '${var.x} and %{ if }', '"$${var.x} and %%{ if }"'],
    ['a lone dollar', '$5 and 100%', '"$5 and 100%"'],
    ['non-ASCII text', 'zürich ☃', '"zürich ☃"']
  ])('%s', (_what, value, literal) => {
    const text = toHclLiteral(value)
    expect(text).toBe(literal)
    expect(hclLiteralProblem(text)).toBeUndefined()
  })

  it('a value nested deeper than the bound is refused, one at the bound is written', () => {
    let deep: unknown = 1
    for (let i = 0; i < MaxHclDepth; i++) deep = [deep]
    expect(hclLiteralProblem(toHclLiteral(deep))).toBeUndefined()
    expect(() => toHclLiteral([deep])).toThrow(HclValueError)
  })

  it('a value larger than the bound is refused, as a string or as a whole', () => {
    expect(() => toHclLiteral('x'.repeat(MaxHclLength + 1))).toThrow(HclValueError)
    expect(() => toHclLiteral(Array.from({ length: MaxHclLength / 4 }, () => 'ab'))).toThrow(HclValueError)
  })

  it('numbers JSON cannot hold are refused', () => {
    expect(() => toHclLiteral(Number.NaN)).toThrow(HclValueError)
    expect(() => toHclLiteral(Number.POSITIVE_INFINITY)).toThrow(HclValueError)
  })
})
