/**
 * The read model search keeps of the schedule, built for two things: finding the flights of one
 * route that leave in a time window (binary search in a list sorted by departure instant), and
 * holding the whole world-size horizon (~65k flights a day, ~4M over 61 days) in little memory.
 *
 * Flights live in columns (typed arrays), one slot per dated flight, with airports, carriers,
 * aircraft and dates interned as small integers: a flight costs ~70 bytes here against ~720 as
 * one JS object with its strings (see services/search/README.md). The flight id and the local
 * date-times are not stored when they can be rebuilt exactly from the columns (the id is
 * carrier + number + local date; a local time is the UTC instant plus an offset); the rare value
 * that cannot be rebuilt is kept as it came.
 *
 * Every slot remembers its flight's version, so updates that arrive out of order (a change-feed
 * event and a listing racing each other) never let an older state win, and a cancelled flight
 * stays a tombstone that a stale listing cannot bring back.
 */

/** One dated flight as schedule describes it, instants as epoch milliseconds. */
export interface FlightRecord {
  /** "BA117-2026-12-01": carrier, flight number and local departure date. */
  flightId: string;
  carrier: string;
  flightNumber: number;
  origin: string;
  destination: string;
  /** Local departure date at the origin, "YYYY-MM-DD". */
  departureDate: string;
  departureMs: number;
  arrivalMs: number;
  /** ISO-8601 local times with their UTC offsets. */
  departureLocal: string;
  arrivalLocal: string;
  durationMinutes: number;
  distanceKm: number;
  aircraft: string;
  /** Grows with every operational change of the flight. */
  version: number;
  /** A cancelled flight is kept as a tombstone: no longer searchable, its version remembered. */
  cancelled?: boolean;
}

/**
 * Flights as columns, as schedule lists them in bulk: entry i of every array is the i-th
 * flight. Codes and dates are positions in `strings`; local times are the instants at the
 * given UTC offsets (minutes).
 */
export interface FlightBatch {
  strings: readonly string[];
  carrier: ArrayLike<number>;
  origin: ArrayLike<number>;
  destination: ArrayLike<number>;
  departureDate: ArrayLike<number>;
  aircraft: ArrayLike<number>;
  flightNumber: ArrayLike<number>;
  departureMs: ArrayLike<number>;
  arrivalMs: ArrayLike<number>;
  departureOffset: ArrayLike<number>;
  arrivalOffset: ArrayLike<number>;
  durationMinutes: ArrayLike<number>;
  distanceKm: ArrayLike<number>;
  version: ArrayLike<number>;
  /** Truthy for a cancelled flight (booleans, or 0 and 1 in a typed array). */
  cancelled: ArrayLike<boolean | number>;
}

/** The departures of one route (origin → destination), sorted by departure instant. */
export interface Route {
  readonly origin: number;
  readonly destination: number;
  /** Slots of the live flights, in departure order. */
  readonly slots: number[];
  /** Lower bounds over every flight ever seen on the route (never raised: safe for pruning). */
  minDurationMs: number;
  minDistanceKm: number;
}

/** Strings interned as small integers (airports, carriers, aircraft types, dates). */
class Dictionary {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      if (id > 0xffff) throw new Error('more than 65,536 distinct values in one dictionary');
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  find(value: string): number {
    return this.ids.get(value) ?? -1;
  }

  get size(): number {
    return this.values.length;
  }
}

