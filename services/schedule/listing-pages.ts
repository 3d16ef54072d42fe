/**
 * ListFlightPages' wire shapes: a page of a day's departures as FlightColumns (a row per flight,
 * each code once per page) or as PackedFlightColumns (little-endian typed arrays as bytes),
 * built straight from the timetable's columns, with no object or string per flight.
 */
import { endianness } from 'node:os';
import { FlightStatus } from '../../gen/ts/flights/v1/common.js';
import type { FlightColumns, PackedFlightColumns } from '../../gen/ts/flights/v1/schedule.js';
import type { OperatedFlight } from './catalog.js';
import type { DayDepartures } from './domain/day-departures.js';
import type { FlightPattern } from './domain/timetable.js';
import { STATUS } from './mapping.js';

/**
 * One ListFlightPages page as columns (FlightColumns): a row per flight, each code and date
 * once per page. Timetabled flights go in straight from a day's columns, with no object or
 * string made per flight; the few with an operational change, as OperatedFlight.
 */
export class FlightColumnsPage {
  private strings = new Map<string, number>();
  private columns = emptyColumns();

  constructor(private readonly patterns: readonly FlightPattern[]) {}

  get size(): number {
    return this.columns.flightNumber.length;
  }

  /** Called before the flights of each day. */
  startDay(_day: DayDepartures): void {}

  /** The i-th flight of a day as the timetable makes it. */
  addScheduled(day: DayDepartures, i: number): void {
    const pattern = this.patterns[day.pattern[i]!]!;
    this.row(pattern.carrier, pattern.flightNumber, pattern.origin, pattern.destination);
    const c = this.columns;
    c.departureDate.push(this.ref(day.date));
    c.aircraftCode.push(this.ref(pattern.aircraft));
    c.departureMs.push(day.departureMs[i]!);
    c.arrivalMs.push(day.arrivalMs[i]!);
    c.departureOffsetMinutes.push(day.departureOffset[i]!);
    c.arrivalOffsetMinutes.push(day.arrivalOffset[i]!);
    c.durationMinutes.push(pattern.blockMinutes);
    c.distanceKm.push(pattern.distanceKm);
    c.status.push(FlightStatus.FLIGHT_STATUS_SCHEDULED);
    c.version.push(1);
  }

  /** A flight as it operates, its local times at these UTC offsets (minutes). */
  addOperated(f: OperatedFlight, departureOffset: number, arrivalOffset: number): void {
    this.row(f.carrier, f.flightNumber, f.origin, f.destination);
    const c = this.columns;
    c.departureDate.push(this.ref(f.departureDate));
    c.aircraftCode.push(this.ref(f.aircraft));
    c.departureMs.push(f.departureUtc.getTime());
    c.arrivalMs.push(f.arrivalUtc.getTime());
    c.departureOffsetMinutes.push(departureOffset);
    c.arrivalOffsetMinutes.push(arrivalOffset);
    c.durationMinutes.push(f.durationMinutes);
    c.distanceKm.push(f.distanceKm);
    c.status.push(STATUS[f.status]);
    c.version.push(f.version);
  }

  /** The page so far; the builder starts a new one. */
  take(): FlightColumns {
    const page = { ...this.columns, strings: [...this.strings.keys()] };
    this.strings = new Map();
    this.columns = emptyColumns();
    return page;
  }

  private row(carrier: string, flightNumber: number, origin: string, destination: string) {
    const c = this.columns;
    c.carrierCode.push(this.ref(carrier));
    c.flightNumber.push(flightNumber);
    c.origin.push(this.ref(origin));
    c.destination.push(this.ref(destination));
  }

  private ref(value: string): number {
    let ref = this.strings.get(value);
    if (ref === undefined) this.strings.set(value, (ref = this.strings.size));
    return ref;
  }
}

/**
 * The codes (carriers, airports, aircraft) of every timetable pattern as small integers, and its
 * flight number, block time and distance as numbers: made once, so that packing a timetabled
 * flight (PackedColumnsPage) reads typed arrays and no string at all.
 */
