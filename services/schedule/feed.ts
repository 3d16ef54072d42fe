import { once } from 'node:events';
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
  try {
    await once(store.events, 'event', {
      signal: AbortSignal.any([signal, AbortSignal.timeout(pollMs)]),
    });
  } catch {
    // A timeout or the end of the call: both just mean "look again" (or stop, if aborted).
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
