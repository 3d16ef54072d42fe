import type { Database, Sql } from '../../platform/db.js';
import type { CabinSeats } from './domain/availability.js';
import type { CabinCode } from '../../flights/codes.js';
import { canonicalItems, type HoldItem, type SeatMove } from './domain/holds.js';

/** Capacity of each cabin of a flight, from the timetable, for rows made on first use. */
export type CapacityOf = (flightId: string, cabin: CabinCode) => number;

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
}
