import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';
import { loadMallocTrim, returnFreedMemory } from './heap.js';

/** How often the event loop's utilisation is sampled (ms); an interval is busy or idle. */
const CHECK_MS = 2_000;
/** An interval at or above this share of time spent running JavaScript or I/O callbacks is busy. */
const BUSY_UTILISATION = 0.25;
/** An interval below this is idle (an idle schedule, with its feeds and health checks, measured 0.026). */
const IDLE_UTILISATION = 0.05;
/**
 * At most one release per minute (ms): a collection and a trim block the loop for 50–300 ms
 * (returnFreedMemory), a call arriving then waits, and memory freed again seconds later is
 * better reused than returned and faulted back in.
 */
const MIN_INTERVAL_MS = 60_000;
/**
 * Growth of resident memory since the last release (bytes) that calls for another one, busy
 * spell or not: traffic too light ever to count as busy still leaves freed memory behind (a
 * newcomer's mesh, left running with light traffic, had schedule creep from 150 back to 162 MB
 * with no release after the first).
 */
const GROWTH_BYTES = 8 * 2 ** 20;
/** How long after a release its RSS is read (ms), for the log and as the next baseline. */
const SETTLE_MS = 1_000;

/** What the watcher remembers between samples. */
export interface IdleReleaseState {
  /** Whether a busy interval has been seen since the last release (start-up counts as busy). */
  busy: boolean;
  /** When the last release ran (ms, the same clock as `now`); -Infinity before the first. */
  lastAt: number;
  /** Resident memory right after the last release (bytes); Infinity before the first. */
  releasedRss: number;
}

export const initialIdleReleaseState = (): IdleReleaseState => ({
  busy: true,
  lastAt: -Infinity,
  releasedRss: Infinity,
});

/**
 * Whether to release memory now, given the utilisation (0–1) of the interval that just ended
 * at `now` (ms) and the resident memory then (bytes). Mutates `state`. Releases once per busy
 * period, when the first idle interval after it ends, or at an idle interval once resident
 * memory has grown GROWTH_BYTES since the last release; never twice within MIN_INTERVAL_MS (a
 * busy period still pending then is released at a later idle interval).
 */
export function shouldRelease(
  state: IdleReleaseState,
  utilisation: number,
  now: number,
  rss = 0,
): boolean {
  if (utilisation >= BUSY_UTILISATION || rss >= state.releasedRss + GROWTH_BYTES) state.busy = true;
  if (!state.busy || utilisation >= IDLE_UTILISATION) return false;
  if (now - state.lastAt < MIN_INTERVAL_MS) return false;
  state.busy = false;
  state.lastAt = now;
  return true;
}

/**
 * From now on, returns the process's freed memory to the operating system (returnFreedMemory)
 * each time it goes idle after being busy (after start-up, and after bursts such as a client's
 * first load) or after its memory grew GROWTH_BYTES since the last release. Logs each release with the resident memory before and after (MB). The timer does
 * not keep the process alive.
 */
export function releaseMemoryWhenIdle(log: Logger): void {
  // Bound now, so that the first release's figures are not the FFI library's own loading
  // (pricing's store process logged 123 → 125 MB for its first release).
  void loadMallocTrim();
  const state = initialIdleReleaseState();
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let releasing = false;
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const interval = performance.eventLoopUtilization(now, last);
    last = now;
    if (
      releasing ||
      !shouldRelease(state, interval.utilization, performance.now(), process.memoryUsage.rss())
    )
      return;
    releasing = true;
    const before = process.memoryUsage.rss();
    // Traffic that came during the release's wait: the process is busy again, and is released at
    // its next idle time, a minute on at the soonest (a burst then was otherwise forgotten, and
    // the second collection and the trim ran in the middle of it).
    void returnFreedMemory({ idleBelow: IDLE_UTILISATION })
      .then(async ({ completed, trimmed, pausedMs }) => {
        if (!completed) {
          // Still at most one attempt a minute: each one's first collection is a forced full GC
          // (light traffic cancelled every attempt and forced one every ~6 s, a newcomer found).
          state.busy = true;
          return;
        }
        // V8's helper thread goes on unmapping freed pages after the collection returns: read a
        // second later, RSS was 10–18 MB lower than right after (a newcomer's /proc sampling).
        await sleep(SETTLE_MS, undefined, { ref: false });
        state.releasedRss = process.memoryUsage.rss();
        log.info(
          {
            rssBeforeMb: Math.round(before / 2 ** 20),
            rssAfterMb: Math.round(state.releasedRss / 2 ** 20),
            trimmed,
            // How long calls arriving meanwhile waited (the release takes ~6 s in all).
            ms: Math.round(pausedMs),
          },
          'returned freed memory to the operating system',
        );
      })
      .catch((err: unknown) => log.warn({ err }, 'returning freed memory failed'))
      .finally(() => {
        releasing = false;
        last = performance.eventLoopUtilization();
      });
  }, CHECK_MS).unref();
}
