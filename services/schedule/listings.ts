import type { ListFlightPagesResponse } from '../../gen/ts/flights/v1/schedule.js';
import type { Catalog, OperatedFlight } from './catalog.js';
import { FlightColumnsPage } from './mapping.js';
import type { OverrideView } from './override-view.js';
import type * as requests from './requests.js';

/**
 * ListFlights' and ListFlightPages' listings: the timetable's flights of a range, day by day in
 * order of departure then flight id, as they operate now (overrides from the in-memory view),
 * with the feed cursor the listing is consistent at.
 */
export function listings(catalog: Catalog, overrides: OverrideView) {
  /**
   * The flights of a listing as they operate now, in ListFlights order, and the feed cursor the
   * listing is consistent at.
   */
  async function listing(r: requests.ListFlightsQuery) {
    // Every change up to the view's cursor is in the view (and changes after it may be too):
    // a client that watches from this cursor misses nothing, and versions dedupe repeats.
    await overrides.catchUp();
    const cursor = String(overrides.cursor);
    const changed = overrides.between(r.fromDate, r.toDate);
    const departures = catalog.departuresByDay({
      fromDate: r.fromDate,
      toDate: r.toDate,
      origin: r.origin || undefined,
      destination: r.destination || undefined,
    });
    function* operatedFlights(): Generator<OperatedFlight> {
      for (const f of departures) {
        const op = catalog.operated(f, changed.get(f.flightId));
        if (op.status !== 'CANCELLED' || r.includeCancelled) yield op;
      }
    }
    return { cursor, flights: operatedFlights() };
  }

  /**
   * The listing of `listing()` as column pages of `pageSize` flights: the bulk path (search
   * loads the world's 61 days through it). Timetabled flights go from a day's columns into the
   * page without an object per flight; only the few with an override are made whole.
   */
  async function* columnPages(
    r: requests.ListFlightsQuery,
    pageSize: number,
    signal: AbortSignal,
  ): AsyncGenerator<ListFlightPagesResponse> {
    await overrides.catchUp();
    const cursor = String(overrides.cursor);
    const changed = catalog.overridesByPattern(overrides.between(r.fromDate, r.toDate));
    const page = new FlightColumnsPage();
    for (const day of catalog.departureDays({
      fromDate: r.fromDate,
      toDate: r.toDate,
      origin: r.origin || undefined,
      destination: r.destination || undefined,
    })) {
      const changedToday = changed.get(day.date);
      for (let i = 0; i < day.count; i++) {
        const override = changedToday?.get(day.pattern[i]!);
        if (!override) page.addScheduled(catalog.patterns[day.pattern[i]!]!, day, i);
        else {
          const op = catalog.operated(catalog.flightAt(day, i), override);
          if (op.status === 'CANCELLED' && !r.includeCancelled) continue;
          page.addOperated(op, ...catalog.localOffsets(op));
        }
        if (page.size === pageSize) {
          if (signal.aborted) return;
          yield { flights: [], cursor, columns: page.take() };
        }
      }
    }
    if (page.size > 0 && !signal.aborted) yield { flights: [], cursor, columns: page.take() };
  }

  return { listing, columnPages };
}
