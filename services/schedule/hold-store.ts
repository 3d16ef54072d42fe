import type { Database, Sql } from '../../platform/db.js';
import type { CabinCode } from '../../flights/codes.js';
import {
  EXPIRE,
  canonicalItems,
  confirmOutcome,
  confirmTransition,
  existingHoldOutcome,
  holdExpiry,
  releaseTransition,
  returnTransition,
  type HoldFailure,
  type HoldItem,
  type HoldRecord,
  type HoldStatus,
  type HoldTransition,
} from './domain/holds.js';
import { failed, succeeded, type Outcome } from './domain/outcome.js';
import type { InventoryStore } from './inventory-store.js';
import { Commits } from './commits.js';
import { countSeatMoves, type HoldChange } from './metrics.js';

interface HoldRow {
  hold_id: string;
  status: HoldStatus;
  created_at: Date;
  expires_at: Date;
}

const notFound = (holdId: string) => failed({ kind: 'hold-not-found' as const, holdId });

const DEADLOCK = '40P01';

/**
 * HoldSeats in one statement, committed on its own: the hold row (unless the id is taken), every
 * item's seats taken from its cabin if the cabin still has them (a row made on first use, with
 * the timetable's capacity), and the items recorded. When the hold is new and a cabin did not
 * have the seats, the statement fails with SHORT_OF_SEATS (hold_short_of_seats(), migration 3),
 * which undoes all of it. One statement and no BEGIN … COMMIT: the cabin's row lock is held
 * from the statement to its commit, with no round trip to the client in between, which is what a
 * sell-out's queue of buyers waits on; and one round trip per hold, not three.
 * With $8 (sell) the hold is made CONFIRMED and the seats are taken as sold, not held: HoldSeats
 * and ConfirmHold in one statement, one commit.
 * $1 hold id, $2 now, $3 expiry, $4..$7 flight ids, cabins, seats, capacities (canonical order),
 * $8 sell.
 */
const HOLD_SQL = `
WITH hold AS (
  INSERT INTO holds (hold_id, status, created_at, expires_at, updated_at)
  VALUES ($1, CASE WHEN $8::boolean THEN 'CONFIRMED' ELSE 'HELD' END, $2, $3, $2)
  ON CONFLICT (hold_id) DO NOTHING RETURNING hold_id),
wanted AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::int[], $7::int[]) WITH ORDINALITY
    AS w(flight_id, cabin, seats, capacity, ord)),
taken AS (
  INSERT INTO inventory AS inv (flight_id, cabin, capacity, held, sold)
  SELECT flight_id, cabin, capacity, CASE WHEN $8 THEN 0 ELSE seats END,
         CASE WHEN $8 THEN seats ELSE 0 END FROM wanted
  WHERE seats <= capacity AND EXISTS (SELECT 1 FROM hold) ORDER BY ord
  ON CONFLICT (flight_id, cabin) DO UPDATE
    SET held = inv.held + EXCLUDED.held, sold = inv.sold + EXCLUDED.sold
  WHERE inv.capacity - inv.sold - inv.held >= EXCLUDED.held + EXCLUDED.sold
  RETURNING inv.flight_id),
items AS (
  INSERT INTO hold_items (hold_id, flight_id, cabin, seats)
  SELECT hold.hold_id, w.flight_id, w.cabin, w.seats FROM hold, wanted w),
counted AS (
  SELECT (SELECT count(*) FROM hold)::int AS inserted, (SELECT count(*) FROM taken)::int AS taken)
SELECT inserted, taken,
       CASE WHEN inserted > 0 AND taken < cardinality($4::text[]) THEN hold_short_of_seats() END
         AS short
FROM counted`;

/** The SQLSTATE hold_short_of_seats() raises (migration 3). */
const SHORT_OF_SEATS = 'FM001';

/** Failures after which a statement is simply run again (as Database.transaction does). */
const RETRYABLE = new Set(['40001', '40P01', '55P03']);

