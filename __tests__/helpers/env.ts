import { afterEach, beforeEach, jest } from '@jest/globals'
import nock from 'nock'

/** Sets INPUT_* variables for one test and removes every INPUT_ set before. */
export function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}

/** Captures what @actions/core writes to stdout (info, warning, notice, add-mask). */
export function captureStdout(): { text: () => string; restore: () => void } {
  const chunks: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk))
    return true
  })
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() }
}

/** For nock-based suites: no real network, stdout captured per test. Returns the capture. */
export function useNockAndCapture(): { text: () => string } {
  let out: ReturnType<typeof captureStdout> | undefined
  beforeEach(() => {
    out = captureStdout()
    nock.disableNetConnect()
  })
  afterEach(() => {
    out?.restore()
    // A delayed answer a test cut off would otherwise hold the process open until it fires.
    nock.abortPendingRequests()
    nock.cleanAll()
    nock.enableNetConnect()
  })
  return { text: () => out?.text() ?? '' }
}
