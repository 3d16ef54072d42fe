import { once } from 'node:events';
import { Flight } from '../../gen/ts/flights/v1/common.js';
import { ScheduleEventType, type WatchScheduleResponse } from '../../gen/ts/flights/v1/schedule.js';
import { ErrorReason, failedPrecondition } from '../../flights/errors.js';
import { invalidField } from '../../platform/errors.js';
import type { ScheduleStore, StoredEvent } from './store.js';

export interface FeedOptions {
  /** How often to look for events written by other instances sharing the database. */
  pollMs: number;
  /** A heartbeat proves the stream alive and moves the client's cursor when nothing happens. */
  heartbeatMs: number;
}

const TYPES: Record<StoredEvent['type'], ScheduleEventType> = {
  RETIMED: ScheduleEventType.SCHEDULE_EVENT_TYPE_RETIMED,
  CANCELLED: ScheduleEventType.SCHEDULE_EVENT_TYPE_CANCELLED,
};

export function parseCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw invalidField('cursor', 'is not a cursor this feed issued');
  return Number(cursor);
}

/** Resolves after an event commits in this process, after pollMs, or when the call ends. */
async function nextWake(store: ScheduleStore, pollMs: number, signal: AbortSignal): Promise<void> {
  try {
    await once(store.events, 'event', {
      signal: AbortSignal.any([signal, AbortSignal.timeout(pollMs)]),
    });
  } catch {
    // A timeout or the end of the call: both just mean "look again" (or stop, if aborted).
  }
}

/**
 * Every event after the cursor, then live events, for as long as the caller listens. The first
 * message is a heartbeat carrying the starting cursor, so a client that asked "from now" learns
 * where now is.
 */
export async function* watchFeed(
  store: ScheduleStore,
  requestedCursor: string,
  signal: AbortSignal,
  options: FeedOptions,
): AsyncGenerator<WatchScheduleResponse> {
  const head = await store.head();
  let cursor = requestedCursor ? parseCursor(requestedCursor) : head;
  if (cursor > head) {
    throw failedPrecondition(
      ErrorReason.ERROR_REASON_CURSOR_EXPIRED,
      `cursor ${cursor} is ahead of this feed (head ${head}): reload with ListFlights`,
      { cursor: String(cursor), head: String(head) },
    );
  }
  yield { cursor: String(cursor), event: undefined };
  let lastSent = Date.now();
  while (!signal.aborted) {
    const events = await store.eventsAfter(cursor);
    for (const e of events) {
      cursor = e.seq;
      lastSent = Date.now();
      yield {
        cursor: String(e.seq),
        event: {
          type: TYPES[e.type],
          flight: Flight.fromJSON(e.flight),
          occurredAt: e.occurredAt,
          reason: e.reason,
        },
      };
    }
    if (events.length > 0) continue;
    if (Date.now() - lastSent >= options.heartbeatMs) {
      lastSent = Date.now();
      yield { cursor: String(cursor), event: undefined };
    }
    await nextWake(store, options.pollMs, signal);
  }
}
