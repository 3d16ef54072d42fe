import { EventEmitter, once } from 'node:events';
import { anySignal } from 'any-signal';

/**
 * A count of this process's commits of one kind (feed events, seat moves) and a way to wait
 * for the next one, so a feed wakes when something changed instead of polling the database.
 *
 * Why a count and not only an event: a follower reads the database, sends what it found, then
 * waits; a commit that lands between its read and its wait would be an event nobody heard, and
 * on the embedded store (where only the poll's timeout would find it) that is up to a heartbeat
 * late. A follower notes `count` before it reads and waits with `after(count, …)`, which returns
 * at once when a commit came meanwhile.
 */
export class Commits {
  private seen = 0;
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Commits so far (a number that only grows). */
  get count(): number {
    return this.seen;
  }

  /** Call after a commit: wakes every follower waiting. */
  notify(): void {
    this.seen++;
    this.emitter.emit('commit');
  }

  /**
   * Resolves once there has been a commit after the one `count` was read at, after `ms`, or
   * when `signal` aborts, whichever comes first; never rejects.
   */
  async after(count: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.seen > count || signal.aborted) return;
    // Not AbortSignal.any: on Node 20 its signal is held only weakly, and once() listens weakly,
    // so after a full GC the timeout never fired and the feed sent no heartbeat until a commit
    // came (feed-gc.test.ts reproduces it with a forced GC). any-signal's is held by its sources.
    const wake = anySignal([signal, AbortSignal.timeout(ms)]);
    try {
      await once(this.emitter, 'commit', { signal: wake });
    } catch {
      // A timeout or the end of the call: both just mean "look again" (or stop, if aborted).
    } finally {
      wake.clear();
    }
  }
}

/**
 * How long a feed waits before it looks again (ms): its poll, or less when its next heartbeat
 * is due sooner (a client may ask for heartbeats more often than the poll, and on the embedded
 * store the poll is as long as the default heartbeat). `lastSent`: when it last sent (Date.now()).
 */
export function nextLook(
  options: { pollMs: number; heartbeatMs: number },
  lastSent: number,
): number {
  const untilHeartbeat = options.heartbeatMs - (Date.now() - lastSent);
  return Math.max(1, Math.min(options.pollMs, untilHeartbeat));
}
