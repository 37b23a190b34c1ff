/** A log's bytes as lines: split in linear time, each line bounded. Not the reading (stream.ts) nor the rendering (render.ts). */

const Newline = 0x0a
/** The longest line kept; the rest of a longer line is dropped, and the line says how much. */
export const MaxLineBytes = 1_048_576

/**
 * Bytes to lines in linear time: a chunk is searched once, and the start of a line that goes on
 * past the chunk is kept as parts, joined once when its newline comes (a 32 MiB line used to be
 * copied again with every chunk). A line over MaxLineBytes keeps its first MaxLineBytes.
 */
export class LineSplitter {
  private parts: Buffer[] = []
  private size = 0
  private dropped = 0

  /** The whole lines in `chunk` (and, with `flush`, the partial last one). */
  push(chunk: Buffer, flush = false): string[] {
    const lines: string[] = []
    let from = 0
    let newline: number
    while ((newline = chunk.indexOf(Newline, from)) !== -1) {
      this.keep(chunk.subarray(from, newline))
      lines.push(this.take())
      from = newline + 1
    }
    this.keep(chunk.subarray(from))
    if (flush && (this.size > 0 || this.dropped > 0)) lines.push(this.take())
    return lines
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return
    const room = MaxLineBytes - this.size
    if (bytes.length > room) {
      this.dropped += bytes.length - Math.max(room, 0)
      bytes = bytes.subarray(0, Math.max(room, 0))
    }
    if (bytes.length === 0) return
    this.parts.push(bytes)
    this.size += bytes.length
  }

  private take(): string {
    let line = Buffer.concat(this.parts, this.size).toString('utf8')
    if (line.endsWith('\r')) line = line.slice(0, -1)
    if (this.dropped > 0) line += ` … (${this.dropped} more bytes of this line not shown)`
    this.parts = []
    this.size = 0
    this.dropped = 0
    return line
  }
}
