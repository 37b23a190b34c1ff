/**
 * auto_confirm_if and on_guard_held, read and validated once: the rules that must pass before the
 * step confirms a plan itself, and what it does when one holds. Not the verdict (review/guard.ts).
 */
import * as core from '@actions/core'
import { Inputs, type Operation } from './names.js'
import { InputError, errorMessage } from '../common/errors.js'
import { parseBoolean } from './input-readers.js'
import { parseGuardRules, type GuardRule, type OnGuardHeld } from '../review/rules.js'

export interface GuardSettings {
  rules: GuardRule[]
  onHeld: OnGuardHeld
}

/**
 * The guard, or undefined when the step never confirms by itself anyway (a plan-only or
 * save-plan step, manual_confirm) or no rule is given: today's behaviour, confirm every plan.
 */
export function parseGuardInputs(operation: Operation, manualConfirm: boolean): { guard: GuardSettings | undefined } {
  let rules: GuardRule[]
  try {
    rules = parseGuardRules(core.getInput(Inputs.AutoConfirmIf))
  } catch (err) {
    throw new InputError(Inputs.AutoConfirmIf, errorMessage(err))
  }
  const raw = core.getInput(Inputs.OnGuardHeld).trim()
  if (raw !== '' && raw !== 'wait' && raw !== 'fail') {
    throw new InputError(
      Inputs.OnGuardHeld,
      `'${raw}' is not one of wait (wait for a person to confirm in HCP Terraform) or fail (end the step failed, the plan left unconfirmed).`
    )
  }
  const onHeld: OnGuardHeld = raw === 'fail' ? 'fail' : 'wait'
  if (!rules.length) return { guard: undefined }
  if (!parseBoolean(Inputs.WaitForRun, true)) {
    // Without following the run the step would queue it with auto-apply, and nothing would hold it.
    throw new InputError(
      Inputs.AutoConfirmIf,
      `needs '${Inputs.WaitForRun}: true': the step checks the plan before it confirms it, so it must follow the run.`
    )
  }
  if (operation === 'plan' || manualConfirm || parseBoolean(Inputs.SavePlan, false)) return { guard: undefined }
  return { guard: { rules, onHeld } }
}
