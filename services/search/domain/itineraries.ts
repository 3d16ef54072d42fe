import type { FlightIndex, FlightRecord, Route } from './flight-index.js';
import { BestOf, comparator, primaryOf, type Candidate, type SortKey } from './ranking.js';
import type { ConnectionRules } from '../../../flights/connections.js';

/**
 * Itinerary search over the flight index: direct flights and connections with one or two stops,
 * all in UTC instants, so time zones and overnight connections need no special case. Pure logic,
 * no gRPC: unit-tested against a brute-force oracle (itineraries.test.ts).
 */

export interface ItineraryQuery {
  origin: string;
  destination: string;
  /** Local departure date at the origin, "YYYY-MM-DD". */
  date: string;
  /** 0 (direct only) to 2. */
  maxStops: number;
  /**
   * Epoch ms of the earliest departure still on sale (flights/sales.ts): no itinerary whose
   * first flight leaves before it is offered. Later flights of an itinerary leave later still.
   */
  earliestDepartureMs?: number;
}

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

/**
 * The best `limit` itineraries from origin to destination whose first flight leaves on the local
 * date, with up to maxStops connections, each connection at least the airport's minimum
 * connection time and at most the maximum layover, no airport visited twice.
 *
 * The walk only follows routes that can still reach the destination (the route graph, both
 * ways), and stops following a partial itinerary once a lower bound of its sort value is worse
 * than the worst of the best `limit` found so far, which keeps 2-stop search fast on the
 * world-size schedule. Synchronous: with shouldStop it ends early, never mid-way inconsistent.
 *
 * Airports, dates and flights are the index's small integers (flights are "slots"), and the
 * flight columns are read directly: this loop is the hot path of every search.
 */
