import type { FlightIndex, FlightRecord, Route } from './flight-index.js';

/**
 * Itinerary search over the flight index: direct flights and connections with one or two stops,
 * all in UTC instants, so time zones and overnight connections need no special case. Pure logic,
 * no gRPC: unit-tested against a brute-force oracle (itineraries.test.ts).
 */

export interface ConnectionRules {
  /** Minimum connection time at an airport, in minutes. */
  minConnectionMinutes(airport: string): number;
  /** Longest wait between two flights, in minutes. */
  maxLayoverMinutes: number;
}

/**
 * Minimum connection times of big hubs (terminal changes, immigration); elsewhere the default.
 * Values in the range airlines publish for international-to-international connections.
 */
export const HUB_MCT: Readonly<Record<string, number>> = {
  LHR: 90,
  JFK: 90,
  CDG: 90,
  LAX: 90,
  NRT: 90,
  FRA: 75,
  DXB: 75,
  IST: 75,
  ORD: 60,
  ATL: 60,
  AMS: 60,
  SIN: 60,
  HND: 60,
  ICN: 60,
  HKG: 60,
  MUC: 45,
  ZRH: 40,
};

export function defaultRules(
  defaultMct = 60,
  maxLayoverMinutes = 24 * 60,
  perAirport: Readonly<Record<string, number>> = HUB_MCT,
): ConnectionRules {
  return { minConnectionMinutes: (a) => perAirport[a] ?? defaultMct, maxLayoverMinutes };
}

export interface ItineraryQuery {
  origin: string;
  destination: string;
  /** Local departure date at the origin, "YYYY-MM-DD". */
  date: string;
  /** 0 (direct only) to 2. */
  maxStops: number;
}

/**
 * Which itineraries come first. `price` cannot know prices before pricing is asked, so it ranks
 * by an estimated fare (distance flown plus a fixed part per flight, the shape of every fare
 * model: see `estimatedFare`), then by duration; pricing then gives the real prices.
 */
export type SortKey = 'price' | 'duration' | 'departure';

export interface FoundItinerary {
  /** The flight ids joined with "+". */
  id: string;
  flights: FlightRecord[];
  departureMs: number;
  arrivalMs: number;
  durationMinutes: number;
  stops: number;
  /** The ranking proxy for price, in the unit of `estimatedFare`. */
  estimatedFare: number;
}

export interface SearchOptions {
  sort: SortKey;
  /** How many itineraries to return: the best ones in `sort` order. */
  limit: number;
  /** Polled while searching: true ends the search with what it has (deadline, cancellation). */
  shouldStop?: () => boolean;
}

export interface SearchOutcome {
  /** The best `limit` itineraries, in `sort` order. */
  itineraries: FoundItinerary[];
  /** False when shouldStop ended the search early: better itineraries may exist. */
  complete: boolean;
  /** Complete itineraries met on the way (the pruned search does not meet every one). */
  considered: number;
}

/** Fixed part and part per km of a one-way fare: only their ratio matters for ranking. */
const FARE_PER_FLIGHT = 7_400;
const FARE_PER_KM = 9;

/** A proxy for the price of a flight: fares grow with distance and with every extra flight. */
export const estimatedFare = (distanceKm: number) => FARE_PER_FLIGHT + FARE_PER_KM * distanceKm;

export const itineraryKey = (flights: readonly { flightId: string }[]) =>
  flights.map((f) => f.flightId).join('+');

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/**
 * Local dates span UTC−12…UTC+14, so the departures of a local date lie within [−14 h, +36 h]
 * of its UTC midnight; another 12 h either side keeps flights retimed across midnight (which
 * keep their dated identity) in reach. The exact local date is then checked per flight.
 */
const LOCAL_DAY_FROM = -26 * HOUR;
const LOCAL_DAY_TO = 48 * HOUR;
/** How many inner steps between two polls of shouldStop. */
const POLL_EVERY = 512;

interface Candidate {
  slots: number[];
  dep: number;
  arr: number;
  fare: number;
  /** The primary sort value (lower is better). */
  primary: number;
  id?: string;
}

/**
 * The order of itineraries for each sort, total so that results are deterministic: the primary
 * value, then the other natural ones, then the itinerary id.
 */
