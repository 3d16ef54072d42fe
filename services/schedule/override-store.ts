import type { Database, Sql } from '../../platform/db.js';
import type { FlightOverride } from './domain/flight-changes.js';

/**
 * Operational overrides of the generated timetable: one row per retimed or cancelled dated
 * flight, its `version` raised by every change. Written only with a change-feed event, in the
 * change feed store's transaction; read into memory by OverrideView, which serves the reads.
 */
export class OverrideStore {
  constructor(private readonly db: Database) {}

  async overrides(flightIds: string[]): Promise<Map<string, FlightOverride>> {
    return toOverrideMap(
      await this.db.query('SELECT * FROM flight_overrides WHERE flight_id = ANY($1)', [flightIds]),
    );
  }

  /** Every override: a few rows per operator action, read once at start-up (OverrideView). */
  async all(): Promise<FlightOverride[]> {
    return [...toOverrideMap(await this.db.query('SELECT * FROM flight_overrides')).values()];
  }

  /**
   * Records a change inside the caller's transaction: the first change of a flight is stored
   * with `change.version`, later ones raise the stored version by one. Returns the version
   * stored.
   */
  async upsert(tx: Sql, change: FlightOverride, now: Date): Promise<number> {
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
    return Number(row?.version);
  }
}

function toOverrideMap(rows: Record<string, unknown>[]): Map<string, FlightOverride> {
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
