// Benchmark part 'lines': CPU time to split a log into lines as the live log stream does, for
// 32 MiB in one line without a newline against the same bytes in 64-byte lines, in 256 KiB
// chunks (what one log read keeps). Run by bench.mjs; prints figures, asserts nothing.
import { Buffer } from 'node:buffer'
import { LineSplitter, ChunkBytes } from '../src/run-logs/stream.ts'

const total = 32 * 1_048_576

function feed(make) {
  const chunk = make()
  const splitter = new LineSplitter()
  const start = process.cpuUsage()
  let lines = 0
  for (let sent = 0; sent < total; sent += chunk.length) lines += splitter.push(chunk).length
  lines += splitter.push(Buffer.alloc(0), true).length
  const used = process.cpuUsage(start)
  return { cpuS: (used.user + used.system) / 1e6, lines }
}

const oneLine = feed(() => Buffer.alloc(ChunkBytes, 0x61))
const inLines = feed(() => Buffer.from(('a'.repeat(63) + '\n').repeat(ChunkBytes / 64)))
console.log(`lines: 32 MiB without a newline: ${oneLine.cpuS.toFixed(2)} s CPU (${oneLine.lines} line, cut at 1 MiB)`)
console.log(`lines: 32 MiB in 64-byte lines:   ${inLines.cpuS.toFixed(2)} s CPU (${inLines.lines} lines)`)