/**
 * ConfirmHold of a live HELD hold in one statement (the common case): the hold becomes CONFIRMED
 * and its items' seats move from held to sold. No row means the hold was not live and HELD, and
 * the careful path decides what to answer. $1 hold id, $2 now.
 */
const CONFIRM_SQL = `
WITH hold AS (
  UPDATE holds SET status = 'CONFIRMED', updated_at = $2
  WHERE hold_id = $1 AND status = 'HELD' AND expires_at > $2
  RETURNING hold_id, created_at, expires_at),
items AS (
  SELECT hi.flight_id, hi.cabin, hi.seats FROM hold_items hi JOIN hold USING (hold_id)),
moved AS (
  UPDATE inventory inv SET held = inv.held - i.seats, sold = inv.sold + i.seats
  FROM items i WHERE inv.flight_id = i.flight_id AND inv.cabin = i.cabin RETURNING 1)
SELECT h.created_at, h.expires_at, i.flight_id, i.cabin, i.seats, (SELECT count(*) FROM moved)::int AS moved
FROM hold h, items i ORDER BY i.flight_id, i.cabin`;

/**
 * Seat holds and their items. Every change of a hold moves its seats in the inventory in the
 * same transaction, with the hold's row locked, so a hold is confirmed, released or expired
 * exactly once. Outcomes are plain data; the gRPC layer picks the status codes.
 */
export class HoldStore {
  /** This process's committed seat moves, counted: what wakes its seat feeds (seat-feed.ts). */
  readonly seatMoves = new Commits();

  constructor(
    private readonly db: Database,
    private readonly inventory: InventoryStore,
  ) {}

  /** After a commit that moved seats: counted on /metrics, and the seat feeds woken. */
  private moved(changes: HoldChange[]): void {
    countSeatMoves(changes);
    if (changes.length) this.seatMoves.notify();
  }

