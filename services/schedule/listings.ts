import type { ListFlightPagesResponse } from '../../gen/ts/flights/v1/schedule.js';
import type { Catalog, OperatedFlight } from './catalog.js';
import { FlightColumnsPage, PackedColumnsPage, PatternCodes } from './listing-pages.js';
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

  /** The patterns' codes as integers, made on the first packed listing (then kept). */
  let codes: PatternCodes | undefined;

  /**
   * The listing of `listing()` as column pages of `pageSize` flights: the bulk path (search
   * loads the world's 61 days through it), as FlightColumns or, `packed`, PackedFlightColumns.
   * Timetabled flights go from a day's columns into the page without an object per flight; only
   * the few with an override are made whole.
   */
  async function* columnPages(
    r: requests.ListFlightsQuery,
    pageSize: number,
    signal: AbortSignal,
    packed = false,
  ): AsyncGenerator<ListFlightPagesResponse> {
    await overrides.catchUp();
    const cursor = String(overrides.cursor);
    const changed = catalog.overridesByPattern(overrides.between(r.fromDate, r.toDate));
    let page: FlightColumnsPage | PackedColumnsPage;
    let message: () => ListFlightPagesResponse;
    if (packed) {
      const builder = new PackedColumnsPage(
        (codes ??= new PatternCodes(catalog.patterns)),
        pageSize,
      );
      message = () => ({ flights: [], cursor, columns: undefined, packed: builder.take() });
      page = builder;
    } else {
      const builder = new FlightColumnsPage(catalog.patterns);
      message = () => ({ flights: [], cursor, columns: builder.take(), packed: undefined });
      page = builder;
    }
    for (const day of catalog.departureDays({
      fromDate: r.fromDate,
      toDate: r.toDate,
      origin: r.origin || undefined,
      destination: r.destination || undefined,
    })) {
      const changedToday = changed.get(day.date);
      page.startDay(day);
      for (let i = 0; i < day.count; i++) {
        const override = changedToday?.get(day.pattern[i]!);
        if (!override) page.addScheduled(day, i);
        else {
          const op = catalog.operated(catalog.flightAt(day, i), override);
          if (op.status === 'CANCELLED' && !r.includeCancelled) continue;
          page.addOperated(op, ...catalog.localOffsets(op));
        }
        if (page.size === pageSize) {
          if (signal.aborted) return;
          yield message();
        }
      }
    }
    if (page.size > 0 && !signal.aborted) yield message();
  }

  return { listing, columnPages };
}