function comparator(
  sort: SortKey,
  idOf: (c: Candidate) => string,
): (a: Candidate, b: Candidate) => number {
  const byId = (a: Candidate, b: Candidate) => {
    const x = idOf(a);
    const y = idOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const dur = (c: Candidate) => c.arr - c.dep;
  switch (sort) {
    case 'duration':
      return (a, b) => dur(a) - dur(b) || a.dep - b.dep || byId(a, b);
    case 'departure':
      return (a, b) => a.dep - b.dep || dur(a) - dur(b) || byId(a, b);
    case 'price':
      return (a, b) => a.fare - b.fare || dur(a) - dur(b) || a.dep - b.dep || byId(a, b);
  }
}

/** The primary sort value of a finished itinerary. */
function primaryOf(sort: SortKey, dep: number, arr: number, fare: number): number {
  return sort === 'duration' ? arr - dep : sort === 'departure' ? dep : fare;
}

/** A max-heap of the best `limit` candidates: its top is the worst one kept. */
class BestOf {
  readonly items: Candidate[] = [];
  constructor(
    private readonly limit: number,
    private readonly cmp: (a: Candidate, b: Candidate) => number,
  ) {}

  get full(): boolean {
    return this.items.length >= this.limit;
  }

  /** The primary value a new candidate must not exceed to have a chance (Infinity until full). */
  get bar(): number {
    return this.full ? this.items[0]!.primary : Infinity;
  }

  offer(c: Candidate): void {
    const h = this.items;
    if (!this.full) {
      h.push(c);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.cmp(h[i]!, h[p]!) <= 0) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    if (this.limit === 0 || this.cmp(c, h[0]!) >= 0) return;
    h[0] = c;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.cmp(h[l]!, h[m]!) > 0) m = l;
      if (r < h.length && this.cmp(h[r]!, h[m]!) > 0) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  sorted(): Candidate[] {
    return [...this.items].sort(this.cmp);
  }
}

/**
 * The best `limit` itineraries from origin to destination whose first flight leaves on the local
 * date, with up to maxStops connections, each connection at least the airport's minimum
 * connection time and at most the maximum layover, no airport visited twice.
 *
 * The walk only follows routes that can still reach the destination (the route graph, both
 * ways), and stops following a partial itinerary once a lower bound of its sort value is worse
 * than the worst of the best `limit` found so far, which keeps 2-stop search fast on the
 * world-size schedule. Synchronous: with shouldStop it ends early, never mid-way inconsistent.
 */
export function searchItineraries(
  index: FlightIndex,
  q: ItineraryQuery,
  rules: ConnectionRules,
  options: SearchOptions,
): SearchOutcome {
  const o = index.airportId(q.origin);
  const d = index.airportId(q.destination);
  const day = index.dateId(q.date);
  const idOf = (c: Candidate) => (c.id ??= c.slots.map((s) => index.flightId(s)).join('+'));
  const best = new BestOf(Math.max(0, options.limit), comparator(options.sort, idOf));
  const outcome = (complete: boolean, considered: number): SearchOutcome => ({
    itineraries: best.sorted().map((c) => materialize(index, c, idOf(c))),
    complete,
    considered,
  });
  if (o < 0 || d < 0 || day < 0 || o === d || options.limit <= 0) return outcome(true, 0);

  const sort = options.sort;
  const shouldStop = options.shouldStop ?? (() => false);
  const maxStops = Math.max(0, Math.min(2, q.maxStops));
  const maxLayover = rules.maxLayoverMinutes * MINUTE;
  const mctCache = new Float64Array(index.airportCount).fill(-1);
  const mct = (airport: number) => {
    let v = mctCache[airport]!;
    if (v < 0) {
      v = rules.minConnectionMinutes(index.airportCode(airport)) * MINUTE;
      mctCache[airport] = v;
    }
    return v;
  };

  // The route graph backwards from the destination: airports one and two flights away from it.
  const oneAway = new Uint8Array(index.airportCount);
  const twoAway = new Uint8Array(index.airportCount);
  for (const r of index.routesTo(d)) if (r.slots.length) oneAway[r.origin] = 1;
  if (maxStops >= 2)
    for (const r of index.routesTo(d))
      if (r.slots.length)
        for (const r2 of index.routesTo(r.origin)) if (r2.slots.length) twoAway[r2.origin] = 1;

  const { dep, arr, km, date } = index;
  const dayStart = Date.parse(`${q.date}T00:00:00Z`);
  let considered = 0;
  let steps = 0;
  let stopped = false;
  const tick = () => {
    if (++steps % POLL_EVERY === 0 && shouldStop()) stopped = true;
    return stopped;
  };
  const offer = (slots: number[], first: number, last: number, fare: number) => {
    considered++;
    const a = dep[first]!;
    const b = arr[last]!;
    best.offer({ slots, dep: a, arr: b, fare, primary: primaryOf(sort, a, b, fare) });
  };

  /** Lower bound of the sort value of any itinerary that starts with `first` and is at x at time t. */
  const bound = (
    first: number,
    t: number,
    fare: number,
    x: number,
    legsLeft: number,
    last?: Route,
  ) => {
    if (sort === 'departure') return dep[first]!;
    if (sort === 'duration') return t + mct(x) + (last ? last.minDurationMs : 0) - dep[first]!;
    return fare + legsLeft * FARE_PER_FLIGHT + (last ? FARE_PER_KM * last.minDistanceKm : 0);
  };

  /** The departures of a route in [from, to], as a range of positions in its list. */
  const window = (r: Route, from: number, to: number): [number, number] => {
    const list = r.slots;
    const start = index.lowerBound(list, from);
    let end = start;
    while (end < list.length && dep[list[end]!]! <= to) end++;
    return [start, end];
  };

  const firstRoutes = index.routesFrom(o);
  for (const r1 of firstRoutes) {
    if (stopped) break;
    const x = r1.destination;
    if (!r1.slots.length) continue;
    const direct = x === d;
    const viaOne = !direct && maxStops >= 1 && oneAway[x] === 1;
    const viaTwo = !direct && maxStops >= 2 && twoAway[x] === 1;
    if (!direct && !viaOne && !viaTwo) continue;
    const lastLeg = viaOne ? index.route(x, d) : undefined;
    const [s1, e1] = window(r1, dayStart + LOCAL_DAY_FROM, dayStart + LOCAL_DAY_TO);
    for (let i1 = s1; i1 < e1 && !stopped; i1++) {
      const f1 = r1.slots[i1]!;
      if (date[f1] !== day) continue;
      if (tick()) break;
      const fare1 = estimatedFare(km[f1]!);
      if (direct) {
        offer([f1], f1, f1, fare1);
        continue;
      }
      if (sort === 'departure' && dep[f1]! > best.bar) break; // later in this route only
      const a1 = arr[f1]!;
      const from1 = a1 + mct(x);
      const to1 = a1 + maxLayover;
      if (viaOne && lastLeg && bound(f1, a1, fare1, x, 1, lastLeg) <= best.bar) {
        const [s2, e2] = window(lastLeg, from1, to1);
        for (let i2 = s2; i2 < e2; i2++) {
          const f2 = lastLeg.slots[i2]!;
          offer([f1, f2], f1, f2, fare1 + estimatedFare(km[f2]!));
        }
      }
      if (!viaTwo || bound(f1, a1, fare1, x, 2) > best.bar) continue;
      for (const r2 of index.routesFrom(x)) {
        const y = r2.destination;
        if (y === o || y === d || oneAway[y] !== 1 || !r2.slots.length) continue;
        const r3 = index.route(y, d)!;
        const [s2, e2] = window(r2, from1, to1);
        for (let i2 = s2; i2 < e2; i2++) {
          if (tick()) break;
          const f2 = r2.slots[i2]!;
          const a2 = arr[f2]!;
          const fare2 = fare1 + estimatedFare(km[f2]!);
          if (bound(f1, a2, fare2, y, 1, r3) > best.bar) continue;
          const [s3, e3] = window(r3, a2 + mct(y), a2 + maxLayover);
          for (let i3 = s3; i3 < e3; i3++) {
            const f3 = r3.slots[i3]!;
            offer([f1, f2, f3], f1, f3, fare2 + estimatedFare(km[f3]!));
          }
        }
        if (stopped) break;
      }
    }
  }
  return outcome(!stopped, considered);
}

/** Every itinerary the rules allow (no limit, no pruning by rank): for tests and tools. */
export function findItineraries(
  index: FlightIndex,
  q: ItineraryQuery,
  rules: ConnectionRules,
): FoundItinerary[] {
  return searchItineraries(index, q, rules, { sort: 'departure', limit: Number.MAX_SAFE_INTEGER })
    .itineraries;
}

function materialize(index: FlightIndex, c: Candidate, id: string): FoundItinerary {
  return {
    id,
    flights: c.slots.map((s) => index.flight(s)),
    departureMs: c.dep,
    arrivalMs: c.arr,
    durationMinutes: Math.round((c.arr - c.dep) / MINUTE),
    stops: c.slots.length - 1,
    estimatedFare: c.fare,
  };
}
