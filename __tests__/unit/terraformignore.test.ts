/**
 * `.terraformignore` decided as HCP Terraform's packer (go-slug) decides it: a corpus of rules and
 * paths with go-slug's answer for each, worked out from how it rewrites a rule into an RE2 regex.
 */
import { describe, expect, it } from '@jest/globals'
import { IgnoreFileError, IgnoreRules, goString } from '../../src/upload/terraformignore.js'

const nfd = (s: string): string => s.normalize('NFD')
const nfc = (s: string): string => s.normalize('NFC')

/** go-slug's own fixture (its ignorefiles test data): comments, spaces, anchors, negations, a class. */
const goSlugFixture = [
  '# comments are ignored',
  ' # extra spaces are irrelevant',
  '   baz.txt',
  '',
  'terraform.d/',
  '!/terraform.d/',
  '**/foo/bar.tf',
  'foo/*.md',
  'bar/something-[a-z].txt',
  'boop.txt',
  '!/boop.txt'
].join('\n')

/** [rules (the file's text), path (a directory with a trailing /), excluded by go-slug?] */
const corpus: [string, string, boolean][] = [
  // The defaults, without a file: .git/ and .terraform/ out, .terraform/modules/ kept.
  ['', '.git/', true],
  ['', 'sub/.git/config', true],
  ['', '.git', false], // a file named .git (a submodule's pointer) is kept
  ['', '.terraform/providers/p', true],
  ['', '.terraform/modules/vpc/main.tf', false],
  ['', 'x.terraform/y', false],
  ['', 'main.tf', false],
  // go-slug's fixture and its expected answers.
  [goSlugFixture, '.terraform/', true],
  [goSlugFixture, 'included.txt', false],
  [goSlugFixture, '.terraform/foo/bar/more/directories/so/many', true],
  [goSlugFixture, 'baz.txt', true],
  [goSlugFixture, 'parent/foo/baz.txt', true],
  [goSlugFixture, 'parent/foo/bar.tf', true],
  [goSlugFixture, 'parent/bar/bar.tf', false],
  [goSlugFixture, 'something/with-baz.txt', false],
  [goSlugFixture, 'something/baz.x', false],
  [goSlugFixture, 'foo/ignored-doc.md', true],
  [goSlugFixture, 'bar/something-a.txt', true],
  [goSlugFixture, 'some-module/terraform.d/x', true],
  [goSlugFixture, 'terraform.d/', false],
  [goSlugFixture, 'terraform.d/foo', false],
  [goSlugFixture, 'terraform.d', false],
  [goSlugFixture, 'baz/boop.txt', true],
  [goSlugFixture, 'boop.txt', false],
  [['src/**/*', '!src/foo/bar.txt', 'logs/', 'tmp/'].join('\n'), 'src/baz/ignored', true],
  [['src/**/*', '!src/foo/bar.txt', 'logs/', 'tmp/'].join('\n'), 'src/foo/bar.txt', false],
  // Character classes are regex classes.
  ['secret[0-9].tfvars', 'secret1.tfvars', true],
  ['secret[0-9].tfvars', 'env/secret7.tfvars', true],
  ['secret[0-9].tfvars', 'secretx.tfvars', false],
  ['secret[0-9].tfvars', 'secret[0-9].tfvars', false],
  ['*.sw[op]', '.main.tf.swp', true],
  ['*.sw[op]', 'notes.swo', true],
  ['*.sw[op]', 'notes.swx', false],
  ['[a-c]?.tf', 'b1.tf', true],
  ['[a-c]?.tf', 'd1.tf', false],
  ['[[:digit:]].tf', '1.tf', true],
  ['[[:digit:]].tf', 'a.tf', false],
  ['[]x].tf', '].tf', true], // `]` first in a class is itself
  ['a].tf', 'a].tf', true],
  ['[z-a].tf', 'z.tf', false], // a reversed range: RE2 refuses the rule, which then matches nothing
  ['[abc', 'a', false], // an unclosed class: refused
  ['[abc', '[abc', false],
  // There is no glob negation: `[!a]` is the class of `!` and `a`; `[^a]` is RE2's negated class.
  ['[!a].txt', '!.txt', true],
  ['[!a].txt', 'a.txt', true],
  ['[!a].txt', 'b.txt', false],
  ['[^a].txt', 'b.txt', true],
  ['[^a].txt', 'a.txt', false],
  ['/d[^a]x', 'd/x', true], // a negated class matches `/` too
  // `**`
  ['docs/**/*.png', 'docs/a/b/c.png', true],
  ['docs/**/*.png', 'docs/c.png', true],
  ['docs/**/*.png', 'x/docs/c.png', true],
  ['docs/**/*.png', 'docs.png', false],
  ['**/*.tfstate', 'a/b/terraform.tfstate', true],
  ['**/*.tfstate', 'terraform.tfstate', true],
  ['a**b', 'ab', true],
  ['a**b', 'a/x/b', true],
  ['a**b', 'axb', false], // `**` not before `/` is `(.*/)?`: only whole directories
  ['/**', 'main.tf', true],
  ['/', 'any/where.tf', true], // `/` is `/**` anchored: everything
  // `+` is a repetition.
  ['build+out/', 'build+out/x', false],
  ['build+out/', 'buildout/x', true],
  ['build+out/', 'builddout/x', true],
  ['c++/', 'c++/x', false], // `++`: RE2 refuses a repeated repetition
  ['c++/', 'c/x', false],
  ['+x', '+x', false], // `(.*/)?+`: refused
  ['/+x', 'x', true], // `^+`: RE2 repeats the start of text, which is still the start
  ['/+x', '+x', false],
  ['\\+x', '+x', true],
  // Parentheses group, `|` alternates (at the top level it splits the anchors).
  ['foo(1).txt', 'foo(1).txt', false],
  ['foo(1).txt', 'foo1.txt', true],
  ['(a|b).tf', 'b.tf', true],
  ['(a|b).tf', 'c.tf', false],
  ['a|b', 'a-long-name.tf', true],
  ['a|b', 'tab', true],
  ['a|b', 'cat', false],
  ['foo(', 'foo(', false],
  ['foo)', 'foo)', false],
  // Counts; a `{` that is not one is itself.
  ['a{2}.tf', 'aa.tf', true],
  ['a{2}.tf', 'a{2}.tf', false],
  ['{a,b}.tf', '{a,b}.tf', true],
  ['{a,b}.tf', 'a.tf', false],
  ['x{1001}', 'x', false],
  // `^` mid-pattern is the start of the text; `.` and `$` are themselves; flags.
  ['^main.tf', 'main.tf', true],
  ['^main.tf', 'sub/main.tf', false],
  ['*.tf', 'main.tf', true],
  ['*.tf', 'maintf', false],
  ['a$b', 'a$b', true],
  ['*.TFVARS', 'prod.tfvars', false],
  ['(?i)*.TFVARS', 'prod.tfvars', false], // no flags: go-slug makes that `?` a `[^/]` too
  ['(?i)*.TFVARS', 'xi.TFVARS', true],
  // `?` is one character (a code point), never `/`.
  ['file?.txt', 'file1.txt', true],
  ['file?.txt', 'file12.txt', false],
  ['file?.txt', 'file.txt', false],
  ['x?.txt', 'x😀.txt', true],
  ['/a?b', 'a/b', false],
  // Escapes: RE2's, after go-slug keeps the `\`.
  ['\\*.tf', '*.tf', true],
  ['\\*.tf', 'a.tf', false],
  ['a\\[0\\].tf', 'a[0].tf', true],
  ['a\\[0\\].tf', 'a0.tf', false],
  ['\\d.tf', '1.tf', true],
  ['\\d.tf', 'd.tf', false],
  ['x\\e', 'xe', false], // `\e` is no RE2 escape: refused
  ['\\é', 'é', false], // RE2 escapes only ASCII punctuation
  ['\\#literal', '#literal', true],
  ['trailing\\', 'trailing$', true], // the trailing `\` escapes go-slug's closing `$`
  ['trailing\\', 'trailing$.bak', true],
  ['trailing\\', 'trailing', false],
  // Directories: a trailing `/` matches below the directory, not a file of that name.
  ['logs/', 'logs/', true],
  ['logs/', 'a/logs/x.log', true],
  ['logs/', 'logs', false],
  ['logs/', 'logs.txt', false],
  // Negation: the last matching rule wins.
  ['*.tfvars\n!keep.tfvars', 'keep.tfvars', false],
  ['*.tfvars\n!keep.tfvars', 'other.tfvars', true],
  ['build/\n!build/keep.txt', 'build/keep.txt', false],
  ['build/\n!build/keep.txt', 'build/out.bin', true],
  ['!main.tf', 'main.tf', false],
  // Anchoring.
  ['/only-root.txt', 'only-root.txt', true],
  ['/only-root.txt', 'sub/only-root.txt', false],
  ['only-anywhere.txt', 'a/b/only-anywhere.txt', true],
  // Comments, spaces, line ends.
  ['# secret.tfvars', 'secret.tfvars', false],
  ['   # indented comment', '# indented comment', false],
  ['a #b', 'a #b', true],
  ['a #b', 'a', false],
  ['  baz.txt  ', 'baz.txt', true],
  ['x.txt\r\ny.txt\r\n', 'x.txt', true],
  ['x.txt\r\ny.txt\r\n', 'y.txt', true],
  ['\t\u00a0nbsp.txt', 'nbsp.txt', true], // Go trims Unicode spaces
  // A byte-order mark is not trimmed: it stays part of the first rule, which then matches nothing.
  ['\ufeffsecret.tfvars\nother.tfvars', 'secret.tfvars', false],
  ['\ufeffsecret.tfvars\nother.tfvars', 'other.tfvars', true],
  // Both the rule and the path are NFC-normalised.
  [nfc('café.tfvars'), nfd('café.tfvars'), true],
  [nfd('café.tfvars'), nfc('café.tfvars'), true],
  [nfd('café.tfvars'), nfd('café.tfvars'), true],
  ['café.tfvars', 'cafe.tfvars', false],
  [nfc('*.café'), nfd('test.café'), true],
  [nfc('münchen/'), nfd('münchen/test.txt'), true],
  [nfc('*.txt\n!important_données.txt'), nfd('important_données.txt'), false],
  [nfd('résumé.pdf'), nfc('résumé.pdf'), true],
  ['αβγ.txt', 'αβγ.txt', true],
  ['test_😀.txt', 'test_😀.txt', true]
]

