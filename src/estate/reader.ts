/**
 * The estate file's value reader: each reads one key of a mapping by its kind and collects what
 * is wrong with it, naming where it is. What the keys mean is parse.ts.
 */
import { Inputs } from '../action/names.js'
import { isRecord } from '../common/json.js'

/** A YAML mapping as the file gave it. */
export type Mapping = Record<string, unknown>

const MaxTimeoutMinutes = 7 * 24 * 60

/** Inputs the generator writes itself: `with:` may not set them. */
const GeneratedInputs: string[] = [
  Inputs.Token,
  Inputs.Hostname,
  Inputs.Organization,
  Inputs.Workspace,
  Inputs.WorkspaceId,
  Inputs.Operation,
  Inputs.ManualConfirm,
  Inputs.TimeoutMinutes,
  Inputs.Directory,
  Inputs.Variables,
  Inputs.VariablesFromOutputs,
  Inputs.RunId,
  Inputs.SavePlan
]
const PassableInputs = new Set<string>(Object.values(Inputs).filter(i => !GeneratedInputs.includes(i)))

/** Collects problems while reading; every reader returns undefined for a value it refused. */
export class Reader {
  readonly problems: string[] = []

  problem(where: string, text: string): void {
    this.problems.push(`${where}: ${text}`)
  }

  keys(map: Mapping, allowed: string[], where: string): void {
    for (const k of Object.keys(map)) {
      if (!allowed.includes(k)) this.problem(where, `unknown key '${k}' (known: ${allowed.join(', ')})`)
    }
  }

  string(map: Mapping, key: string, where: string, pattern?: RegExp, shape?: string): string | undefined {
    const v = map[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'string' || v.trim() === '') {
      this.problem(`${where}.${key}`, 'must be a text that is not empty')
      return undefined
    }
    if (v.includes('${{')) {
      this.problem(
        `${where}.${key}`,
        'holds a GitHub expression (${{ … }}); the estate file has none, the generated workflows write what they need'
      )
      return undefined
    }
    if (/[\r\n]/.test(v)) {
      this.problem(`${where}.${key}`, 'must be one line')
      return undefined
    }
    if (pattern && !pattern.test(v)) {
      this.problem(`${where}.${key}`, `'${v}' is not ${shape}`)
      return undefined
    }
    return v
  }

  boolean(map: Mapping, key: string, where: string): boolean | undefined {
    const v = map[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') {
      this.problem(`${where}.${key}`, 'must be true or false')
      return undefined
    }
    return v
  }

  minutes(map: Mapping, key: string, where: string): number | undefined {
    const v = map[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MaxTimeoutMinutes) {
      this.problem(`${where}.${key}`, `must be a number of minutes from 0 to ${MaxTimeoutMinutes}`)
      return undefined
    }
    return v
  }

  map(map: Mapping, key: string, where: string): Mapping | undefined {
    const v = map[key]
    if (v === undefined || v === null) return undefined
    if (!isRecord(v)) {
      this.problem(`${where}.${key}`, 'must be a mapping (key: value lines)')
      return undefined
    }
    return v
  }

  /** `with:`: other inputs of the action, as the text the step reads. */
  withInputs(map: Mapping, where: string): Record<string, string> | undefined {
    const w = this.map(map, 'with', where)
    if (!w) return undefined
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(w)) {
      if (!PassableInputs.has(k)) {
        this.problem(
          `${where}.with.${k}`,
          GeneratedInputs.includes(k) ? 'is written by the generator; use the estate setting of that name' : 'is not an input of the action'
        )
        continue
      }
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        this.problem(`${where}.with.${k}`, 'must be a text, number or boolean')
        continue
      }
      if (String(v).includes('${{')) {
        this.problem(`${where}.with.${k}`, 'holds a GitHub expression (${{ … }}); the estate file has none')
        continue
      }
      out[k] = String(v)
    }
    return out
  }
}
