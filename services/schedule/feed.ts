import type { ChangeFeedStore } from './change-feed-store.js';
import { nextLook } from './commits.js';
import type { ScheduleEvent } from './domain/flight-changes.js';
import { failed, succeeded, type Outcome } from './domain/outcome.js';

export interface FeedOptions {
  /**
   * How often to look for events written by other instances sharing the database, in ms (this
   * process's own wake the feed at once: ChangeFeedStore.commits).
   */
  pollMs: number;
  /** A heartbeat proves the stream alive and moves the client's cursor when nothing happens (ms). */
  heartbeatMs: number;
  /**
   * Nobody but this process writes the database (the embedded store): with no event committed
   * here since the last look there is nothing new, and a heartbeat needs no query.
   */
  alone?: boolean;
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
  let looked = -1;
  while (!signal.aborted) {
    // Noted before the read: an event committing after it wakes the wait below at once.
    const seen = store.commits.count;
    const events = options.alone && seen === looked ? [] : await store.eventsAfter(cursor);
    // At the head as of `seen` only once a read comes back empty: a read returns at most a
    // page, and a backlog longer than one (a watcher resuming far behind) is read on at once.
    if (events.length === 0) looked = seen;
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
    await store.commits.after(seen, nextLook(options, lastSent), signal);
  }
}