  private async load(sql: Sql, holdId: string, lock: boolean): Promise<HoldRecord | null> {
    const [row] = await sql.query<HoldRow>(
      `SELECT hold_id, status, created_at, expires_at FROM holds WHERE hold_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [holdId],
    );
    if (!row) return null;
    const items = await sql.query<{ flight_id: string; cabin: CabinCode; seats: number }>(
      'SELECT flight_id, cabin, seats FROM hold_items WHERE hold_id = $1 ORDER BY flight_id, cabin',
      [holdId],
    );
    return {
      holdId: row.hold_id,
      status: row.status,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
      items: items.map((i) => ({ flightId: i.flight_id, cabin: i.cabin, seats: Number(i.seats) })),
    };
  }

  /** A transaction whose hold changes are counted on /metrics once it has committed. */
  private async committed<T>(fn: (tx: Sql, changes: HoldChange[]) => Promise<T>): Promise<T> {
    const changes: HoldChange[] = [];
    const result = await this.db.transaction((tx) => fn(tx, changes));
    this.moved(changes);
    return result;
  }

  /** Moves the hold's seats and records its new status (inside the caller's transaction). */
  private async apply(
    tx: Sql,
    hold: HoldRecord,
    transition: HoldTransition,
    now: Date,
    changes: HoldChange[],
  ): Promise<HoldRecord> {
    await this.inventory.move(tx, hold.items, transition.move);
    changes.push({ items: hold.items, to: transition.to });
    await tx.query(`UPDATE holds SET status = $2, updated_at = $3 WHERE hold_id = $1`, [
      hold.holdId,
      transition.to,
      now,
    ]);
    return { ...hold, status: transition.to };
  }

  /**
   * Holds all items or none, for `ttlSeconds` from `now`. Idempotent by hold id: the same id
   * with the same items returns the hold as it is; with other items it is an
   * idempotency-conflict; an id released before the hold arrived (compensation first) is a
   * hold-state-conflict. A cabin without the seats fails the whole hold as sold-out, after
   * expired holds on these flights have given their seats back (a stale hold must not turn a
   * buyer away).
   *
   * `sell`: the seats are sold at once (the hold is CONFIRMED, in the same transaction); an
   * existing HELD hold of this id is confirmed (confirmHold), an existing CONFIRMED one returned.
   */
  async holdSeats(
    holdId: string,
    items: HoldItem[],
    ttlSeconds: number,
    now: Date,
    sell = false,
  ): Promise<Outcome<HoldRecord, HoldFailure>> {
    const ordered = canonicalItems(items);
    const first = await this.tryHold(holdId, ordered, ttlSeconds, now, sell);
    const outcome =
      first.ok || first.failure.kind !== 'sold-out' || (await this.expireDue(now, ordered)) === 0
        ? first
        : await this.tryHold(holdId, ordered, ttlSeconds, now, sell);
    // A hold made earlier without selling (a retry of an older saga): sell it now.
    return sell && outcome.ok && outcome.value.status === 'HELD'
      ? this.confirmHold(holdId, now)
      : outcome;
  }

  private async tryHold(
    holdId: string,
    ordered: HoldItem[],
    ttlSeconds: number,
    now: Date,
    sell: boolean,
  ): Promise<Outcome<HoldRecord, HoldFailure>> {
    const expiresAt = holdExpiry(now, ttlSeconds);
    const params = [
      holdId,
      now,
      expiresAt,
      ordered.map((i) => i.flightId),
      ordered.map((i) => i.cabin),
      ordered.map((i) => i.seats),
      ordered.map((i) => this.inventory.capacityOf(i.flightId, i.cabin)),
      sell,
    ];
    let made: 'new' | 'taken' | 'short';
    for (let attempt = 1; ; attempt++) {
      try {
        const [r] = await this.db.query<{ inserted: number }>(HOLD_SQL, params);
        made = r!.inserted > 0 ? 'new' : 'taken';
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === SHORT_OF_SEATS) {
          made = 'short';
          break;
        }
        if (attempt >= 5 || !code || !RETRYABLE.has(code)) throw err;
      }
    }
    if (made === 'taken') {
      // The id was taken (by a hold committed before this statement, or it waited for it).
      const existing = await this.load(this.db, holdId, false);
      if (!existing) throw new Error(`hold ${holdId} vanished`);
      return existingHoldOutcome(existing, ordered);
    }
    if (made === 'new') {
      const changes: HoldChange[] = [{ items: ordered, to: 'HELD' }];
      if (sell) changes.push({ items: ordered, to: 'CONFIRMED' });
      this.moved(changes);
      return succeeded<HoldRecord>({
        holdId,
        status: sell ? 'CONFIRMED' : 'HELD',
        items: ordered,
        createdAt: now,
        expiresAt,
      });
    }
    // Counted after the failed statement, so the seats it took from other cabins are not missing.
    const seats = await Promise.all(ordered.map((i) => this.inventory.available(this.db, i)));
    const short = Math.max(
      0,
      ordered.findIndex((item, i) => seats[i]! < item.seats),
    );
    return failed({
      kind: 'sold-out',
      ...ordered[short]!,
      available: seats[short]!,
      requested: ordered[short]!.seats,
    });
  }

  async getHold(holdId: string): Promise<Outcome<HoldRecord, HoldFailure>> {
    const hold = await this.load(this.db, holdId, false);
    return hold ? succeeded(hold) : notFound(holdId);
  }

  /**
   * Sells a live hold's seats. Confirming twice returns the confirmed hold; a hold past its time
   * is expired here (its seats go back, committed) and reported as hold-expired.
   */
  async confirmHold(holdId: string, now: Date): Promise<Outcome<HoldRecord, HoldFailure>> {
    const confirmed = await this.confirmLive(holdId, now);
    if (confirmed) {
      // The statement sells only a live HELD hold: a retried confirmation finds none to sell.
      this.moved([{ items: confirmed.items, to: 'CONFIRMED' }]);
      return succeeded(confirmed);
    }
    const hold = await this.committed(async (tx, changes) => {
      const current = await this.load(tx, holdId, true);
      if (!current) return null;
      const transition = confirmTransition(current, now);
      return transition ? this.apply(tx, current, transition, now, changes) : current;
    });
    return hold ? confirmOutcome(hold) : notFound(holdId);
  }

  /** The one-statement confirmation of a live HELD hold; null when it is not one. */
  private async confirmLive(holdId: string, now: Date): Promise<HoldRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await this.db.query<{
          created_at: Date;
          expires_at: Date;
          flight_id: string;
          cabin: CabinCode;
          seats: number;
        }>(CONFIRM_SQL, [holdId, now]);
        if (rows.length === 0) return null;
        return {
          holdId,
          status: 'CONFIRMED',
          createdAt: new Date(rows[0]!.created_at),
          expiresAt: new Date(rows[0]!.expires_at),
          items: rows.map((i) => ({
            flightId: i.flight_id,
            cabin: i.cabin,
            seats: Number(i.seats),
          })),
        };
      } catch (err) {
        // Two multi-flight holds confirming across the same cabins in opposite orders.
        if ((err as { code?: string }).code !== DEADLOCK || attempt >= 5) throw err;
      }
    }
  }

  /** Gives back the seats of an unconfirmed hold. Releasing twice (or after expiry) is fine. */
  async releaseHold(holdId: string, now: Date): Promise<Outcome<HoldRecord, HoldFailure>> {
    return this.committed(async (tx, changes) => {
      const hold = await this.load(tx, holdId, true);
      if (!hold) return notFound(holdId);
      const transition = releaseTransition(hold);
      if (!transition.ok) return transition;
      return succeeded(
        transition.value ? await this.apply(tx, hold, transition.value, now, changes) : hold,
      );
    });
  }

  /**
   * Gives back whatever seats a hold still has (sold or held). Idempotent. An id with no hold yet
   * is released all the same: a tombstone (RELEASED, no items) is recorded so that the hold, if
   * it arrives later (a frozen instance waking up, a request stuck in the network), is refused.
   * Compensation wins whatever the order of arrival.
   */
  async releaseSeats(holdId: string, now: Date): Promise<Outcome<HoldRecord, HoldFailure>> {
    return this.committed(async (tx, changes) => {
      // Waits for a hold of this id still being made, then releases it (or records the tombstone).
      const tombstone = await tx.query(
        `INSERT INTO holds (hold_id, status, created_at, expires_at, updated_at)
         VALUES ($1, 'RELEASED', $2, $2, $2) ON CONFLICT (hold_id) DO NOTHING RETURNING hold_id`,
        [holdId, now],
      );
      if (tombstone.length > 0)
        return succeeded<HoldRecord>({
          holdId,
          status: 'RELEASED',
          items: [],
          createdAt: now,
          expiresAt: now,
        });
      const hold = await this.load(tx, holdId, true);
      if (!hold) throw new Error(`hold ${holdId} vanished`);
      const transition = returnTransition(hold);
      return succeeded(transition ? await this.apply(tx, hold, transition, now, changes) : hold);
    });
  }

  /**
   * Expires holds whose time ran out (all of them, or those touching the given flights), gives
   * their seats back and returns how many. Holds being confirmed right now are skipped, not
   * waited for; at most 500 per call.
   */
  async expireDue(now: Date, touching?: Pick<HoldItem, 'flightId'>[]): Promise<number> {
    return this.committed(async (tx, changes) => {
      const params: unknown[] = [now];
      let filter = '';
      if (touching?.length) {
        params.push(touching.map((i) => i.flightId));
        filter = 'AND hold_id IN (SELECT hold_id FROM hold_items WHERE flight_id = ANY($2))';
      }
      const due = await tx.query<{ hold_id: string }>(
        `SELECT hold_id FROM holds WHERE status = 'HELD' AND expires_at <= $1 ${filter}
         ORDER BY hold_id LIMIT 500 FOR UPDATE SKIP LOCKED`,
        params,
      );
      for (const { hold_id } of due) {
        const hold = await this.load(tx, hold_id, false);
        if (hold) await this.apply(tx, hold, EXPIRE, now, changes);
      }
      return due.length;
    });
  }
}
