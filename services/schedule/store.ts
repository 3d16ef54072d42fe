import { EventEmitter } from 'node:events';
import type { Database, Sql } from '../../platform/db.js';
import type { CabinCode } from '../../flights/codes.js';
import { ErrorReason, failedPrecondition, notFound } from '../../flights/errors.js';

export type HoldStatus = 'HELD' | 'CONFIRMED' | 'RELEASED' | 'EXPIRED' | 'RETURNED';

export interface HoldItem {
  flightId: string;
  cabin: CabinCode;
  seats: number;
}

export interface HoldRecord {
  holdId: string;
  status: HoldStatus;
  items: HoldItem[];
  createdAt: Date;
  expiresAt: Date;
}

export interface CabinSeats {
  cabin: CabinCode;
  capacity: number;
  sold: number;
  held: number;
}

export interface FlightOverride {
  flightId: string;
  departureDate: string;
  status: 'RETIMED' | 'CANCELLED';
  departureUtc: Date;
  arrivalUtc: Date;
  version: number;
}

export interface StoredEvent {
  seq: number;
  flightId: string;
  type: 'RETIMED' | 'CANCELLED';
  reason: string;
  /** The flight after the change, as proto JSON. */
  flight: unknown;
  occurredAt: Date;
}

/** Capacity of each cabin of a flight, from the timetable, for rows made on first use. */
export type CapacityOf = (flightId: string, cabin: CabinCode) => number;

const byKey = (a: HoldItem, b: HoldItem) =>
  a.flightId === b.flightId ? a.cabin.localeCompare(b.cabin) : a.flightId.localeCompare(b.flightId);

/** Items in one canonical order: rows are always locked in this order, so holds cannot deadlock. */
export function canonicalItems(items: HoldItem[]): HoldItem[] {
  return [...items].sort(byKey);
}

const sameItems = (a: HoldItem[], b: HoldItem[]) =>
  a.length === b.length &&
  canonicalItems(a).every((x, i) => {
    const y = canonicalItems(b)[i];
    return y && x.flightId === y.flightId && x.cabin === y.cabin && x.seats === y.seats;
  });

interface HoldRow {
  hold_id: string;
  status: HoldStatus;
  created_at: Date;
  expires_at: Date;
}

/**
 * Seat inventory, holds, operational overrides and the change feed. Seats move only inside
 * transactions with conditional updates (and a CHECK constraint behind them), so concurrent
 * holds can never take more seats than a cabin has.
 */
export class ScheduleStore {
  /** Emits 'event' after a change-feed event commits, so watchers in this process wake at once. */
  readonly events = new EventEmitter();

  constructor(
    private readonly db: Database,
    private readonly capacityOf: CapacityOf,
  ) {
    this.events.setMaxListeners(0);
  }

