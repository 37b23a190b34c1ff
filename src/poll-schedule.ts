/**
 * When to read the run next.
 *
 * Right after the run changes status, or after the step acts on it, the next status often
 * follows within a second or two (confirmed → apply_queued → applying, a no-change plan →
 * planned_and_finished), so the first reads come quickly. While a stage keeps running the gap
 * grows geometrically to a cap, which bounds the request rate of a long wait; the cap for a
 * pending run is larger because leaving the queue is not the end of anything. A server that
 * says its rate-limit budget is nearly spent stretches the gap (see noteBudget).
 */
export interface PollScheduleOptions {
  firstMs: number
  growth: number
  capMs: number
  pendingCapMs: number
}

export const DefaultPollSchedule: PollScheduleOptions = {
  firstMs: 1000,
  growth: 1.5,
  capMs: 3000,
  pendingCapMs: 6000
}

export class PollSchedule {
  private readonly options: PollScheduleOptions
  private current: number

  constructor(options: PollScheduleOptions = DefaultPollSchedule) {
    this.options = options
    this.current = options.firstMs
  }

  /** The run moved, or the step just acted on it: look again soon. */
  reset(): void {
    this.current = this.options.firstMs
  }

  /** Delay before the next read of a run in `status`. */
  next(status: string): number {
    const cap = status === 'pending' ? this.options.pendingCapMs : this.options.capMs
    const delay = Math.min(this.current, cap)
    this.current = Math.min(this.current * this.options.growth, cap)
    return delay
  }
}