describe('.terraformignore', () => {
  it.each(corpus)('guarantee: excluded files are never uploaded — rules %j, path %j: excluded=%s (as go-slug)', (rules, path, excluded) => {
    expect(IgnoreRules.parse(rules).excludes(path).excluded).toBe(excluded)
  })

  it('guarantee: excluded files are never uploaded — a path that is not UTF-8 reads as go-slug reads it (each bad byte one character)', () => {
    const path = (bytes: number[]): string => goString(Buffer.from(bytes))
    const rules = IgnoreRules.parse(Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x66, 0x0a])) // f\xff.tf
    expect(rules.excludes(path([0x66, 0xff, 0x2e, 0x74, 0x66])).excluded).toBe(true)
    expect(rules.excludes(path([0x66, 0xfe, 0x2e, 0x74, 0x66])).excluded).toBe(true) // both read as U+FFFD
    // A cut-off 3-byte sequence is two bad bytes, so two characters for `?`.
    expect(IgnoreRules.parse('f??').excludes(path([0x66, 0xe2, 0x82])).excluded).toBe(true)
    expect(IgnoreRules.parse('f?').excludes(path([0x66, 0xe2, 0x82])).excluded).toBe(false)
  })

  it.each([
    ['.git/', true, true],
    ['sub/.git/', true, true],
    ['.terraform/', true, false],
    ['.terraform/providers/x', true, false],
    ['.terraform/modules/vpc/main.tf', false, false],
    ['main.tf', false, false]
  ])('the defaults: %s excluded=%s dominating=%s', (path, excluded, dominating) => {
    expect(IgnoreRules.parse('').excludes(path)).toEqual({ excluded, dominating })
  })

  it('a later negation brings a file back, and makes the excluded directory non-dominating', () => {
    const rules = IgnoreRules.parse('build/\n!build/keep.txt\n')
    expect(rules.excludes('build/')).toEqual({ excluded: true, dominating: false })
    expect(rules.excludes('build/out.bin').excluded).toBe(true)
    expect(rules.excludes('build/keep.txt').excluded).toBe(false)
    const tail = IgnoreRules.parse('src/**/*\n!src/foo/bar.txt\nlogs/\ntmp/\n')
    expect(tail.excludes('logs/').dominating).toBe(true)
    expect(tail.excludes('tmp/').dominating).toBe(true)
  })

  it('refuses a line too long for go-slug to read (it would drop every rule), naming .terraformignore', () => {
    expect(() => IgnoreRules.parse(`secret.tfvars\n${'a'.repeat(70_000)}\n`)).toThrow(IgnoreFileError)
    expect(() => IgnoreRules.parse(`secret.tfvars\n${'a'.repeat(70_000)}\n`)).toThrow(/\.terraformignore/)
  })
})
