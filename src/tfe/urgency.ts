/**
 * How soon the caller of a request needs its answer, beyond the request itself: news it may learn
 * while the pacer holds the request (a stage log that ends), and reads that can wait (made beside a
 * run, long before its end needs them). client.ts asks both before each wait; pacing.ts decides.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * How the pacer may treat one request, beyond its method and path: `news`, the caller needs its
 * answer to move on; `net`, a re-read the caller expects news to make unneeded (a read of the run
 * while its stage's log streams: the log's end will say when the stage ends); `background`, a read
 * that can wait.
 */
export type Urgency = 'news' | 'net' | 'background'

/** News the caller may learn while its request waits for the pacer (a stage log that ends). */
export interface NewsSource {
  /** Whether the news has arrived. */
  known(): boolean
  /** Whether it is expected: what brings it is being read (the stage's log streams), so the read is a net. */
  readonly expected?: boolean
  /** Calls `wake` when it arrives; returns how to forget it. */
  onNews(wake: () => void): () => void
}

/**
 * Reads that can wait: made inside `inBackground`, they are paced as polls (they give way to a
 * crowded window) for as long as `waiting()` is true, and as what they are once it turns false.
 */
export interface Background {
  waiting(): boolean
  /** Calls `wake` when the reads stop waiting; returns how to forget it. */
  onUrgent(wake: () => void): () => void
}

// Carried through every await of the work inside, so no resource module needs a parameter for it.
const backgroundReads = new AsyncLocalStorage<Background>()

/** Runs `fn` with every request it makes (through any await) paced as a read that can wait. */
export function inBackground<T>(background: Background, fn: () => Promise<T>): Promise<T> {
  return backgroundReads.run(background, fn)
}

/** The Background the current request was made in, if any. */
export function backgroundOf(): Background | undefined {
  return backgroundReads.getStore()
}