export class PatternCodes {
  /** Every code and date seen, by its integer. */
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  readonly carrier: Uint32Array;
  readonly origin: Uint32Array;
  readonly destination: Uint32Array;
  readonly aircraft: Uint32Array;
  readonly flightNumber: Uint32Array;
  readonly blockMinutes: Uint32Array;
  readonly distanceKm: Uint32Array;

  constructor(patterns: readonly FlightPattern[]) {
    const n = patterns.length;
    this.carrier = new Uint32Array(n);
    this.origin = new Uint32Array(n);
    this.destination = new Uint32Array(n);
    this.aircraft = new Uint32Array(n);
    this.flightNumber = new Uint32Array(n);
    this.blockMinutes = new Uint32Array(n);
    this.distanceKm = new Uint32Array(n);
    patterns.forEach((p, i) => {
      this.carrier[i] = this.id(p.carrier);
      this.origin[i] = this.id(p.origin);
      this.destination[i] = this.id(p.destination);
      this.aircraft[i] = this.id(p.aircraft);
      this.flightNumber[i] = p.flightNumber;
      this.blockMinutes[i] = p.blockMinutes;
      this.distanceKm[i] = p.distanceKm;
    });
  }

  /** The integer of a code or date, given one the first time it is seen. */
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

// Typed arrays are in the platform's byte order, and the packed columns are little-endian.
const LITTLE_ENDIAN = endianness() === 'LE';

/** A typed array's first `count` entries as little-endian bytes (a view: no copy). */
function packed(
  column: Float64Array | Uint32Array | Uint16Array | Int16Array | Uint8Array,
  count: number,
): Buffer {
  if (!LITTLE_ENDIAN) throw new Error('packed flight columns need a little-endian platform');
  return Buffer.from(column.buffer, column.byteOffset, count * column.BYTES_PER_ELEMENT);
}

/**
 * One ListFlightPages page as PackedFlightColumns: typed arrays of `capacity` rows, filled a
 * flight at a time and sent as their bytes. A timetabled flight is written from the day's
 * columns and the pattern's codes (PatternCodes) with no string or object; each code and date
 * goes into the page's `strings` once, found through an array indexed by its integer.
 */
export class PackedColumnsPage {
  private strings: string[] = [];
  /** Integer of a code (PatternCodes) → its position in `strings` + 1; 0: not in this page. */
  private position = new Uint32Array(0);
  private count = 0;
  /** The integer of the date of the day being added. */
  private day = 0;
  private carrier!: Uint16Array;
  private origin!: Uint16Array;
  private destination!: Uint16Array;
  private date!: Uint16Array;
  private aircraft!: Uint16Array;
  private flightNumber!: Uint32Array;
  private departureMs!: Float64Array;
  private arrivalMs!: Float64Array;
  private departureOffset!: Int16Array;
  private arrivalOffset!: Int16Array;
  private duration!: Uint32Array;
  private distance!: Uint32Array;
  private status!: Uint8Array;
  private version!: Uint32Array;

  constructor(
    private readonly codes: PatternCodes,
    private readonly capacity: number,
  ) {
    this.allocate();
  }

  get size(): number {
    return this.count;
  }

  /** Called before the flights of each day (its date's integer is looked up once). */
  startDay(day: DayDepartures): void {
    this.day = this.codes.id(day.date);
  }

  /** The i-th flight of a day as the timetable makes it. */
  addScheduled(day: DayDepartures, i: number): void {
    const p = day.pattern[i]!;
    const c = this.codes;
    const row = this.count++;
    this.carrier[row] = this.ref(c.carrier[p]!);
    this.origin[row] = this.ref(c.origin[p]!);
    this.destination[row] = this.ref(c.destination[p]!);
    this.aircraft[row] = this.ref(c.aircraft[p]!);
    this.date[row] = this.ref(this.day);
    this.flightNumber[row] = c.flightNumber[p]!;
    this.departureMs[row] = day.departureMs[i]!;
    this.arrivalMs[row] = day.arrivalMs[i]!;
    this.departureOffset[row] = day.departureOffset[i]!;
    this.arrivalOffset[row] = day.arrivalOffset[i]!;
    this.duration[row] = c.blockMinutes[p]!;
    this.distance[row] = c.distanceKm[p]!;
    this.status[row] = FlightStatus.FLIGHT_STATUS_SCHEDULED;
    this.version[row] = 1;
  }

