import { once } from 'node:events';
import { anySignal } from 'any-signal';
import type { ChangeFeedStore } from './change-feed-store.js';
import type { ScheduleEvent } from './domain/flight-changes.js';
import { failed, succeeded, type Outcome } from './domain/outcome.js';

export interface FeedOptions {
  /** How often to look for events written by other instances sharing the database, in ms. */
  pollMs: number;
  /** A heartbeat proves the stream alive and moves the client's cursor when nothing happens (ms). */
  heartbeatMs: number;
}

/** One message of the feed: an event and its cursor, or (no event) a heartbeat at the cursor. */
export interface FeedTick {
  cursor: number;
  event?: ScheduleEvent;
}

/** A cursor this feed has not issued yet: the client saw another feed (e.g. a reset database). */
export interface CursorAhead {
  kind: 'cursor-ahead';
  cursor: number;
  head: number;
}

/** Where a watch starts: the client's cursor (null = from now, the feed's head), if not ahead. */
export async function startCursor(
  store: ChangeFeedStore,
  requested: number | null,
): Promise<Outcome<number, CursorAhead>> {
  const head = await store.head();
  const cursor = requested ?? head;
  return cursor > head ? failed({ kind: 'cursor-ahead', cursor, head }) : succeeded(cursor);
}

/** Resolves after an event commits in this process, after pollMs, or when the call ends. */
async function nextWake(
  store: ChangeFeedStore,
  pollMs: number,
  signal: AbortSignal,
): Promise<void> {
  // Not AbortSignal.any: on Node 20 its signal is held only weakly, and once() listens weakly,
  // so after a full GC the poll timeout never fired and the feed sent no heartbeat until an
  // event came (feed.test.ts reproduces it with a forced GC). any-signal's is held by its sources.
  const wake = anySignal([signal, AbortSignal.timeout(pollMs)]);
  try {
    await once(store.events, 'event', { signal: wake });
  } catch {
    // A timeout or the end of the call: both just mean "look again" (or stop, if aborted).
  } finally {
    wake.clear();
  }
}

/**
 * Every event after `from`, then live events, for as long as the caller listens (until
 * `signal` aborts). The first tick is a heartbeat carrying the starting cursor, so a client
 * that asked "from now" learns where now is.
 */
export async function* followFeed(
  store: ChangeFeedStore,
  from: number,
  signal: AbortSignal,
  options: FeedOptions,
): AsyncGenerator<FeedTick> {
  let cursor = from;
  yield { cursor };
  let lastSent = Date.now();
  while (!signal.aborted) {
    const events = await store.eventsAfter(cursor);
    for (const event of events) {
      cursor = event.seq;
      lastSent = Date.now();
      yield { cursor, event };
    }
    if (events.length > 0) continue;
    if (Date.now() - lastSent >= options.heartbeatMs) {
      lastSent = Date.now();
      yield { cursor };
    }
    await nextWake(store, options.pollMs, signal);
  }
}