const MINUTE = 60_000;
/** Offset column value meaning "the local time strings are kept in `localText`". */
const NO_OFFSET = -0x8000;
const EMPTY = 0;

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** "2026-12-01T18:30:00-05:00" from an instant and a UTC offset in minutes, as schedule writes it. */
export function formatLocal(utcMs: number, offsetMinutes: number): string {
  const local = new Date(utcMs + offsetMinutes * MINUTE).toISOString().slice(0, 19);
  const abs = Math.abs(offsetMinutes);
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written at local[from, from + length), or NaN. */
function digits(local: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const d = local.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The UTC offset of a local time string, when formatting the instant with it gives back the very
 * same string (checked by arithmetic: this runs for every flight loaded); else NO_OFFSET.
 */
function offsetOf(local: string, utcMs: number): number {
  // "YYYY-MM-DDTHH:MM:SS±HH:MM"
  if (
    local.length !== 25 ||
    local[4] !== '-' ||
    local[7] !== '-' ||
    local[10] !== 'T' ||
    local[13] !== ':' ||
    local[16] !== ':' ||
    local[22] !== ':'
  )
    return NO_OFFSET;
  const sign = local[19] === '+' ? 1 : local[19] === '-' ? -1 : 0;
  const [y, mo, d, h, mi, s, oh, om] = [
    digits(local, 0, 4),
    digits(local, 5, 2),
    digits(local, 8, 2),
    digits(local, 11, 2),
    digits(local, 14, 2),
    digits(local, 17, 2),
    digits(local, 20, 2),
    digits(local, 23, 2),
  ] as number[] as [number, number, number, number, number, number, number, number];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const monthDays = mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1];
  const offset = sign * (oh * 60 + om);
  if (
    !sign ||
    !(y >= 1000) ||
    !(mo >= 1 && mo <= 12) ||
    !(d >= 1 && d <= monthDays!) ||
    !(h <= 23 && mi <= 59 && s <= 59 && om <= 59) ||
    (sign < 0 && offset === 0) // formatLocal writes "+00:00"
  )
    return NO_OFFSET;
  return Date.UTC(y, mo - 1, d, h, mi, s) - offset * MINUTE === utcMs ? offset : NO_OFFSET;
}

/** FNV-1a over a flight's identity within its date: carrier and flight number. */
function hashKey(carrier: number, flightNumber: number): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ carrier, 0x01000193);
  h = Math.imul(h ^ flightNumber, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Slots of an empty per-date table. */
const TABLE_START = 256;

type Column = Float64Array | Uint32Array | Uint16Array | Int16Array | Uint8Array;

export class FlightIndex {
  private readonly airportNames = new Dictionary();
  private readonly carrierNames = new Dictionary();
  private readonly aircraftNames = new Dictionary();
  private readonly dateNames = new Dictionary();

  private capacity = 0;
  private used = 0;
  private liveCount = 0;
  // Columns, one entry per slot. The search reads the public ones directly.
  dep = new Float64Array(0);
  arr = new Float64Array(0);
  km = new Uint32Array(0);
  date = new Uint16Array(0);
  private org = new Uint16Array(0);
  private dst = new Uint16Array(0);
  private carrier = new Uint16Array(0);
  private number = new Uint32Array(0);
  private depOffset = new Int16Array(0);
  private arrOffset = new Int16Array(0);
  private duration = new Uint32Array(0);
  private aircraft = new Uint16Array(0);
  private version = new Float64Array(0);
  private live = new Uint8Array(0);

  /**
   * Per date (by its id), open addressing (carrier, number) → slot + 1, at most half full. One
   * table per date rather than one for the window: a load goes a day at a time, so its probes
   * stay in one day's table (~0.5 MB for a world day) instead of landing anywhere in ~32 MB, and
   * a table that grows rehashes one day's flights.
   */
  private readonly tables: Int32Array[] = [];
  private readonly tableUsed: number[] = [];
  /** What the columns cannot rebuild exactly (never, with schedule's formats; kept to be safe). */
  private readonly idText = new Map<number, string>();
  private readonly localText = new Map<number, [string, string]>();

  private readonly routeMap = new Map<number, Route>();
  private readonly outgoing: Route[][] = [];
  private readonly incoming: Route[][] = [];

  /** Live (searchable) flights. */
  get size(): number {
    return this.liveCount;
  }

  /** Slots in use, tombstones included. */
  get slotCount(): number {
    return this.used;
  }

  get airportCount(): number {
    return this.airportNames.size;
  }

  airportId(code: string): number {
    return this.airportNames.find(code);
  }

  airportCode(id: number): string {
    return this.airportNames.values[id]!;
  }

  dateId(date: string): number {
    return this.dateNames.find(date);
  }

  /** Airports with at least one live flight out. */
  airports(): string[] {
    return this.airportNames.values.filter((_, i) =>
      (this.outgoing[i] ?? []).some((r) => r.slots.length > 0),
    );
  }

  route(origin: number, destination: number): Route | undefined {
    return this.routeMap.get(origin * 0x10000 + destination);
  }

  /** Routes out of an airport (some may have no live flight left: check `slots.length`). */
  routesFrom(airport: number): readonly Route[] {
    return this.outgoing[airport] ?? [];
  }

  routesTo(airport: number): readonly Route[] {
    return this.incoming[airport] ?? [];
  }

  hasRoute(origin: string, destination: string): boolean {
    const o = this.airportId(origin);
    const d = this.airportId(destination);
    return o >= 0 && d >= 0 && (this.route(o, d)?.slots.length ?? 0) > 0;
  }

  /** First position in a route's list whose departure is at or after ms. */
  lowerBound(slots: readonly number[], ms: number): number {
    let lo = 0;
    let hi = slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dep[slots[mid]!]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The slot of a flight by its identity, or -1. */
  find(carrier: string, flightNumber: number, departureDate: string): number {
    const c = this.carrierNames.find(carrier);
    const d = this.dateNames.find(departureDate);
    return c < 0 || d < 0 ? -1 : this.lookup(c, flightNumber, d);
  }

  /** The flight with this identity as the index holds it (tombstones included), if any. */
  get(carrier: string, flightNumber: number, departureDate: string): FlightRecord | undefined {
    const slot = this.find(carrier, flightNumber, departureDate);
    return slot < 0 ? undefined : this.flight(slot);
  }

  flightId(slot: number): string {
    return (
      this.idText.get(slot) ??
      `${this.carrierNames.values[this.carrier[slot]!]}${this.number[slot]}-${this.dateNames.values[this.date[slot]!]}`
    );
  }

  /** The flight in a slot, as it came in. */
  flight(slot: number): FlightRecord {
    const depMs = this.dep[slot]!;
    const arrMs = this.arr[slot]!;
    const text = this.localText.get(slot);
    const f: FlightRecord = {
      flightId: this.flightId(slot),
      carrier: this.carrierNames.values[this.carrier[slot]!]!,
      flightNumber: this.number[slot]!,
      origin: this.airportNames.values[this.org[slot]!]!,
      destination: this.airportNames.values[this.dst[slot]!]!,
      departureDate: this.dateNames.values[this.date[slot]!]!,
      departureMs: depMs,
      arrivalMs: arrMs,
      departureLocal: text ? text[0] : formatLocal(depMs, this.depOffset[slot]!),
      arrivalLocal: text ? text[1] : formatLocal(arrMs, this.arrOffset[slot]!),
      durationMinutes: this.duration[slot]!,
      distanceKm: this.km[slot]!,
      aircraft: this.aircraftNames.values[this.aircraft[slot]!]!,
      version: this.version[slot]!,
    };
    if (!this.live[slot]) f.cancelled = true;
    return f;
  }

  /**
   * Adds or changes a flight (a cancelled one becomes a tombstone). Ignored, returning false,
   * when the index already holds the same flight at a newer version.
   */
  upsert(f: FlightRecord): boolean {
    if (f.origin === f.destination || !(f.arrivalMs > f.departureMs)) return false;
    const slot = this.claim(
      this.carrierNames.id(f.carrier),
      f.flightNumber,
      this.dateNames.id(f.departureDate),
      f.version,
    );
    if (slot < 0) return false;
    const depOffset = offsetOf(f.departureLocal, f.departureMs);
    const arrOffset = offsetOf(f.arrivalLocal, f.arrivalMs);
    this.fill(
      slot,
      this.airportNames.id(f.origin),
      this.airportNames.id(f.destination),
      f.departureMs,
      f.arrivalMs,
      depOffset,
      arrOffset,
      f.durationMinutes,
      f.distanceKm,
      this.aircraftNames.id(f.aircraft),
      f.version,
    );
    if (depOffset === NO_OFFSET || arrOffset === NO_OFFSET)
      this.localText.set(slot, [f.departureLocal, f.arrivalLocal]);
    if (this.flightId(slot) !== f.flightId) this.idText.set(slot, f.flightId);
    if (!f.cancelled) this.link(slot);
    return true;
  }

  /**
   * upsert for a whole batch: the bulk load's path, with no object or string per flight (codes
   * are interned once per batch). Returns how many flights were taken; a flight upsert would
   * refuse (same airport at both ends, arrival not after departure, an older version, an offset
   * beyond a day) is left out. Throws on a malformed batch (columns of unequal length, a code
   * position outside `strings`), taking none of it.
   */
  upsertBatch(b: FlightBatch): number {
    const n = b.flightNumber.length;
    const columns = [
      b.carrier,
      b.origin,
      b.destination,
      b.departureDate,
      b.aircraft,
      b.departureMs,
      b.arrivalMs,
      b.departureOffset,
      b.arrivalOffset,
      b.durationMinutes,
      b.distanceKm,
      b.version,
      b.cancelled,
    ];
    if (columns.some((c) => c.length !== n))
      throw new Error('flight batch: columns differ in length');
    for (const refs of [b.carrier, b.origin, b.destination, b.departureDate, b.aircraft])
      for (let i = 0; i < n; i++)
        if (!(refs[i]! < b.strings.length))
          throw new Error('flight batch: a code position outside its strings');
    // Each string's id in the dictionary of each column it appears in (once per batch).
    const interned = (dictionary: Dictionary, ...refs: ArrayLike<number>[]) => {
      const ids = new Int32Array(b.strings.length);
      for (const column of refs)
        for (let i = 0; i < n; i++) ids[column[i]!] = dictionary.id(b.strings[column[i]!]!);
      return ids;
    };
    const carrier = interned(this.carrierNames, b.carrier);
    const airport = interned(this.airportNames, b.origin, b.destination);
    const date = interned(this.dateNames, b.departureDate);
    const aircraft = interned(this.aircraftNames, b.aircraft);
    let taken = 0;
    for (let i = 0; i < n; i++) {
      const depMs = b.departureMs[i]!;
      const arrMs = b.arrivalMs[i]!;
      const depOffset = b.departureOffset[i]!;
      const arrOffset = b.arrivalOffset[i]!;
      if (
        b.strings[b.origin[i]!] === b.strings[b.destination[i]!] ||
        !(arrMs > depMs) ||
        !(Math.abs(depOffset) < 1440 && Math.abs(arrOffset) < 1440)
      )
        continue;
      const slot = this.claim(
        carrier[b.carrier[i]!]!,
        b.flightNumber[i]!,
        date[b.departureDate[i]!]!,
        b.version[i]!,
      );
      if (slot < 0) continue;
      this.fill(
        slot,
        airport[b.origin[i]!]!,
        airport[b.destination[i]!]!,
        depMs,
        arrMs,
        depOffset,
        arrOffset,
        b.durationMinutes[i]!,
        b.distanceKm[i]!,
        aircraft[b.aircraft[i]!]!,
        b.version[i]!,
      );
      if (!b.cancelled[i]) this.link(slot);
      taken++;
    }
    return taken;
  }

  /**
   * The slot for a flight about to be written at `version`: its own (taken out of its route's
   * list) or a new one; -1 when the index holds the flight at a newer version.
   */
  private claim(carrier: number, flightNumber: number, date: number, version: number): number {
    const slot = this.lookup(carrier, flightNumber, date);
    if (slot < 0) return this.allocate(carrier, flightNumber, date);
    if (this.version[slot]! > version) return -1;
    if (this.live[slot]) this.unlink(slot);
    return slot;
  }

  /** Writes a claimed slot's columns (as not live: link() makes it searchable). */
  private fill(
    slot: number,
    origin: number,
    destination: number,
    depMs: number,
    arrMs: number,
    depOffset: number,
    arrOffset: number,
    durationMinutes: number,
    distanceKm: number,
    aircraft: number,
    version: number,
  ): void {
    this.org[slot] = origin;
    this.dst[slot] = destination;
    this.dep[slot] = depMs;
    this.arr[slot] = arrMs;
    this.duration[slot] = durationMinutes;
    this.km[slot] = distanceKm;
    this.aircraft[slot] = aircraft;
    this.version[slot] = version;
    this.depOffset[slot] = depOffset;
    this.arrOffset[slot] = arrOffset;
    this.localText.delete(slot);
    this.idText.delete(slot);
  }

  /** Cancels a flight: it leaves every search, and its version stays as a tombstone. */
  cancel(f: FlightRecord): boolean {
    return this.upsert({ ...f, cancelled: true });
  }

  private lookup(carrier: number, flightNumber: number, date: number): number {
    const table = this.tables[date];
    if (!table) return -1;
    const mask = table.length - 1;
    for (let i = hashKey(carrier, flightNumber) & mask; ; i = (i + 1) & mask) {
      const entry = table[i]!;
      if (entry === EMPTY) return -1;
      const slot = entry - 1;
      if (this.carrier[slot] === carrier && this.number[slot] === flightNumber) return slot;
    }
  }

  private allocate(carrier: number, flightNumber: number, date: number): number {
    if (this.used === this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    const slot = this.used++;
    this.carrier[slot] = carrier;
    this.number[slot] = flightNumber;
    this.date[slot] = date;
    this.live[slot] = 0;
    this.version[slot] = 0;
    const table = (this.tables[date] ??= new Int32Array(TABLE_START));
    const used = (this.tableUsed[date] = (this.tableUsed[date] ?? 0) + 1);
    if (used * 2 > table.length) this.rehash(date, table.length * 2);
    this.place(this.tables[date]!, slot);
    return slot;
  }

  private place(table: Int32Array, slot: number): void {
    const mask = table.length - 1;
    let i = hashKey(this.carrier[slot]!, this.number[slot]!) & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  /** A date's table at `size` entries, with the slots it held. */
  private rehash(date: number, size: number): void {
    const old = this.tables[date]!;
    const table = new Int32Array(size);
    for (const entry of old) if (entry !== EMPTY) this.place(table, entry - 1);
    this.tables[date] = table;
  }

  /**
   * Makes room for `slots` flights in all (tombstones included) without growing again: a caller
   * that knows about how many are coming (a load of the window) saves the copies of growing by
   * doubling. Never shrinks.
   */
  reserve(slots: number): void {
    if (slots > this.capacity) this.grow(slots);
  }

  private grow(capacity: number): void {
    const resize = <T extends Column>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.dep = resize(this.dep, new Float64Array(capacity));
    this.arr = resize(this.arr, new Float64Array(capacity));
    this.km = resize(this.km, new Uint32Array(capacity));
    this.date = resize(this.date, new Uint16Array(capacity));
    this.org = resize(this.org, new Uint16Array(capacity));
    this.dst = resize(this.dst, new Uint16Array(capacity));
    this.carrier = resize(this.carrier, new Uint16Array(capacity));
    this.number = resize(this.number, new Uint32Array(capacity));
    this.depOffset = resize(this.depOffset, new Int16Array(capacity));
    this.arrOffset = resize(this.arrOffset, new Int16Array(capacity));
    this.duration = resize(this.duration, new Uint32Array(capacity));
    this.aircraft = resize(this.aircraft, new Uint16Array(capacity));
    this.version = resize(this.version, new Float64Array(capacity));
    this.live = resize(this.live, new Uint8Array(capacity));
    this.capacity = capacity;
  }

  private routeFor(origin: number, destination: number): Route {
    const key = origin * 0x10000 + destination;
    let route = this.routeMap.get(key);
    if (!route) {
      route = { origin, destination, slots: [], minDurationMs: Infinity, minDistanceKm: Infinity };
      this.routeMap.set(key, route);
      (this.outgoing[origin] ??= []).push(route);
      (this.incoming[destination] ??= []).push(route);
    }
    return route;
  }

  /** Puts a slot in its route's departure order (listings come in order: mostly an append). */
  private link(slot: number): void {
    const route = this.routeFor(this.org[slot]!, this.dst[slot]!);
    const list = route.slots;
    const ms = this.dep[slot]!;
    if (list.length === 0 || this.dep[list[list.length - 1]!]! <= ms) list.push(slot);
    else list.splice(this.lowerBound(list, ms), 0, slot);
    route.minDurationMs = Math.min(route.minDurationMs, this.arr[slot]! - ms);
    route.minDistanceKm = Math.min(route.minDistanceKm, this.km[slot]!);
    this.live[slot] = 1;
    this.liveCount++;
  }

  private unlink(slot: number): void {
    const list = this.route(this.org[slot]!, this.dst[slot]!)!.slots;
    for (let i = this.lowerBound(list, this.dep[slot]!); i < list.length; i++) {
      if (list[i] === slot) {
        list.splice(i, 1);
        break;
      }
    }
    this.live[slot] = 0;
    this.liveCount--;
  }

  /** Bytes held by the columns, the id table and the route lists (estimated for the lists). */
  memoryBytes(): number {
    const perSlot = 8 + 8 + 4 + 2 + 2 + 2 + 2 + 4 + 2 + 2 + 4 + 2 + 8 + 1;
    return (
      this.capacity * perSlot +
      this.tables.reduce((bytes, table) => bytes + table.byteLength, 0) +
      this.liveCount * 8 +
      this.routeMap.size * 120
    );
  }
}
