/** The inputs' refusals, for the tests of inputs: which InputError getSettings() throws. */
import { getSettings } from '../../src/action/inputs.js'
import { InputError } from '../../src/common/errors.js'
import { setInputs } from './env.ts'

/** The InputError getSettings() throws for these inputs (a test fails when it throws none). */
export function settingsError(inputs: Record<string, string>): InputError {
  setInputs(inputs)
  try {
    getSettings()
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error('expected an InputError')
}
