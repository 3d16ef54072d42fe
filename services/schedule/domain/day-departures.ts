import type { Places } from './reference-data.js';
import type { FlightPattern } from './timetable.js';
import { formatFlightId } from '../../../flights/flight-id.js';
import { fromLocal, offsetAt, steadyLocalOffset } from './zone-clock.js';

/**
 * A day's timetabled departures in listing order (departure instant, then flight id), as
 * columns: entry i of every array is the i-th flight. What a listing of the world timetable
 * (~65k flights a day) needs without an object and four strings per flight, which made
 * generating a world day take seconds and most of the memory a listing went through.
 */
export interface DayDepartures {
  /** The local departure date at the origin, "YYYY-MM-DD". */
  date: string;
  count: number;
  /** Positions in the timetable's pattern list. */
  pattern: Uint32Array;
  departureMs: Float64Array;
  arrivalMs: Float64Array;
  /** UTC offsets in minutes at the origin (departure) and the destination (arrival). */
  departureOffset: Int16Array;
  arrivalOffset: Int16Array;
}

const MINUTE_MS = 60_000;
/** Patterns are ranked in fewer than 2^17 positions; the sort key is minute × RANKS + rank. */
const RANKS = 0x20000;

/**
 * The patterns, prepared once for listing whole days: departure minutes, weekday masks, zones
 * and the order of their flight ids as numbers. The same flights, instants and offsets as
 * datedFlightFor (dated-flights.test.ts compares them over the whole small timetable and
 * around DST transitions).
 */
export class CompiledTimetable {
  private readonly minute: Uint16Array;
  private readonly weekdays: Uint8Array;
  private readonly blockMs: Float64Array;
  private readonly originZone: string[];
  private readonly destinationZone: string[];
  /** rank → pattern, and pattern → rank: flight ids (of one date) in collation order. */
  private readonly byRank: Uint32Array;
  private readonly rankOf: Uint32Array;

  constructor(
    readonly patterns: readonly FlightPattern[],
    ref: Places,
  ) {
    const n = patterns.length;
    if (n >= RANKS) throw new Error(`at most ${RANKS - 1} flight patterns can be listed`);
    this.minute = new Uint16Array(n);
    this.weekdays = new Uint8Array(n);
    this.blockMs = new Float64Array(n);
    this.originZone = new Array<string>(n);
    this.destinationZone = new Array<string>(n);
    patterns.forEach((p, i) => {
      const [h, m] = p.departureLocalTime.split(':').map(Number) as [number, number];
      this.minute[i] = h * 60 + m;
      for (const d of p.daysOfWeek) this.weekdays[i]! |= 1 << (d - 1);
      this.blockMs[i] = p.blockMinutes * MINUTE_MS;
      // A pattern whose airport is unknown never operates (as in datedFlightFor): no zone.
      this.originZone[i] = ref.airports.get(p.origin)?.timeZone ?? '';
      this.destinationZone[i] = ref.airports.get(p.destination)?.timeZone ?? '';
    });
    // Flight ids of one date differ only before the date, so one date ranks them for all. The
    // listing has always sorted them with localeCompare (ICU): the same collator, once.
    const collator = new Intl.Collator();
    const ids = patterns.map((p) => formatFlightId(p.carrier, p.flightNumber, '2000-01-01'));
    const order = [...ids.keys()].sort((a, b) => collator.compare(ids[a]!, ids[b]!) || a - b);
    this.byRank = Uint32Array.from(order);
    this.rankOf = new Uint32Array(n);
    order.forEach((p, rank) => (this.rankOf[p] = rank));
  }

  /** Positions of the patterns flying a route, or from or to an airport ("" = any). */
  select(origin: string, destination: string): number[] {
    const out: number[] = [];
    this.patterns.forEach((p, i) => {
      if ((!origin || p.origin === origin) && (!destination || p.destination === destination))
        out.push(i);
    });
    return out;
  }

  /**
   * The flights of the patterns (all, or the positions given) departing on a local date, in
   * listing order. A departure inside a spring-forward gap moves forward by the gap, as in
   * datedFlightFor.
   */
  day(date: string, only?: readonly number[]): DayDepartures {
    const dayMs = Date.parse(`${date}T00:00:00Z`);
    const weekday = 1 << ((new Date(dayMs).getUTCDay() + 6) % 7);
    const n = only ? only.length : this.patterns.length;
    const keys = new Float64Array(n);
    const depMs = new Float64Array(this.patterns.length);
    const depOffset = new Int16Array(this.patterns.length);
    const steady = new Map<string, number | null>();
    let count = 0;
    for (let j = 0; j < n; j++) {
      const p = only ? only[j]! : j;
      const pattern = this.patterns[p]!;
      const zone = this.originZone[p]!;
      if (
        !zone ||
        !this.destinationZone[p] ||
        date < pattern.effectiveFrom ||
        date > pattern.effectiveTo
      )
        continue;
      let offset = steady.get(zone);
      if (offset === undefined) steady.set(zone, (offset = steadyLocalOffset(zone, dayMs)));
      let ms: number;
      if (offset !== null) {
        if (!(this.weekdays[p]! & weekday)) continue;
        ms = dayMs + (this.minute[p]! - offset) * MINUTE_MS;
      } else {
        // A transition near this day: luxon resolves it (and the weekday it lands on).
        const local = fromLocal(zone, date, pattern.departureLocalTime);
        if (!local || !(this.weekdays[p]! & (1 << (local.weekday - 1)))) continue;
        ms = local.utcMs;
        offset = local.offset;
      }
      keys[count] = (ms / MINUTE_MS) * RANKS + this.rankOf[p]!;
      depMs[p] = ms;
      depOffset[p] = offset;
      count++;
    }
    const sorted = keys.subarray(0, count).sort();
    const out: DayDepartures = {
      date,
      count,
      pattern: new Uint32Array(count),
      departureMs: new Float64Array(count),
      arrivalMs: new Float64Array(count),
      departureOffset: new Int16Array(count),
      arrivalOffset: new Int16Array(count),
    };
    for (let i = 0; i < count; i++) {
      const p = this.byRank[sorted[i]! % RANKS]!;
      const arrival = depMs[p]! + this.blockMs[p]!;
      out.pattern[i] = p;
      out.departureMs[i] = depMs[p]!;
      out.arrivalMs[i] = arrival;
      out.departureOffset[i] = depOffset[p]!;
      out.arrivalOffset[i] = offsetAt(this.destinationZone[p]!, arrival);
    }
    return out;
  }
}
