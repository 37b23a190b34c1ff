/**
 * The step's only way to write to the job log. Text from the network (a lock reason, a plan line,
 * a diagnostic, a run message, an output name) reaches every line and annotation the step writes,
 * and the runner acts on two forms of workflow command in that output: `::name props::data` at
 * the start of a line and the legacy `##[name props]data` anywhere in one.
 */
import * as core from '@actions/core'

const Zwsp = '\u200b'

/**
 * One line that the runner cannot read as a command, looking the same to a person.
 *
 * The runner splits output at `\r`, `\n` and `\r\n`, so every break becomes a space (U+2028,
 * U+2029 and U+0085 too, which a log viewer may show as breaks). It then looks for `::` and
 * `##[` with culture-sensitive matching, which skips zero-width characters, so an inserted
 * zero-width space does not hide the marker itself; what it does is move the command name. The
 * runner takes the name from a fixed offset (2 after the trimmed start, 3 after where `##[`
 * matched), and with a zero-width space after every `:` that is followed by `:` and after every
 * `#` that is followed by `[`, that offset always lands on the marker or the zero-width space,
 * never on a letter, so no name the runner knows can match.
 */
export function neutralize(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ')
    .replace(/:(?=:)/g, `:${Zwsp}`)
    .replace(/#(?=\[)/g, `#${Zwsp}`)
}

/**
 * Set by a command run in a shell (the estate CLI): its stdout is the command's output (an estate
 * file a user redirects), so the log goes here as plain lines instead of workflow commands.
 */
let shellLine: ((line: string) => void) | undefined

/** Writes the log as plain lines to `write` (debug lines only with RUNNER_DEBUG=1); undefined: back to the runner's form. */
export function logToShell(write: ((line: string) => void) | undefined): void {
  shellLine = write
}

export const log = {
  info(message: string): void {
    if (shellLine) shellLine(neutralize(message))
    else core.info(neutralize(message))
  },
  debug(message: string): void {
    if (!shellLine) core.debug(neutralize(message))
    else if (core.isDebug()) shellLine(`debug: ${neutralize(message)}`)
  },
  notice(message: string): void {
    if (shellLine) shellLine(`notice: ${neutralize(message)}`)
    else core.notice(neutralize(message))
  },
  warning(message: string): void {
    if (shellLine) shellLine(`warning: ${neutralize(message)}`)
    else core.warning(neutralize(message))
  },
  /** The step's error annotation and its failed exit code. */
  fail(message: string): void {
    if (shellLine) shellLine(`error: ${neutralize(message)}`)
    else core.setFailed(neutralize(message))
    // The runner's core sets this too; a local runner's stand-in for core (npm run local) does not.
    process.exitCode = 1
  },
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    if (!shellLine) return core.group(neutralize(title), fn)
    shellLine(neutralize(title))
    return fn()
  },
  startGroup(title: string): void {
    if (shellLine) shellLine(neutralize(title))
    else core.startGroup(neutralize(title))
  },
  endGroup(): void {
    if (!shellLine) core.endGroup()
  },
  /** Registers a secret (a token, a signed URL) so the runner masks it wherever it appears. */
  mask(secret: string): void {
    // A shell has no runner to mask for it.
    if (secret && !shellLine) core.setSecret(secret)
  }
}
