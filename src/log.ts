/**
 * The step's only way to write to the job log. The runner reads any line that starts with `::` as
 * a workflow command (`::error`, `::save-state`, `::add-mask`, …), and text from the network (a
 * lock reason, an error detail, a run message, an output name) can hold a line break followed by
 * one. So every message is flattened to one line and every `::` is broken with a zero-width space
 * before it reaches the log, in plain lines and annotations alike.
 */
import * as core from '@actions/core'

const Zwsp = '\u200b'

/** One line that the runner cannot read as a command. */
export function neutralize(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/:(?=:)/g, `:${Zwsp}`)
}

export const log = {
  info(message: string): void {
    core.info(neutralize(message))
  },
  debug(message: string): void {
    core.debug(neutralize(message))
  },
  notice(message: string): void {
    core.notice(neutralize(message))
  },
  warning(message: string): void {
    core.warning(neutralize(message))
  },
  /** The step's error annotation and its failed exit code. */
  fail(message: string): void {
    core.setFailed(neutralize(message))
  },
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(neutralize(title), fn)
  },
  startGroup(title: string): void {
    core.startGroup(neutralize(title))
  },
  endGroup(): void {
    core.endGroup()
  },
  /** Registers a secret (a token, a signed URL) so the runner masks it wherever it appears. */
  mask(secret: string): void {
    if (secret) core.setSecret(secret)
  }
}