  private async loadHold(sql: Sql, holdId: string, lock: boolean): Promise<HoldRecord | null> {
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

  private async ensureRows(sql: Sql, items: HoldItem[]): Promise<void> {
    for (const item of items) {
      await sql.query(
        'INSERT INTO inventory (flight_id, cabin, capacity) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [item.flightId, item.cabin, this.capacityOf(item.flightId, item.cabin)],
      );
    }
  }

  /** Moves seats of a hold's items: held → back (release), held → sold (confirm), sold → back (return). */
  private async moveSeats(sql: Sql, items: HoldItem[], move: 'release' | 'confirm' | 'return') {
    const set = {
      release: 'held = held - $3',
      confirm: 'held = held - $3, sold = sold + $3',
      return: 'sold = sold - $3',
    }[move];
    for (const item of canonicalItems(items)) {
      await sql.query(`UPDATE inventory SET ${set} WHERE flight_id = $1 AND cabin = $2`, [
        item.flightId,
        item.cabin,
        item.seats,
      ]);
    }
  }

  /**
   * Holds all items or none. Idempotent by hold id: the same id with the same items returns the
   * hold as it is; with other items it is an IDEMPOTENCY_CONFLICT.
   */
  async holdSeats(
    holdId: string,
    items: HoldItem[],
    ttlSeconds: number,
    now: Date,
  ): Promise<HoldRecord> {
    const ordered = canonicalItems(items);
    // Expired holds on these cabins give their seats back first, so a full cabin with a stale
    // hold does not turn a buyer away.
    await this.expireDue(now, ordered);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO holds (hold_id, status, created_at, expires_at, updated_at)
         VALUES ($1, 'HELD', $2, $3, $2) ON CONFLICT (hold_id) DO NOTHING RETURNING hold_id`,
        [holdId, now, new Date(now.getTime() + ttlSeconds * 1000)],
      );
      if (inserted.length === 0) {
        const existing = await this.loadHold(tx, holdId, false);
        if (!existing) throw new Error(`hold ${holdId} vanished`);
        if (!sameItems(existing.items, ordered)) {
          throw failedPrecondition(
            ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
            `hold ${holdId} already exists with other items`,
            { hold_id: holdId },
          );
        }
        return existing;
      }
      await this.ensureRows(tx, ordered);
      for (const item of ordered) {
        const updated = await tx.query(
          `UPDATE inventory SET held = held + $3
           WHERE flight_id = $1 AND cabin = $2 AND capacity - sold - held >= $3 RETURNING flight_id`,
          [item.flightId, item.cabin, item.seats],
        );
        if (updated.length === 0) {
          const [row] = await tx.query<{ available: number }>(
            'SELECT capacity - sold - held AS available FROM inventory WHERE flight_id = $1 AND cabin = $2',
            [item.flightId, item.cabin],
          );
          throw failedPrecondition(
            ErrorReason.ERROR_REASON_SOLD_OUT,
            `only ${row?.available ?? 0} ${item.cabin} seat(s) left on ${item.flightId}, ${item.seats} wanted`,
            {
              flight_id: item.flightId,
              cabin: item.cabin,
              available: String(row?.available ?? 0),
              requested: String(item.seats),
            },
          );
        }
        await tx.query(
          'INSERT INTO hold_items (hold_id, flight_id, cabin, seats) VALUES ($1, $2, $3, $4)',
          [holdId, item.flightId, item.cabin, item.seats],
        );
      }
      return {
        holdId,
        status: 'HELD',
        items: ordered,
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      };
    });
  }

  async getHold(holdId: string): Promise<HoldRecord> {
    const hold = await this.loadHold(this.db, holdId, false);
    if (!hold)
      throw notFound(ErrorReason.ERROR_REASON_HOLD_NOT_FOUND, `no hold ${holdId}`, {
        hold_id: holdId,
      });
    return hold;
  }

  async confirmHold(holdId: string, now: Date): Promise<HoldRecord> {
    const outcome = await this.db.transaction(async (tx) => {
      const hold = await this.loadHold(tx, holdId, true);
      if (!hold)
        throw notFound(ErrorReason.ERROR_REASON_HOLD_NOT_FOUND, `no hold ${holdId}`, {
          hold_id: holdId,
        });
      if (hold.status === 'HELD' && hold.expiresAt <= now) {
        // Expire it here and report after commit: the seats must go back even though the call fails.
        await this.moveSeats(tx, hold.items, 'release');
        await tx.query(`UPDATE holds SET status = 'EXPIRED', updated_at = $2 WHERE hold_id = $1`, [
          holdId,
          now,
        ]);
        return { hold: { ...hold, status: 'EXPIRED' as const } };
      }
      if (hold.status === 'HELD') {
        await this.moveSeats(tx, hold.items, 'confirm');
        await tx.query(
          `UPDATE holds SET status = 'CONFIRMED', updated_at = $2 WHERE hold_id = $1`,
          [holdId, now],
        );
        return { hold: { ...hold, status: 'CONFIRMED' as const } };
      }
      return { hold };
    });
    const { hold } = outcome;
    if (hold.status === 'CONFIRMED') return hold;
    if (hold.status === 'EXPIRED') {
      throw failedPrecondition(
        ErrorReason.ERROR_REASON_HOLD_EXPIRED,
        `hold ${holdId} expired at ${hold.expiresAt.toISOString()}`,
        {
          hold_id: holdId,
        },
      );
    }
    throw failedPrecondition(
      ErrorReason.ERROR_REASON_HOLD_STATE_CONFLICT,
      `hold ${holdId} is ${hold.status} and cannot be confirmed`,
      {
        hold_id: holdId,
        status: hold.status,
      },
    );
  }

  /** Gives back the seats of an unconfirmed hold. Releasing twice (or after expiry) is fine. */
  async releaseHold(holdId: string, now: Date): Promise<HoldRecord> {
    return this.db.transaction(async (tx) => {
      const hold = await this.loadHold(tx, holdId, true);
      if (!hold)
        throw notFound(ErrorReason.ERROR_REASON_HOLD_NOT_FOUND, `no hold ${holdId}`, {
          hold_id: holdId,
        });
      if (hold.status === 'CONFIRMED') {
        throw failedPrecondition(
          ErrorReason.ERROR_REASON_HOLD_STATE_CONFLICT,
          `hold ${holdId} is confirmed: use ReleaseSeats to give sold seats back`,
          { hold_id: holdId, status: hold.status },
        );
      }
      if (hold.status !== 'HELD') return hold;
      await this.moveSeats(tx, hold.items, 'release');
      await tx.query(`UPDATE holds SET status = 'RELEASED', updated_at = $2 WHERE hold_id = $1`, [
        holdId,
        now,
      ]);
      return { ...hold, status: 'RELEASED' };
    });
  }

  /** Gives back whatever seats a hold still has (sold or held). Idempotent. */
  async releaseSeats(holdId: string, now: Date): Promise<HoldRecord> {
    return this.db.transaction(async (tx) => {
      const hold = await this.loadHold(tx, holdId, true);
      if (!hold)
        throw notFound(ErrorReason.ERROR_REASON_HOLD_NOT_FOUND, `no hold ${holdId}`, {
          hold_id: holdId,
        });
      const next =
        hold.status === 'CONFIRMED' ? 'RETURNED' : hold.status === 'HELD' ? 'RELEASED' : null;
      if (!next) return hold;
      await this.moveSeats(tx, hold.items, hold.status === 'CONFIRMED' ? 'return' : 'release');
      await tx.query(`UPDATE holds SET status = $2, updated_at = $3 WHERE hold_id = $1`, [
        holdId,
        next,
        now,
      ]);
      return { ...hold, status: next };
    });
  }

  /**
   * Expires holds whose time ran out (all of them, or those touching the given cabins) and
   * gives their seats back. Holds being confirmed right now are skipped, not waited for.
   */
  async expireDue(now: Date, touching?: HoldItem[]): Promise<number> {
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
        const hold = await this.loadHold(tx, hold_id, false);
        if (!hold) continue;
        await this.moveSeats(tx, hold.items, 'release');
        await tx.query(`UPDATE holds SET status = 'EXPIRED', updated_at = $2 WHERE hold_id = $1`, [
          hold_id,
          now,
        ]);
      }
      return due.length;
    });
  }

  /** Sold and held seats per cabin for the given flights (cabins never touched have none). */
  async seats(flightIds: string[]): Promise<Map<string, CabinSeats[]>> {
    const rows = await this.db.query<{
      flight_id: string;
      cabin: CabinCode;
      capacity: number;
      sold: number;
      held: number;
    }>('SELECT flight_id, cabin, capacity, sold, held FROM inventory WHERE flight_id = ANY($1)', [
      flightIds,
    ]);
    const out = new Map<string, CabinSeats[]>();
    for (const r of rows) {
      const list = out.get(r.flight_id) ?? [];
      list.push({
        cabin: r.cabin,
        capacity: Number(r.capacity),
        sold: Number(r.sold),
        held: Number(r.held),
      });
      out.set(r.flight_id, list);
    }
    return out;
  }

  async override(flightId: string): Promise<FlightOverride | null> {
    return (await this.overrides([flightId])).get(flightId) ?? null;
  }

  async overrides(flightIds: string[]): Promise<Map<string, FlightOverride>> {
    return this.toOverrideMap(
      await this.db.query('SELECT * FROM flight_overrides WHERE flight_id = ANY($1)', [flightIds]),
    );
  }

  async overridesBetween(fromDate: string, toDate: string): Promise<Map<string, FlightOverride>> {
    return this.toOverrideMap(
      await this.db.query('SELECT * FROM flight_overrides WHERE departure_date BETWEEN $1 AND $2', [
        fromDate,
        toDate,
      ]),
    );
  }

  private toOverrideMap(rows: Record<string, unknown>[]): Map<string, FlightOverride> {
    return new Map(
      rows.map((r) => [
        String(r.flight_id),
        {
          flightId: String(r.flight_id),
          departureDate: String(r.departure_date),
          status: r.status as FlightOverride['status'],
          departureUtc: new Date(r.departure_utc as string),
          arrivalUtc: new Date(r.arrival_utc as string),
          version: Number(r.version),
        },
      ]),
    );
  }

  /**
   * Applies an operational change and appends it to the feed in one transaction. Idempotent by
   * request id: a retried request returns null and changes nothing.
   */
  async applyChange(
    requestId: string,
    change: FlightOverride,
    event: { type: StoredEvent['type']; reason: string; flight: (version: number) => unknown },
    now: Date,
  ): Promise<{ version: number } | null> {
    const result = await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(4242)');
      const seen = await tx.query('SELECT seq FROM schedule_events WHERE request_id = $1', [
        requestId,
      ]);
      if (seen.length) return null;
      const [row] = await tx.query<{ version: number }>(
        `INSERT INTO flight_overrides (flight_id, departure_date, status, departure_utc, arrival_utc, version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (flight_id) DO UPDATE SET status = EXCLUDED.status, departure_utc = EXCLUDED.departure_utc,
           arrival_utc = EXCLUDED.arrival_utc, version = flight_overrides.version + 1, updated_at = EXCLUDED.updated_at
         RETURNING version`,
        [
          change.flightId,
          change.departureDate,
          change.status,
          change.departureUtc,
          change.arrivalUtc,
          change.version,
          now,
        ],
      );
      const version = Number(row?.version);
      await tx.query(
        'INSERT INTO schedule_events (request_id, flight_id, type, reason, flight, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          requestId,
          change.flightId,
          event.type,
          event.reason,
          JSON.stringify(event.flight(version)),
          now,
        ],
      );
      return { version };
    });
    if (result) this.events.emit('event');
    return result;
  }

  /** The newest event's seq (0 when the feed is empty): a cursor that means "from now". */
  async head(): Promise<number> {
    const [row] = await this.db.query<{ head: number | null }>(
      'SELECT max(seq) AS head FROM schedule_events',
    );
    return Number(row?.head ?? 0);
  }

  async eventsAfter(seq: number, limit = 500): Promise<StoredEvent[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      'SELECT seq, flight_id, type, reason, flight, occurred_at FROM schedule_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      flightId: String(r.flight_id),
      type: r.type as StoredEvent['type'],
      reason: String(r.reason),
      flight: typeof r.flight === 'string' ? JSON.parse(r.flight) : r.flight,
      occurredAt: new Date(r.occurred_at as string),
    }));
  }
}
