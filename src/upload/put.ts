/**
 * The PUT of a configuration archive to its signed upload URL, through boundedRequest: one deadline
 * for the whole exchange (the answer's body included), a few KiB of answer at most, cut off at once
 * by the step's stop signal; never the token, never a redirect. Retried on what a retry can fix.
 */
import { createReadStream } from 'node:fs'
import { boundedRequest } from '../tfe/signed-urls.js'
import { RunFailedError, errorMessage } from '../common/errors.js'
import { sleep } from '../common/timing.js'
import { log } from '../common/job-log.js'

export interface PutOptions {
  /** The deadline of one try; by default at least two minutes, or 256 KiB/s, whichever is longer. */
  tryMs?: number
  tries?: number
  /** The first wait between tries, doubled each time. */
  backoffMs?: number
}

/** What the step keeps of an upload's answer: enough for a storage error's message, no more. */
const AnswerBytes = 4 * 1024

/** PUTs `file` (`bytes` long) to `url`; throws RunFailedError once retries are spent, the signal's reason when it fires. */
export async function putArchive(file: string, bytes: number, url: string, signal: AbortSignal, options: PutOptions = {}): Promise<void> {
  const tryMs = options.tryMs ?? Math.max(120_000, (bytes / (256 * 1024)) * 1000)
  const tries = options.tries ?? 4
  const backoffMs = options.backoffMs ?? 1000
  for (let attempt = 1; ; attempt++) {
    let failure: string
    let transient = true
    try {
      signal.throwIfAborted()
      // No Authorization header: the URL is signed, and it is another origin.
      const answer = await boundedRequest(url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) },
        body: createReadStream(file),
        maxBytes: AnswerBytes,
        overflow: 'truncate',
        timeoutMs: tryMs,
        signal
      })
      if (answer.status >= 200 && answer.status < 300) return
      // A redirect is not followed: the archive goes to the URL the service signed, or nowhere.
      failure = `the upload answered ${answer.status}`
      transient = answer.status >= 500 || answer.status === 429
    } catch (err) {
      if (signal.aborted) throw err
      failure = errorMessage(err)
    }
    if (!transient || attempt >= tries) {
      throw new RunFailedError(
        `Uploading the configuration failed (${failure}) after ${attempt} ${attempt === 1 ? 'try' : 'tries'}. Run the step again; if it keeps failing, check that the runner can reach the service's archive storage.`
      )
    }
    log.warning(`Uploading the configuration failed (${failure}); trying again (try ${attempt + 1} of ${tries}).`)
    await sleep(backoffMs * 2 ** (attempt - 1), signal)
  }
}
