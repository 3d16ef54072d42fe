import { DateTime } from 'luxon';
import {
  datedFlightFor,
  datedFlights,
  parseFlightId,
  type DatedFlight,
} from './domain/dated-flights.js';
import { loadReferenceData, type Airport, type ReferenceData } from './domain/reference-data.js';
import {
  compareCodes,
  rankAirports,
  searchable,
  type RankedAirport,
  type SearchableAirport,
} from './domain/airport-search.js';
import type { CabinCode } from '../../flights/codes.js';
import type { FlightOverride } from './domain/flight-changes.js';
import { generateTimetable, type FlightPattern, type TimetableSize } from './domain/timetable.js';
import type { RollingWindow } from '../../flights/calendar.js';

export interface CatalogOptions {
  seed: number;
  size: TimetableSize;
  /** The dates flights are offered on. */
  horizon: RollingWindow;
}

/** A dated flight as it operates now: the timetable plus any retime or cancellation. */
export interface OperatedFlight extends DatedFlight {
  status: 'SCHEDULED' | 'RETIMED' | 'CANCELLED';
  version: number;
}

/**
 * The timetable in memory: patterns (a flight number on days of the week over a period, as in
 * SSIM) from which dated flights are made when asked for, so even the world-size schedule needs
 * no row per dated flight. Only what changes — seats, holds, retimes — lives in the database.
 */
export class Catalog {
  private readonly patternsByFlightNumber = new Map<string, FlightPattern[]>();
  readonly servedAirports: Airport[];
  /** The served airports with their code, city and name folded for lookup, once. */
  private readonly lookup: SearchableAirport[];

  constructor(
    readonly ref: ReferenceData,
    readonly patterns: FlightPattern[],
    readonly horizon: RollingWindow,
  ) {
    const served = new Set<string>();
    for (const p of patterns) {
      const key = `${p.carrier}${p.flightNumber}`;
      const list = this.patternsByFlightNumber.get(key) ?? [];
      list.push(p);
      this.patternsByFlightNumber.set(key, list);
      served.add(p.origin);
      served.add(p.destination);
    }
    this.servedAirports = [...served]
      .map((code) => ref.airports.get(code))
      .filter((a): a is Airport => Boolean(a))
      .sort((a, b) => compareCodes(a.iata, b.iata));
    this.lookup = this.servedAirports.map(searchable);
  }

  static build(options: CatalogOptions): Catalog {
    const ref = loadReferenceData();
    const patterns = generateTimetable(ref, {
      seed: options.seed,
      size: options.size,
      effectiveFrom: options.horizon.current.from,
    });
    return new Catalog(ref, patterns, options.horizon);
  }

  airport(code: string): Airport | undefined {
    return this.ref.airports.get(code);
  }

  carrierName(code: string): string {
    return this.ref.carriers.get(code)?.name ?? code;
  }

  /**
   * Served airports matching a query regardless of case, accents and normalisation form: the
   * exact IATA code first, then cities, then airport names (see rankAirports); all for "".
   */
  searchAirports(query: string): RankedAirport[] {
    return rankAirports(this.lookup, query);
  }

  inHorizon(date: string): boolean {
    return this.horizon.contains(date);
  }

  /** The timetabled flight with this id, or null if no such flight operates. */
  scheduled(flightId: string): DatedFlight | null {
    const id = parseFlightId(flightId);
    if (!id || !this.inHorizon(id.departureDate)) return null;
    for (const pattern of this.patternsByFlightNumber.get(`${id.carrier}${id.flightNumber}`) ??
      []) {
      const flight = datedFlightFor(pattern, this.ref, id.departureDate);
      if (flight) return flight;
    }
    return null;
  }

  scheduledFlights(range: {
    fromDate: string;
    toDate: string;
    origin?: string;
    destination?: string;
  }) {
    const { from, to } = this.horizon.current;
    return datedFlights(this.patterns, this.ref, {
      ...range,
      fromDate: range.fromDate < from ? from : range.fromDate,
      toDate: range.toDate > to ? to : range.toDate,
    });
  }

  /**
   * The timetabled flights departing from `fromDate` through `toDate` (local dates), day by
   * day, each day's in order of departure (then flight id): the order ListFlights streams in.
   */
  *departuresByDay(range: {
    fromDate: string;
    toDate: string;
    origin?: string | undefined;
    destination?: string | undefined;
  }): Generator<DatedFlight> {
    for (
      let date = DateTime.fromISO(range.fromDate);
      date.toISODate()! <= range.toDate;
      date = date.plus({ days: 1 })
    ) {
      const day = date.toISODate()!;
      const flights = [...this.scheduledFlights({ ...range, fromDate: day, toDate: day })];
      flights.sort(
        (a, b) =>
          a.departureUtc.getTime() - b.departureUtc.getTime() ||
          a.flightId.localeCompare(b.flightId),
      );
      yield* flights;
    }
  }

  /** Seats a cabin of a flight has (0 when the aircraft has no such cabin or no such flight). */
  capacity(flightId: string, cabin: CabinCode): number {
    return this.scheduled(flightId)?.cabins[cabin] ?? 0;
  }

  /** Applies an operational override to a timetabled flight. */
  operated(flight: DatedFlight, override: FlightOverride | null | undefined): OperatedFlight {
    if (!override) return { ...flight, status: 'SCHEDULED', version: 1 };
    const origin = this.ref.airports.get(flight.origin)?.timeZone ?? 'utc';
    const destination = this.ref.airports.get(flight.destination)?.timeZone ?? 'utc';
    const local = (d: Date, zone: string) =>
      DateTime.fromJSDate(d, { zone }).toISO({ suppressMilliseconds: true })!;
    return {
      ...flight,
      departureUtc: override.departureUtc,
      arrivalUtc: override.arrivalUtc,
      departureLocal: local(override.departureUtc, origin),
      arrivalLocal: local(override.arrivalUtc, destination),
      arrivalDate: DateTime.fromJSDate(override.arrivalUtc, { zone: destination }).toISODate()!,
      status: override.status,
      version: override.version,
    };
  }
}
