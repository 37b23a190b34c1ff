/**
 * Golden files: text a test renders, compared exactly with a file checked in beside its fixtures.
 * `UPDATE_GOLDEN=1 npx jest <file>` rewrites the files from what the code renders now; read the
 * diff before committing it, since a golden is only as right as the person who checked it.
 */
import { expect } from '@jest/globals'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

/** `actual` is exactly the text of the golden file at `url` (which ends with one newline). */
export function expectGolden(actual: string, url: URL): void {
  const text = `${actual}\n`
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(url, text)
    return
  }
  if (!existsSync(url)) throw new Error(`no golden file ${url.pathname}: run the test with UPDATE_GOLDEN=1 to write it, then check it`)
  expect(text).toBe(readFileSync(url, 'utf8'))
}