  /** A flight as it operates, its local times at these UTC offsets (minutes). */
  addOperated(f: OperatedFlight, departureOffset: number, arrivalOffset: number): void {
    const c = this.codes;
    const row = this.count++;
    this.carrier[row] = this.ref(c.id(f.carrier));
    this.origin[row] = this.ref(c.id(f.origin));
    this.destination[row] = this.ref(c.id(f.destination));
    this.aircraft[row] = this.ref(c.id(f.aircraft));
    this.date[row] = this.ref(c.id(f.departureDate));
    this.flightNumber[row] = f.flightNumber;
    this.departureMs[row] = f.departureUtc.getTime();
    this.arrivalMs[row] = f.arrivalUtc.getTime();
    this.departureOffset[row] = departureOffset;
    this.arrivalOffset[row] = arrivalOffset;
    this.duration[row] = f.durationMinutes;
    this.distance[row] = f.distanceKm;
    this.status[row] = STATUS[f.status];
    this.version[row] = f.version;
  }

  /** The page so far; the builder starts a new one (the bytes sent are views of this page's arrays). */
  take(): PackedFlightColumns {
    const n = this.count;
    const page: PackedFlightColumns = {
      count: n,
      strings: this.strings,
      carrierCode: packed(this.carrier, n),
      origin: packed(this.origin, n),
      destination: packed(this.destination, n),
      departureDate: packed(this.date, n),
      aircraftCode: packed(this.aircraft, n),
      flightNumber: packed(this.flightNumber, n),
      departureMs: packed(this.departureMs, n),
      arrivalMs: packed(this.arrivalMs, n),
      departureOffsetMinutes: packed(this.departureOffset, n),
      arrivalOffsetMinutes: packed(this.arrivalOffset, n),
      durationMinutes: packed(this.duration, n),
      distanceKm: packed(this.distance, n),
      status: packed(this.status, n),
      version: packed(this.version, n),
    };
    this.position.fill(0);
    this.strings = [];
    this.allocate();
    return page;
  }

  /** The page position of a code's integer, adding it to the page's strings the first time. */
  private ref(code: number): number {
    if (code >= this.position.length) {
      const grown = new Uint32Array(Math.max(code + 1, this.position.length * 2, 1024));
      grown.set(this.position);
      this.position = grown;
    }
    const position = this.position[code]!;
    if (position > 0) return position - 1;
    this.strings.push(this.codes.values[code]!);
    this.position[code] = this.strings.length;
    return this.strings.length - 1;
  }

  private allocate(): void {
    const n = this.capacity;
    this.count = 0;
    this.carrier = new Uint16Array(n);
    this.origin = new Uint16Array(n);
    this.destination = new Uint16Array(n);
    this.date = new Uint16Array(n);
    this.aircraft = new Uint16Array(n);
    this.flightNumber = new Uint32Array(n);
    this.departureMs = new Float64Array(n);
    this.arrivalMs = new Float64Array(n);
    this.departureOffset = new Int16Array(n);
    this.arrivalOffset = new Int16Array(n);
    this.duration = new Uint32Array(n);
    this.distance = new Uint32Array(n);
    this.status = new Uint8Array(n);
    this.version = new Uint32Array(n);
  }
}

const emptyColumns = (): FlightColumns => ({
  strings: [],
  carrierCode: [],
  origin: [],
  destination: [],
  departureDate: [],
  aircraftCode: [],
  flightNumber: [],
  departureMs: [],
  arrivalMs: [],
  departureOffsetMinutes: [],
  arrivalOffsetMinutes: [],
  durationMinutes: [],
  distanceKm: [],
  status: [],
  version: [],
});
