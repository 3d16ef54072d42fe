import { EventEmitter } from 'node:events';
import type { Database } from '../../platform/db.js';
import type { ChangeKind, FlightOverride, ScheduleEvent } from './domain/flight-changes.js';
import type { OverrideStore } from './override-store.js';

/** A change that committed: the override as stored (with its version). */
export interface AppliedChange {
  override: FlightOverride;
}

/** What a change says in the feed; `flight` renders the changed flight at its stored version. */
export interface ChangeEntry {
  type: ChangeKind;
  reason: string;
  flight: (version: number) => unknown;
}

/**
 * The change feed (`schedule_events`): every operational change, in commit order, each with a
 * seq that is the feed's cursor. A change and its event are written in one transaction under
 * an advisory lock, so seqs commit in order and a reader never skips an event that commits late.
 */
export class ChangeFeedStore {
  /**
   * Emits 'event' (with the AppliedChange) after a change-feed event commits, so watchers in
   * this process wake at once and the in-memory overrides hold the change before it is answered.
   */
  readonly events = new EventEmitter();

  constructor(
    private readonly db: Database,
    private readonly overrides: OverrideStore,
  ) {
    this.events.setMaxListeners(0);
  }

  /**
   * Applies an operational change and appends it to the feed in one transaction. Idempotent by
   * request id: a retried request returns null and changes nothing.
   */
  async applyChange(
    requestId: string,
    change: FlightOverride,
    entry: ChangeEntry,
    now: Date,
  ): Promise<{ version: number } | null> {
    const result = await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(4242)');
      const seen = await tx.query('SELECT seq FROM schedule_events WHERE request_id = $1', [
        requestId,
      ]);
      if (seen.length) return null;
      const version = await this.overrides.upsert(tx, change, now);
      await tx.query(
        'INSERT INTO schedule_events (request_id, flight_id, type, reason, flight, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          requestId,
          change.flightId,
          entry.type,
          entry.reason,
          JSON.stringify(entry.flight(version)),
          now,
        ],
      );
      return { version };
    });
    if (result)
      this.events.emit('event', {
        override: { ...change, version: result.version },
      } satisfies AppliedChange);
    return result;
  }

  /** The newest event's seq (0 when the feed is empty): a cursor that means "from now". */
  async head(): Promise<number> {
    const [row] = await this.db.query<{ head: number | null }>(
      'SELECT max(seq) AS head FROM schedule_events',
    );
    return Number(row?.head ?? 0);
  }

  /** Up to `limit` events after the cursor `seq`, oldest first. */
  async eventsAfter(seq: number, limit = 500): Promise<ScheduleEvent[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      'SELECT seq, flight_id, type, reason, flight, occurred_at FROM schedule_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      flightId: String(r.flight_id),
      type: r.type as ChangeKind,
      reason: String(r.reason),
      flight: typeof r.flight === 'string' ? JSON.parse(r.flight) : r.flight,
      occurredAt: new Date(r.occurred_at as string),
    }));
  }
}
