import type { FlightIndex, IndexedFlight } from './flight-index.js';

export interface ConnectionRules {
  /** Minimum connection time at an airport, in minutes. */
  minConnectionMinutes(airport: string): number;
  maxLayoverMinutes: number;
}

/** Typical minimum connection times at big hubs; elsewhere the default applies. */
const HUB_MCT: Record<string, number> = {
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

export function defaultRules(defaultMct = 60, maxLayoverMinutes = 24 * 60): ConnectionRules {
  return { minConnectionMinutes: (a) => HUB_MCT[a] ?? defaultMct, maxLayoverMinutes };
}

export interface ItineraryQuery {
  origin: string;
  destination: string;
  /** Local departure date at the origin. */
  date: string;
  maxStops: number;
}

export interface FoundItinerary {
  flights: IndexedFlight[];
  departureMs: number;
  arrivalMs: number;
  durationMinutes: number;
  stops: number;
}

export const itineraryKey = (flights: readonly IndexedFlight[]) =>
  flights.map((f) => f.flightId).join('+');

const HOUR = 3_600_000;
const MINUTE = 60_000;

function found(flights: IndexedFlight[]): FoundItinerary {
  const departureMs = flights[0]!.departureMs;
  const arrivalMs = flights[flights.length - 1]!.arrivalMs;
  return {
    flights,
    departureMs,
    arrivalMs,
    durationMinutes: Math.round((arrivalMs - departureMs) / MINUTE),
    stops: flights.length - 1,
  };
}

/** Can this flight follow that one: same airport, after the minimum connection, before the maximum layover. */
export function connects(
  prev: IndexedFlight,
  next: IndexedFlight,
  rules: ConnectionRules,
): boolean {
  const gap = next.departureMs - prev.arrivalMs;
  return (
    prev.destination === next.origin &&
    gap >= rules.minConnectionMinutes(prev.destination) * MINUTE &&
    gap <= rules.maxLayoverMinutes * MINUTE
  );
}

/**
 * Every itinerary from origin to destination whose first flight leaves on the local date, with
 * up to maxStops connections, in order of stops (all direct ones first). No airport is visited
 * twice. The route graph prunes the walk: a first leg to X is only followed if X can still
 * reach the destination in the stops left, which keeps 2-stop search fast on the world schedule.
 * `shouldStop` is polled between expansions so a cancelled or late search ends at once.
 */
export function findItineraries(
  index: FlightIndex,
  q: ItineraryQuery,
  rules: ConnectionRules,
  shouldStop: () => boolean = () => false,
): FoundItinerary[][] {
  const byStops: FoundItinerary[][] = [[], [], []];
  if (q.origin === q.destination) return byStops;
  const oneAway = index.originsTo(q.destination); // airports with a flight to the destination
  const twoAway = new Set<string>();
  if (q.maxStops >= 2) for (const a of oneAway) for (const b of index.originsTo(a)) twoAway.add(b);

  // Local dates span UTC−12…+14: a generous UTC window, then the exact local date.
  const dayStart = Date.parse(`${q.date}T00:00:00Z`);
  for (const first of index.departures(q.origin, dayStart - 15 * HOUR, dayStart + 39 * HOUR)) {
    if (shouldStop()) break;
    if (first.departureDate !== q.date) continue;
    if (first.destination === q.destination) {
      byStops[0]!.push(found([first]));
      continue;
    }
    const x = first.destination;
    const viaOne = q.maxStops >= 1 && oneAway.has(x);
    const viaTwo = q.maxStops >= 2 && twoAway.has(x);
    if (!viaOne && !viaTwo) continue;
    for (const second of onward(index, first, rules)) {
      if (second.destination === q.origin) continue;
      if (second.destination === q.destination) {
        if (viaOne) byStops[1]!.push(found([first, second]));
        continue;
      }
      if (!viaTwo || !oneAway.has(second.destination)) continue;
      for (const third of onward(index, second, rules)) {
        if (third.destination === q.destination) byStops[2]!.push(found([first, second, third]));
      }
    }
  }
  return byStops;
}

function onward(
  index: FlightIndex,
  prev: IndexedFlight,
  rules: ConnectionRules,
): Iterable<IndexedFlight> {
  return index.departures(
    prev.destination,
    prev.arrivalMs + rules.minConnectionMinutes(prev.destination) * MINUTE,
    prev.arrivalMs + rules.maxLayoverMinutes * MINUTE,
  );
}
