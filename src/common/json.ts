/**
 * Reading JSON that came from outside (API documents, log lines, the plan JSON): narrowing by type
 * guards, so a `null`, a string or a list where an object was expected reads as empty, not a crash.
 */

/** A JSON object: not `null`, not a list. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A member of outside JSON as an object; anything else reads as empty. */
export function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}

/** The text, or undefined when the JSON is empty or not JSON at all. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    const value: unknown = JSON.parse(text)
    return value
  } catch {
    return undefined
  }
}
