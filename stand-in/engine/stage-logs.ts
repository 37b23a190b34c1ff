/**
 * Writing a stage's log: opened when the stage starts, appended as it goes, ended with its last lines
 * and ETX; every line kept with its time for the bench. What the lines say is logs.ts.
 */
import { Archivist, type StageScript } from './logs.ts'
import type { Stage } from './model.ts'

export class StageLogs {
  readonly archivist = new Archivist()
  /** Every line written to a log, with performance.now() when it was written: the bench measures log lag from here. */
  readonly logLines: { at: number; logId: string; line: string }[] = []

  /** Opens the stage's log with the script's first lines and keeps its last ones for `end`. */
  open(stage: Stage, script: StageScript): void {
    this.archivist.open(stage.logId)
    this.append(stage, script.start)
    stage.pendingEnd = script.end
  }

  append(stage: Stage, lines: string[]): void {
    const at = performance.now()
    for (const line of lines) this.logLines.push({ at, logId: stage.logId, line })
    this.archivist.append(stage.logId, lines)
  }

  /** The stage ended: its last lines (or the error instead), then ETX unless told not to. */
  end(stage: Stage, etx: () => boolean, error?: string[]): void {
    if (!this.archivist.has(stage.logId)) return
    this.append(stage, error ?? stage.pendingEnd ?? [])
    stage.pendingEnd = undefined
    this.archivist.close(stage.logId, etx())
  }
}