export function searchItineraries(
  index: FlightIndex,
  q: ItineraryQuery,
  rules: ConnectionRules,
  options: SearchOptions,
): SearchOutcome {
  const origin = index.airportId(q.origin);
  const destination = index.airportId(q.destination);
  const travelDate = index.dateId(q.date);
  const idOf = (c: Candidate) => (c.id ??= c.slots.map((s) => index.flightId(s)).join('+'));
  const best = new BestOf(Math.max(0, options.limit), comparator(options.sort, idOf));
  const outcome = (complete: boolean, considered: number): SearchOutcome => ({
    itineraries: best.sorted().map((c) => materialize(index, c, idOf(c))),
    complete,
    considered,
  });
  if (
    origin < 0 ||
    destination < 0 ||
    travelDate < 0 ||
    origin === destination ||
    options.limit <= 0
  )
    return outcome(true, 0);

  const sort = options.sort;
  const shouldStop = options.shouldStop ?? (() => false);
  const maxStops = Math.max(0, Math.min(2, q.maxStops));
  const maxLayoverMs = rules.maxLayoverMinutes * MINUTE;
  const mctCache = new Float64Array(index.airportCount).fill(-1);
  /** Minimum connection time at an airport, in ms (looked up once per airport and search). */
  const mctMs = (airport: number) => {
    let ms = mctCache[airport]!;
    if (ms < 0) {
      ms = rules.minConnectionMinutes(index.airportCode(airport)) * MINUTE;
      mctCache[airport] = ms;
    }
    return ms;
  };

  // The route graph backwards from the destination: airports one and two flights away from it.
  const oneAway = new Uint8Array(index.airportCount);
  const twoAway = new Uint8Array(index.airportCount);
  for (const route of index.routesTo(destination))
    if (route.slots.length) oneAway[route.origin] = 1;
  if (maxStops >= 2)
    for (const lastRoute of index.routesTo(destination))
      if (lastRoute.slots.length)
        for (const route of index.routesTo(lastRoute.origin))
          if (route.slots.length) twoAway[route.origin] = 1;

  // The flight columns, by slot.
  const { dep: departureMs, arr: arrivalMs, km: distanceKm, date: dateOf } = index;
  const dayStart = Date.parse(`${q.date}T00:00:00Z`);
  let considered = 0;
  let steps = 0;
  let stopped = false;
  const tick = () => {
    if (++steps % POLL_EVERY === 0 && shouldStop()) stopped = true;
    return stopped;
  };
  const offer = (slots: number[], firstFlight: number, lastFlight: number, fare: number) => {
    considered++;
    const departs = departureMs[firstFlight]!;
    const arrives = arrivalMs[lastFlight]!;
    best.offer({
      slots,
      departureMs: departs,
      arrivalMs: arrives,
      fare,
      primary: primaryOf(sort, departs, arrives, fare),
    });
  };

  /**
   * Lower bound of the sort value of any itinerary that starts with `firstFlight` and is at
   * `airport` at time `atMs` with `fare` so far and `flightsLeft` flights to go, the last of
   * them on `lastRoute` when known.
   */
  const bound = (
    firstFlight: number,
    atMs: number,
    fare: number,
    airport: number,
    flightsLeft: number,
    lastRoute?: Route,
  ) => {
    if (sort === 'departure') return departureMs[firstFlight]!;
    if (sort === 'duration')
      return (
        atMs +
        mctMs(airport) +
        (lastRoute ? lastRoute.minDurationMs : 0) -
        departureMs[firstFlight]!
      );
    return (
      fare + flightsLeft * FARE_PER_FLIGHT + (lastRoute ? FARE_PER_KM * lastRoute.minDistanceKm : 0)
    );
  };

  /** The departures of a route in [fromMs, toMs], as a range [start, end) of its list. */
  const departing = (route: Route, fromMs: number, toMs: number): [number, number] => {
    const list = route.slots;
    const start = index.lowerBound(list, fromMs);
    let end = start;
    while (end < list.length && departureMs[list[end]!]! <= toMs) end++;
    return [start, end];
  };

  for (const firstRoute of index.routesFrom(origin)) {
    if (stopped) break;
    const firstStop = firstRoute.destination;
    if (!firstRoute.slots.length) continue;
    const direct = firstStop === destination;
    const viaOne = !direct && maxStops >= 1 && oneAway[firstStop] === 1;
    const viaTwo = !direct && maxStops >= 2 && twoAway[firstStop] === 1;
    if (!direct && !viaOne && !viaTwo) continue;
    const onwardToDestination = viaOne ? index.route(firstStop, destination) : undefined;
    const [firstStart, firstEnd] = departing(
      firstRoute,
      Math.max(dayStart + LOCAL_DAY_FROM, q.earliestDepartureMs ?? -Infinity),
      dayStart + LOCAL_DAY_TO,
    );
    for (let firstAt = firstStart; firstAt < firstEnd && !stopped; firstAt++) {
      const firstFlight = firstRoute.slots[firstAt]!;
      if (dateOf[firstFlight] !== travelDate) continue;
      if (tick()) break;
      const firstFare = estimatedFare(distanceKm[firstFlight]!);
      if (direct) {
        offer([firstFlight], firstFlight, firstFlight, firstFare);
        continue;
      }
      // Later flights of this route only depart later.
      if (sort === 'departure' && departureMs[firstFlight]! > best.bar) break;
      const firstArrival = arrivalMs[firstFlight]!;
      const connectFrom = firstArrival + mctMs(firstStop);
      const connectTo = firstArrival + maxLayoverMs;
      if (
        viaOne &&
        onwardToDestination &&
        bound(firstFlight, firstArrival, firstFare, firstStop, 1, onwardToDestination) <= best.bar
      ) {
        const [lastStart, lastEnd] = departing(onwardToDestination, connectFrom, connectTo);
        for (let lastAt = lastStart; lastAt < lastEnd; lastAt++) {
          const lastFlight = onwardToDestination.slots[lastAt]!;
          offer(
            [firstFlight, lastFlight],
            firstFlight,
            lastFlight,
            firstFare + estimatedFare(distanceKm[lastFlight]!),
          );
        }
      }
      if (!viaTwo || bound(firstFlight, firstArrival, firstFare, firstStop, 2) > best.bar) continue;
      for (const secondRoute of index.routesFrom(firstStop)) {
        const secondStop = secondRoute.destination;
        if (
          secondStop === origin ||
          secondStop === destination ||
          oneAway[secondStop] !== 1 ||
          !secondRoute.slots.length
        )
          continue;
        const lastRoute = index.route(secondStop, destination)!;
        const [secondStart, secondEnd] = departing(secondRoute, connectFrom, connectTo);
        for (let secondAt = secondStart; secondAt < secondEnd; secondAt++) {
          if (tick()) break;
          const secondFlight = secondRoute.slots[secondAt]!;
          const secondArrival = arrivalMs[secondFlight]!;
          const secondFare = firstFare + estimatedFare(distanceKm[secondFlight]!);
          if (bound(firstFlight, secondArrival, secondFare, secondStop, 1, lastRoute) > best.bar)
            continue;
          const [lastStart, lastEnd] = departing(
            lastRoute,
            secondArrival + mctMs(secondStop),
            secondArrival + maxLayoverMs,
          );
          for (let lastAt = lastStart; lastAt < lastEnd; lastAt++) {
            const lastFlight = lastRoute.slots[lastAt]!;
            offer(
              [firstFlight, secondFlight, lastFlight],
              firstFlight,
              lastFlight,
              secondFare + estimatedFare(distanceKm[lastFlight]!),
            );
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
    flights: c.slots.map((slot) => index.flight(slot)),
    departureMs: c.departureMs,
    arrivalMs: c.arrivalMs,
    durationMinutes: Math.round((c.arrivalMs - c.departureMs) / MINUTE),
    stops: c.slots.length - 1,
    estimatedFare: c.fare,
  };
}
