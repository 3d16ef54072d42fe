import type { CabinCode } from '../../flights/codes.js';
import type { Database } from '../../platform/db.js';
import { Commits, nextLook } from './commits.js';
import type { CabinSeats } from './domain/availability.js';
import { failed, succeeded, type Outcome } from './domain/outcome.js';

/**
 * The seat feed behind WatchAvailability: the seats of every inventory row (flight × cabin)
 * whose seats changed, read from the inventory itself rather than from an event log.
 *
 * Every inventory row carries `changed_xid`, the id of the transaction that last changed it (a
 * trigger, migration 2). A cursor is a transaction id c meaning "every row changed by a
 * transaction below c has been sent". A poll sends the rows with c ≤ changed_xid < xmin, where
 * xmin is the oldest transaction still running in the same snapshot: every transaction below
 * it has ended, so none of them can commit a change behind the cursor later. The next cursor is
 * that xmin. So a reader resuming from its cursor misses nothing, on this instance or on
 * another sharing the database, and nobody writing seats takes a lock for the feed's sake
 * (a log with an ordered sequence would need one, and HoldSeats is the write path's hot spot).
 *
 * What is sent is each row's state now, not each change: a cabin changed ten times between two
 * polls is sent once, and a reader far behind catches up in at most one row per cabin touched.
 * The lag this adds is one poll, plus the longest transaction running in the database cluster
 * at the time (it holds xmin back; PostgreSQL's idle-in-transaction limit bounds it).
 *
 * Cursors are decimal strings (xid8 is 64-bit: no wraparound), compared in SQL.
 */
export interface SeatRow extends CabinSeats {
  flightId: string;
  /** The changing transaction's id: the cursor after which this row is sent again. */
  xid: string;
}

/** A cursor past the database's next transaction id: the client saw another database. */
export interface SeatCursorAhead {
  kind: 'cursor-ahead';
  cursor: string;
  head: string;
}

/** A watch's first cursor, and the transaction id that was next when it began. */
export interface SeatWatchStart {
  cursor: string;
  head: string;
}

export interface SeatTick {
  /** Every change before it has been sent, with this tick or earlier. */
  cursor: string;
  /** Rows changed since the previous tick; empty on a heartbeat. */
  rows: SeatRow[];
  /**
   * Every change committed before the watch began has been sent: the cursor has passed the
   * transaction id that was next then (`SeatWatchStart.head`). Not "before this poll": a poll
   * sends only what transactions below the oldest one still running changed, and in a busy
   * cluster that can be behind changes that committed long ago.
   */
  caughtUp: boolean;
}

export interface SeatFeedOptions {
  /** How often to look for changes, ms. */
  pollMs: number;
  /** A heartbeat (no rows) goes out after this long without changes, ms. */
  heartbeatMs: number;
  /** Rows per tick at most (a reader far behind gets its catch-up in several). */
  batchRows?: number;
  /**
   * Nobody but this process writes the database (the embedded store): with no seat move here
   * since the last look, nothing changed, and a caught-up heartbeat needs no query.
   */
  alone?: boolean;
}

const CHANGED_SQL = `
SELECT flight_id, cabin, capacity, sold, held, changed_xid::text AS xid,
       pg_snapshot_xmin(pg_current_snapshot())::text AS xmin
FROM (SELECT 1) AS one
LEFT JOIN inventory ON changed_xid >= $1::xid8
  AND changed_xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY changed_xid`;

export class SeatFeed {
  /**
   * `moves`: this process's seat commits (HoldStore.seatMoves), which wake its followers at
   * once; changes other instances commit are found by the poll.
   */
  constructor(
    private readonly db: Database,
    readonly moves: Commits = new Commits(),
  ) {}

  /**
   * Where a watch starts: the client's cursor or, for none, "now" (the oldest running xid), and
   * the next transaction id (`head`): once the cursor passes it, every change committed before
   * the watch began has been sent.
   */
  async start(requested: string | null): Promise<Outcome<SeatWatchStart, SeatCursorAhead>> {
    const [row] = await this.db.query<{ xmin: string; xmax: string; ahead: boolean }>(
      `SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
              coalesce($1::xid8 > pg_snapshot_xmax(s), false) AS ahead
       FROM pg_current_snapshot() AS s`,
      [requested],
    );
    if (row!.ahead) return failed({ kind: 'cursor-ahead', cursor: requested!, head: row!.xmax });
    return succeeded({ cursor: requested ?? row!.xmin, head: row!.xmax });
  }

  /** Rows changed at or after `cursor` by transactions that have ended, and the next cursor. */
  async changedSince(cursor: string): Promise<Omit<SeatTick, 'caughtUp'>> {
    const rows = await this.db.query<{
      flight_id: string | null;
      cabin: CabinCode;
      capacity: number;
      sold: number;
      held: number;
      xid: string;
      xmin: string;
    }>(CHANGED_SQL, [cursor]);
    const next = rows[0]!.xmin;
    return {
      cursor: next,
      rows: rows
        .filter((r) => r.flight_id !== null)
        .map((r) => ({
          flightId: r.flight_id!,
          cabin: r.cabin,
          capacity: Number(r.capacity),
          sold: Number(r.sold),
          held: Number(r.held),
          xid: r.xid,
        })),
    };
  }
}

/**
 * Ticks from `start.cursor` for as long as `signal` allows: first a heartbeat at the starting
 * cursor (so a client that asked "from now" learns where now is), then each poll's changes,
 * oldest first, in ticks of at most `batchRows`, and a heartbeat after `heartbeatMs` without
 * changes. Each says whether the cursor has passed `start.head` (SeatTick.caughtUp).
 */
export async function* followSeats(
  feed: SeatFeed,
  start: SeatWatchStart,
  signal: AbortSignal,
  options: SeatFeedOptions,
): AsyncGenerator<SeatTick> {
  const batch = options.batchRows ?? 1000;
  const head = BigInt(start.head);
  // Cursors are xid8 decimals: compared as numbers, never as strings.
  const caughtUp = (c: string) => BigInt(c) >= head;
  let cursor = start.cursor;
  yield { cursor, rows: [], caughtUp: caughtUp(cursor) };
  let lastSent = Date.now();
  let looked = -1;
  while (!signal.aborted) {
    // Noted before the read: a seat move committing after it wakes the wait below at once.
    const seen = feed.moves.count;
    const unchanged = options.alone && seen === looked && caughtUp(cursor);
    const tick = unchanged ? { cursor, rows: [] } : await feed.changedSince(cursor);
    // Up to date as of `seen` once a read finds nothing new (as the change feed does).
    if (tick.rows.length === 0) looked = seen;
    for (let at = 0; at < tick.rows.length; at += batch) {
      const rows = tick.rows.slice(at, at + batch);
      const following = tick.rows[at + batch];
      // Mid-poll, everything below the next row's transaction has been sent (rows are in xid
      // order; a transaction split across two ticks is sent again whole: states, not deltas).
      const sentBelow = following ? following.xid : tick.cursor;
      yield { cursor: sentBelow, rows, caughtUp: caughtUp(sentBelow) };
      lastSent = Date.now();
    }
    cursor = tick.cursor;
    if (tick.rows.length === 0 && Date.now() - lastSent >= options.heartbeatMs) {
      lastSent = Date.now();
      yield { cursor, rows: [], caughtUp: caughtUp(cursor) };
    }
    await feed.moves.after(seen, nextLook(options, lastSent), signal);
  }
}
