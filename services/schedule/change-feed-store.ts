import { EventEmitter } from 'node:events';
import type { Database, Sql } from '../../platform/db.js';
import { Commits } from './commits.js';
import type { ChangeKind, FlightOverride, ScheduleEvent } from './domain/flight-changes.js';
import type { OverrideStore } from './override-store.js';

/** A change that committed: the override as stored (with its version). */
export interface AppliedChange {
  override: FlightOverride;
}

/**
 * What a change says in the feed; `flight` renders the changed flight at its stored version.
 * `timetabled` is the flight's departure as the timetable has it, what "no change yet" means.
 */
export interface ChangeEntry {
  type: ChangeKind;
  reason: string;
  flight: (version: number) => unknown;
  timetabled: { departureUtc: Date };
}

/** What applyChange did; see there. */
export type ChangeOutcome =
  { version: number } | 'unchanged' | 'replayed' | 'conflict' | 'cancelled';

/** The stored operational state of a flight, as applyChange compares it. */
interface StoredState {
  status: string;
  departure_utc: Date | string;
}

/**
 * Whether `change` leaves the flight as it stands: the same status and, for a retime, the same
 * departure; with no override stored, a retime to the timetabled departure.
 */
function leavesAsIs(change: FlightOverride, stored: StoredState | undefined, timetabled: Date) {
  if (change.status === 'CANCELLED') return stored?.status === 'CANCELLED';
  // A retime (of a flight not cancelled: refused before this).
  const departs = stored ? new Date(stored.departure_utc) : timetabled;
  return departs.getTime() === change.departureUtc.getTime();
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
  /** This process's committed events, counted: what wakes its feeds (feed.ts). */
  readonly commits = new Commits();

  constructor(
    private readonly db: Database,
    private readonly overrides: OverrideStore,
  ) {
    this.events.setMaxListeners(0);
  }

  /**
   * Applies an operational change and appends it to the feed in one transaction, and answers
   * with the stored version. Idempotent by request id: a retried request (same `fingerprint`)
   * is `replayed` and changes nothing; the id used before for another request is a `conflict`
   * and changes nothing either. A change that leaves the flight as it stands (the same
   * departure, cancelled again) is `unchanged`: no event, no new version, its request id
   * recorded. A retime of a flight cancelled meanwhile (by another instance) is `cancelled`.
   * Decided under the feed's lock against the stored state, not this instance's view of it.
   */
  async applyChange(
    request: { id: string; fingerprint: string },
    change: FlightOverride,
    entry: ChangeEntry,
    now: Date,
  ): Promise<ChangeOutcome> {
    const result = await this.db.transaction(async (tx): Promise<ChangeOutcome> => {
      await tx.query('SELECT pg_advisory_xact_lock(4242)');
      const earlier = await this.earlier(tx, request);
      if (earlier) return earlier;
      const [stored] = await tx.query<StoredState>(
        'SELECT status, departure_utc FROM flight_overrides WHERE flight_id = $1',
        [change.flightId],
      );
      if (stored?.status === 'CANCELLED' && change.status !== 'CANCELLED') return 'cancelled';
      if (leavesAsIs(change, stored, entry.timetabled.departureUtc)) {
        await tx.query(
          'INSERT INTO schedule_requests (request_id, request_fingerprint, flight_id, recorded_at) VALUES ($1, $2, $3, $4)',
          [request.id, request.fingerprint, change.flightId, now],
        );
        return 'unchanged';
      }
      const version = await this.overrides.upsert(tx, change, now);
      await tx.query(
        'INSERT INTO schedule_events (request_id, request_fingerprint, flight_id, type, reason, flight, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          request.id,
          request.fingerprint,
          change.flightId,
          entry.type,
          entry.reason,
          JSON.stringify(entry.flight(version)),
          now,
        ],
      );
      return { version };
    });
    if (typeof result === 'object') {
      this.events.emit('event', {
        override: { ...change, version: result.version },
      } satisfies AppliedChange);
      this.commits.notify();
    }
    return result;
  }

  /**
   * What an earlier request under this id was, read without the feed's lock: `replayed` (the
   * same request), `conflict` (another), or undefined (the id is unused). Lets a handler answer
   * a retry before checks that only a new change must pass (a departure still ahead, a flight
   * not cancelled since); applyChange decides again under the lock.
   */
  async priorRequest(request: {
    id: string;
    fingerprint: string;
  }): Promise<'replayed' | 'conflict' | undefined> {
    return this.earlier(this.db, request);
  }

  private async earlier(
    sql: Sql,
    request: { id: string; fingerprint: string },
  ): Promise<'replayed' | 'conflict' | undefined> {
    const [seen] = await sql.query<{ request_fingerprint: string | null }>(
      `SELECT request_fingerprint FROM schedule_events WHERE request_id = $1
       UNION ALL SELECT request_fingerprint FROM schedule_requests WHERE request_id = $1`,
      [request.id],
    );
    if (!seen) return undefined;
    return seen.request_fingerprint === null || seen.request_fingerprint === request.fingerprint
      ? 'replayed'
      : 'conflict';
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
