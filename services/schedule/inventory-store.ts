import type { Database, Sql } from '../../platform/db.js';
import type { CabinSeats } from './domain/availability.js';
import type { CabinCode } from '../../flights/codes.js';
import { canonicalItems, type HoldItem, type SeatMove } from './domain/holds.js';

/** Capacity of each cabin of a flight, from the timetable, for rows made on first use. */
export type CapacityOf = (flightId: string, cabin: CabinCode) => number;

/** Seats per cabin, less the seats of HELD holds past their expiry (holds_due index). */
const SEATS_SQL = `
  SELECT i.flight_id, i.cabin, i.capacity, i.sold,
         i.held - COALESCE(lapsed.seats, 0) AS held
    FROM inventory i
    LEFT JOIN (
      SELECT hi.flight_id, hi.cabin, sum(hi.seats) AS seats
        FROM holds h JOIN hold_items hi USING (hold_id)
       WHERE h.status = 'HELD' AND h.expires_at <= $2 AND hi.flight_id = ANY($1)
       GROUP BY hi.flight_id, hi.cabin
    ) lapsed USING (flight_id, cabin)
   WHERE i.flight_id = ANY($1)`;

/**
 * The seat inventory: one row per flight and cabin. Seats move only inside the caller's
 * transaction, by conditional updates with a CHECK constraint behind them (`not_oversold`), so
 * concurrent holds can never take more seats than a cabin has. The hold store drives the moves;
 * this file owns the SQL of the `inventory` table, except the hold store's one-statement hold and
 * confirmation (HOLD_SQL, CONFIRM_SQL), which take and sell seats under the same conditions.
 */
export class InventoryStore {
  constructor(
    private readonly db: Database,
    /** The timetable capacity of a cabin (for rows made on first use). */
    readonly capacityOf: CapacityOf,
  ) {}

  /** Seats of a cabin neither sold nor held (0 for a cabin without a row). */
  async available(tx: Sql, item: Pick<HoldItem, 'flightId' | 'cabin'>): Promise<number> {
    const [row] = await tx.query<{ available: number }>(
      'SELECT capacity - sold - held AS available FROM inventory WHERE flight_id = $1 AND cabin = $2',
      [item.flightId, item.cabin],
    );
    return Number(row?.available ?? 0);
  }

  /** Moves seats of a hold's items: held → back (release), held → sold (confirm), sold → back (return). */
  async move(tx: Sql, items: HoldItem[], move: SeatMove): Promise<void> {
    const set = {
      release: 'held = held - $3',
      confirm: 'held = held - $3, sold = sold + $3',
      return: 'sold = sold - $3',
    }[move];
    for (const item of canonicalItems(items)) {
      await tx.query(`UPDATE inventory SET ${set} WHERE flight_id = $1 AND cabin = $2`, [
        item.flightId,
        item.cabin,
        item.seats,
      ]);
    }
  }

  /**
   * Sold and held seats per cabin for the given flights at `now` (cabins never touched have
   * none). Seats of a hold past its expiry count as free although the hold is still HELD until
   * the sweep (or a hold short of seats) expires it: one read, where expiring them first made
   * every availability read a write transaction (the longest part of a search's first prices).
   */
  async seats(flightIds: string[], now: Date): Promise<Map<string, CabinSeats[]>> {
    const rows = await this.db.query<{
      flight_id: string;
      cabin: CabinCode;
      capacity: number;
      sold: number;
      held: number;
    }>(SEATS_SQL, [flightIds, now]);
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
}
