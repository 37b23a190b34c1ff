/** Packing a directory: stopped by the step's signal, and by the archive cap, without packing the rest. */
import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveTooLargeError, listEntries, packEntries } from '../../src/upload/slug.js'
import { AbortedError } from '../../src/common/errors.js'

function directory(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(join(tmpdir(), 'slug-pack-'))
  for (const [path, body] of Object.entries(files)) writeFileSync(join(root, path), body)
  return root
}

describe('packing', () => {
  it('stops promptly when the signal fires, with its reason, mid-way through a 3 GiB file', async () => {
    const root = directory({ 'main.tf': '', 'big.bin': '' })
    truncateSync(join(root, 'big.bin'), 3 * 2 ** 30)
    const { entries } = await listEntries(root)
    const stop = new AbortController()
    let stoppedAt = 0
    setTimeout(() => {
      stoppedAt = performance.now()
      stop.abort(new AbortedError('Timed out after 0 s.', 'timeout'))
    }, 300)
    await expect(packEntries(root, entries, join(root, 'out.tar.gz'), stop.signal)).rejects.toThrow()
    expect(performance.now() - stoppedAt).toBeLessThan(1000)
  })

  it('the walk stops too: a signal already fired packs nothing', async () => {
    const stop = new AbortController()
    stop.abort(new AbortedError('The job was cancelled.', 'cancelled'))
    await expect(listEntries(directory({ 'main.tf': '' }), stop.signal)).rejects.toBeInstanceOf(AbortedError)
  })

  it('stops at the archive cap instead of compressing the rest', async () => {
    const root = directory({ 'main.tf': '', 'noise.bin': randomBytes(4 * 2 ** 20) })
    const { entries } = await listEntries(root)
    await expect(packEntries(root, entries, join(root, 'out.tar.gz'), undefined, 2 ** 20)).rejects.toBeInstanceOf(ArchiveTooLargeError)
    expect(existsSync(join(root, 'out.tar.gz'))).toBe(true) // the caller removes it
  })
})
