/** The boundary of the optional parts: a throw or a hang there is one warning, never the step's end. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { OptionalPart, optional, optionalBackground, optionalSync, resetOptionalWarnings } from '../../src/common/optional.js'
import { captureStdout } from '../helpers/env.ts'

let out: ReturnType<typeof captureStdout> | undefined
beforeEach(() => {
  resetOptionalWarnings()
  out = captureStdout()
})
afterEach(() => out?.restore())

const warnings = (): string[] => (out?.text() ?? '').split('\n').filter(l => l.startsWith('::warning::'))

describe('optional parts', () => {
  it('turns a throw into one warning per part, however often it throws', async () => {
    const crash = async (): Promise<never> => {
      throw new TypeError("Cannot read properties of null (reading 'sensitive')")
    }
    for (let i = 0; i < 3; i++) {
      expect(await optional(OptionalPart.Summary, crash, { boundMs: 1000 })).toBeUndefined()
    }
    expect(optionalSync(OptionalPart.Logs, () => JSON.parse('{'))).toBeUndefined()
    expect(warnings()).toHaveLength(2)
  })

  it('abandons a part that hangs past its bound, and fires its signal so its requests end', async () => {
    let signalled = false
    const started = Date.now()
    const result = await optional(
      OptionalPart.Comment,
      s =>
        new Promise<string>(() => {
          s.addEventListener('abort', () => (signalled = true))
        }),
      { boundMs: 150 }
    )
    expect(result).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(signalled).toBe(true)
    expect(warnings()).toHaveLength(1)
  })

  it('stops quietly when the step stops, and hands back what a healthy part returns', async () => {
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 50)
    expect(
      await optional(OptionalPart.ChangeReport, () => new Promise(() => undefined), { boundMs: 10_000, signal: stop.signal })
    ).toBeUndefined()
    expect(await optional(OptionalPart.ChangeReport, async () => 42, { boundMs: 1000 })).toBe(42)
    expect(warnings()).toEqual([])
  })

  it('a background rejection is a warning, not an unhandled rejection', async () => {
    optionalBackground(OptionalPart.Logs, Promise.reject(new Error('log host broke')))
    await new Promise(r => setTimeout(r, 10))
    expect(warnings()).toHaveLength(1)
  })
})
