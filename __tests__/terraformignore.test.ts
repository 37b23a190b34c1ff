import { describe, expect, it } from '@jest/globals'
import { IgnoreRules } from '../src/terraformignore.js'

/** Cases from go-slug's own rules: what HCP Terraform would leave out of an upload. */
describe('.terraformignore', () => {
  const defaults = IgnoreRules.parse('')

  it.each([
    ['.git/', true, true],
    ['sub/.git/', true, true],
    ['.terraform/', true, false],
    ['.terraform/providers/x', true, false],
    ['.terraform/modules/vpc/main.tf', false, false],
    ['main.tf', false, false]
  ])('the defaults: %s excluded=%s dominating=%s', (path, excluded, dominating) => {
    expect(defaults.excludes(path)).toEqual({ excluded, dominating })
  })

  it('matches at any depth unless anchored with /, and directories with a trailing /', () => {
    const rules = IgnoreRules.parse('# comment\n*.tfvars\n/only-root.txt\nlogs/\n')
    expect(rules.excludes('prod.tfvars').excluded).toBe(true)
    expect(rules.excludes('env/prod.tfvars').excluded).toBe(true)
    expect(rules.excludes('only-root.txt').excluded).toBe(true)
    expect(rules.excludes('sub/only-root.txt').excluded).toBe(false)
    expect(rules.excludes('logs/').excluded).toBe(true)
    expect(rules.excludes('a/logs/x.log').excluded).toBe(true)
    expect(rules.excludes('logs.tf').excluded).toBe(false)
  })

  it('a later negation brings a file back, and makes the excluded directory non-dominating', () => {
    const rules = IgnoreRules.parse('build/\n!build/keep.txt\n')
    expect(rules.excludes('build/')).toEqual({ excluded: true, dominating: false })
    expect(rules.excludes('build/out.bin').excluded).toBe(true)
    expect(rules.excludes('build/keep.txt').excluded).toBe(false)
  })

  it('** spans directories; ? and * stay within one', () => {
    const rules = IgnoreRules.parse('docs/**/*.png\nfile?.txt\n')
    expect(rules.excludes('docs/a/b/c.png').excluded).toBe(true)
    expect(rules.excludes('docs/c.png').excluded).toBe(true)
    expect(rules.excludes('file1.txt').excluded).toBe(true)
    expect(rules.excludes('file12.txt').excluded).toBe(false)
  })
})
