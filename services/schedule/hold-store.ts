import type { Database, Sql } from '../../platform/db.js';
import type { CabinCode } from '../../flights/codes.js';
import {
  EXPIRE,
  canonicalItems,
  confirmOutcome,
  confirmTransition,
  holdExpiry,
  releaseTransition,
  returnTransition,
  sameItems,
  type HoldFailure,
  type HoldItem,
  type HoldRecord,
  type HoldStatus,
  type HoldTransition,
} from './domain/holds.js';
import { failed, succeeded, type Outcome } from './domain/outcome.js';
import type { InventoryStore } from './inventory-store.js';

interface HoldRow {
  hold_id: string;
  status: HoldStatus;
  created_at: Date;
  expires_at: Date;
}

/** Carries a failure out of a transaction callback so the transaction rolls back. */
class RolledBack extends Error {
  constructor(readonly failure: HoldFailure) {
    super(`rolled back: ${failure.kind}`);
  }
}

const notFound = (holdId: string) => failed({ kind: 'hold-not-found' as const, holdId });

/**
 * Seat holds and their items. Every change of a hold moves its seats in the inventory in the
 * same transaction, with the hold's row locked, so a hold is confirmed, released or expired
 * exactly once. Outcomes are plain data; the gRPC layer picks the status codes.
 */
export class HoldStore {
  constructor(
    private readonly db: Database,
    private readonly inventory: InventoryStore,
  ) {}

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

  /** Moves the hold's seats and records its new status (inside the caller's transaction). */
  private async apply(
    tx: Sql,
    hold: HoldRecord,
    transition: HoldTransition,
    now: Date,
  ): Promise<HoldRecord> {
    await this.inventory.move(tx, hold.items, transition.move);
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
   * idempotency-conflict. A cabin without the seats fails the whole hold as sold-out.
   */
  async holdSeats(
    holdId: string,
    items: HoldItem[],
    ttlSeconds: number,
    now: Date,
  ): Promise<Outcome<HoldRecord, HoldFailure>> {
    const ordered = canonicalItems(items);
    // Expired holds on these cabins give their seats back first, so a full cabin with a stale
    // hold does not turn a buyer away.
    await this.expireDue(now, ordered);
    try {
      return await this.db.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO holds (hold_id, status, created_at, expires_at, updated_at)
           VALUES ($1, 'HELD', $2, $3, $2) ON CONFLICT (hold_id) DO NOTHING RETURNING hold_id`,
          [holdId, now, holdExpiry(now, ttlSeconds)],
        );
        if (inserted.length === 0) {
          const existing = await this.load(tx, holdId, false);
          if (!existing) throw new Error(`hold ${holdId} vanished`);
          return sameItems(existing.items, ordered)
            ? succeeded(existing)
            : failed({ kind: 'idempotency-conflict' as const, holdId });
        }
        await this.inventory.ensureRows(tx, ordered);
        for (const item of ordered) {
          if (!(await this.inventory.take(tx, item))) {
            const available = await this.inventory.available(tx, item);
            throw new RolledBack({ kind: 'sold-out', ...item, available, requested: item.seats });
          }
          await tx.query(
            'INSERT INTO hold_items (hold_id, flight_id, cabin, seats) VALUES ($1, $2, $3, $4)',
            [holdId, item.flightId, item.cabin, item.seats],
          );
        }
        return succeeded<HoldRecord>({
          holdId,
          status: 'HELD',
          items: ordered,
          createdAt: now,
          expiresAt: holdExpiry(now, ttlSeconds),
        });
      });
    } catch (err) {
      if (err instanceof RolledBack) return failed(err.failure);
      throw err;
    }
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
    const hold = await this.db.transaction(async (tx) => {
      const current = await this.load(tx, holdId, true);
      if (!current) return null;
      const transition = confirmTransition(current, now);
      return transition ? this.apply(tx, current, transition, now) : current;
    });
    return hold ? confirmOutcome(hold) : notFound(holdId);
  }

  /** Gives back the seats of an unconfirmed hold. Releasing twice (or after expiry) is fine. */
  async releaseHold(holdId: string, now: Date): Promise<Outcome<HoldRecord, HoldFailure>> {
    return this.db.transaction(async (tx) => {
      const hold = await this.load(tx, holdId, true);
      if (!hold) return notFound(holdId);
      const transition = releaseTransition(hold);
      if (!transition.ok) return transition;
      return succeeded(transition.value ? await this.apply(tx, hold, transition.value, now) : hold);
    });
  }

  /** Gives back whatever seats a hold still has (sold or held). Idempotent. */
  async releaseSeats(holdId: string, now: Date): Promise<Outcome<HoldRecord, HoldFailure>> {
    return this.db.transaction(async (tx) => {
      const hold = await this.load(tx, holdId, true);
      if (!hold) return notFound(holdId);
      const transition = returnTransition(hold);
      return succeeded(transition ? await this.apply(tx, hold, transition, now) : hold);
    });
  }

  /**
   * Expires holds whose time ran out (all of them, or those touching the given flights), gives
   * their seats back and returns how many. Holds being confirmed right now are skipped, not
   * waited for; at most 500 per call.
   */
  async expireDue(now: Date, touching?: Pick<HoldItem, 'flightId'>[]): Promise<number> {
    return this.db.transaction(async (tx) => {
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
        if (hold) await this.apply(tx, hold, EXPIRE, now);
      }
      return due.length;
    });
  }
}
