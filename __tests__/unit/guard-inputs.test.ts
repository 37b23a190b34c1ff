/** auto_confirm_if and on_guard_held as inputs: read once, every error naming its input. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getSettings } from '../../src/action/inputs.js'
import type { InputError } from '../../src/common/errors.js'
import { captureStdout, setInputs } from '../helpers/env.ts'
import { settingsError } from '../helpers/settings.ts'

const base = { token: 'tok-abc', organization: 'acme', workspace: 'network' }

const inputError = (inputs: Record<string, string>): InputError => settingsError({ ...base, ...inputs })

describe('guard inputs', () => {
  let out: ReturnType<typeof captureStdout>
  beforeEach(() => {
    out = captureStdout()
  })
  afterEach(() => out.restore())

  it('no rules: no guard, every plan confirmed as before', () => {
    setInputs(base)
    expect(getSettings().guard).toBeUndefined()
  })

  it('reads the rules and on_guard_held (wait by default)', () => {
    setInputs({ ...base, auto_confirm_if: 'no_destroy\nmax_cost_increase=20' })
    expect(getSettings().guard).toEqual({ rules: [{ kind: 'no_destroy' }, { kind: 'max_cost_increase', max: 20 }], onHeld: 'wait' })
    setInputs({ ...base, auto_confirm_if: 'no_destroy', on_guard_held: 'fail' })
    expect(getSettings().guard?.onHeld).toBe('fail')
  })

  it.each([
    [{ auto_confirm_if: 'no_destroy=1' }, 'auto_confirm_if'],
    [{ auto_confirm_if: 'max_destroy=many' }, 'auto_confirm_if'],
    [{ auto_confirm_if: 'no_destroy', on_guard_held: 'ask' }, 'on_guard_held'],
    [{ on_guard_held: 'later' }, 'on_guard_held'],
    // Without following the run, the step would queue it with auto-apply: nothing would hold it.
    [{ auto_confirm_if: 'no_destroy', wait_for_run: 'false' }, 'auto_confirm_if']
  ])('refuses %j, naming %s', (inputs, name) => {
    expect(inputError(inputs).input).toBe(name)
  })

  it('has no guard where the step never confirms by itself', () => {
    const combinations: Record<string, string>[] = [{ manual_confirm: 'true' }, { operation: 'plan' }, { save_plan: 'true' }]
    for (const extra of combinations) {
      setInputs({ ...base, auto_confirm_if: 'no_destroy', ...extra })
      expect([extra, getSettings().guard]).toEqual([extra, undefined])
    }
  })
})
