import { DateTime } from 'luxon';
import {
  datedFlightAt,
  datedFlightFor,
  datedFlights,
  parseFlightId,
  type DatedFlight,
} from './domain/dated-flights.js';
import { CompiledTimetable, type DayDepartures } from './domain/day-departures.js';
import { offsetAt } from './domain/zone-clock.js';
import { addDays } from '../../flights/calendar.js';
import { loadReferenceData, type Airport, type Places } from './domain/reference-data.js';
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
  /** Pattern positions by carrier + flight number, for the few flights a listing must look up. */
  private readonly positionsByFlightNumber = new Map<string, number[]>();
  private readonly compiled: CompiledTimetable;
  readonly servedAirports: Airport[];
  /** The served airports with their code, city and name folded for lookup, once. */
  private readonly lookup: SearchableAirport[];

  /**
   * `ref`: airports and carriers only. The routes the timetable was generated from are not kept:
   * their ~270k short strings (codes, aircraft types) were ~25 MB of an idle schedule's heap.
   */
  constructor(
    readonly ref: Places,
    readonly patterns: FlightPattern[],
    readonly horizon: RollingWindow,
  ) {
    const served = new Set<string>();
    for (const [i, p] of patterns.entries()) {
      const key = `${p.carrier}${p.flightNumber}`;
      const list = this.patternsByFlightNumber.get(key) ?? [];
      list.push(p);
      this.patternsByFlightNumber.set(key, list);
      const positions = this.positionsByFlightNumber.get(key) ?? [];
      positions.push(i);
      this.positionsByFlightNumber.set(key, positions);
      served.add(p.origin);
      served.add(p.destination);
    }
    this.servedAirports = [...served]
      .map((code) => ref.airports.get(code))
      .filter((a): a is Airport => Boolean(a))
      .sort((a, b) => compareCodes(a.iata, b.iata));
    this.lookup = this.servedAirports.map(searchable);
    this.compiled = new CompiledTimetable(patterns, ref);
  }

  static build(options: CatalogOptions): Catalog {
    const ref = loadReferenceData();
    const patterns = generateTimetable(ref, {
      seed: options.seed,
      size: options.size,
      effectiveFrom: options.horizon.current.from,
    });
    return new Catalog(
      { airports: ref.airports, carriers: ref.carriers },
      patterns,
      options.horizon,
    );
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
   * The timetabled flights departing from `fromDate` through `toDate` (local dates, cut to the
   * horizon), a day at a time as columns, each day's in order of departure, then flight id: the
   * order ListFlights streams in. Only one day is made at a time, however long the range.
   */
  *departureDays(range: {
    fromDate: string;
    toDate: string;
    origin?: string | undefined;
    destination?: string | undefined;
  }): Generator<DayDepartures> {
    const { from, to } = this.horizon.current;
    const last = range.toDate > to ? to : range.toDate;
    const only =
      range.origin || range.destination
        ? this.compiled.select(range.origin ?? '', range.destination ?? '')
        : undefined;
    for (
      let date = range.fromDate < from ? from : range.fromDate;
      date <= last;
      date = addDays(date, 1)
    )
      yield this.compiled.day(date, only);
  }

  /** departureDays as DatedFlight objects, made one at a time as they are read. */
  *departuresByDay(range: {
    fromDate: string;
    toDate: string;
    origin?: string | undefined;
    destination?: string | undefined;
  }): Generator<DatedFlight> {
    for (const day of this.departureDays(range))
      for (let i = 0; i < day.count; i++) yield this.flightAt(day, i);
  }

  /** The i-th flight of a day's departures. */
  flightAt(day: DayDepartures, i: number): DatedFlight {
    return datedFlightAt(day, i, this.patterns[day.pattern[i]!]!);
  }

  /** The UTC offsets (minutes) of a flight's local departure and arrival times. */
  localOffsets(f: DatedFlight): [departure: number, arrival: number] {
    const zone = (code: string) => this.ref.airports.get(code)?.timeZone ?? 'utc';
    return [
      offsetAt(zone(f.origin), f.departureUtc.getTime()),
      offsetAt(zone(f.destination), f.arrivalUtc.getTime()),
    ];
  }

  /**
   * Overrides by departure date and pattern position, for listings that go by position.
   * (An override of a flight the timetable no longer has is left out, as ListFlights does.)
   */
  overridesByPattern(
    overrides: Map<string, FlightOverride>,
  ): Map<string, Map<number, FlightOverride>> {
    const byDate = new Map<string, Map<number, FlightOverride>>();
    for (const [flightId, o] of overrides) {
      const p = this.patternOf(flightId);
      if (p < 0) continue;
      const day = byDate.get(o.departureDate) ?? new Map<number, FlightOverride>();
      byDate.set(o.departureDate, day.set(p, o));
    }
    return byDate;
  }

  /** The pattern position a flight id's flight comes from on its date, or -1. */
  patternOf(flightId: string): number {
    const id = parseFlightId(flightId);
    if (!id) return -1;
    const positions = this.positionsByFlightNumber.get(`${id.carrier}${id.flightNumber}`) ?? [];
    return (
      positions.find((p) => datedFlightFor(this.patterns[p]!, this.ref, id.departureDate)) ?? -1
    );
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
      // Retimed back to its timetabled departure, it flies on time again: SCHEDULED, at the
      // version that change made (a traveller was shown "retimed" for a flight on schedule).
      status:
        override.status === 'RETIMED' &&
        override.departureUtc.getTime() === flight.departureUtc.getTime()
          ? 'SCHEDULED'
          : override.status,
      version: override.version,
    };
  }
}
