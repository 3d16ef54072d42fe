import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlightIndex, type IndexedFlight } from './flight-index.js';
import {
  connects,
  defaultRules,
  findItineraries,
  itineraryKey,
  type ConnectionRules,
} from './itineraries.js';

const AIRPORTS = ['AAA', 'BBB', 'CCC', 'LHR'];
const DAY0 = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;

const flightArb = fc
  .record({
    origin: fc.constantFrom(...AIRPORTS),
    destination: fc.constantFrom(...AIRPORTS),
    depMinutes: fc.integer({ min: -6 * 60, max: 40 * 60 }),
    block: fc.integer({ min: 30, max: 6 * 60 }),
    utcOffsetHours: fc.integer({ min: -6, max: 6 }),
  })
  .filter((f) => f.origin !== f.destination);

interface RawFlight {
  origin: string;
  destination: string;
  depMinutes: number;
  block: number;
  utcOffsetHours: number;
}

function toFlights(raw: RawFlight[]): IndexedFlight[] {
  return raw.map((r, i) => {
    const departureMs = DAY0 + r.depMinutes * 60_000;
    return {
      flightId: `ZZ${i + 1}-x`,
      carrier: 'ZZ',
      flightNumber: i + 1,
      origin: r.origin,
      destination: r.destination,
      departureDate: new Date(departureMs + r.utcOffsetHours * HOUR).toISOString().slice(0, 10),
      departureMs,
      arrivalMs: departureMs + r.block * 60_000,
      departureLocal: '',
      arrivalLocal: '',
      durationMinutes: r.block,
      distanceKm: 1000,
      aircraft: '320',
      version: 1,
    };
  });
}

/** The oracle: every sequence of up to three flights, checked against the rules one by one. */
function bruteForce(
  flights: IndexedFlight[],
  origin: string,
  destination: string,
  date: string,
  maxStops: number,
  rules: ConnectionRules,
): Set<string> {
  const out = new Set<string>();
  const extend = (path: IndexedFlight[]) => {
    const last = path[path.length - 1]!;
    if (last.destination === destination) {
      out.add(itineraryKey(path));
      return;
    }
    if (path.length > maxStops) return;
    for (const next of flights) {
      const visited = new Set([path[0]!.origin, ...path.map((f) => f.destination)]);
      if (connects(last, next, rules) && !visited.has(next.destination)) extend([...path, next]);
    }
  };
  for (const f of flights) if (f.origin === origin && f.departureDate === date) extend([f]);
  return out;
}

describe('itinerary search', () => {
  it('finds exactly the itineraries a brute-force search finds, on many random schedules', () => {
    const rules = defaultRules(45, 20 * 60);
    const seen = [0, 0, 0];
    fc.assert(
      fc.property(
        fc.array(flightArb, { minLength: 10, maxLength: 70 }),
        fc.constantFrom(...AIRPORTS),
        fc.constantFrom(...AIRPORTS),
        fc.constantFrom('2026-12-01', '2026-12-02'),
        fc.integer({ min: 0, max: 2 }),
        (raw, origin, destination, date, maxStops) => {
          fc.pre(origin !== destination);
          const flights = toFlights(raw);
          const index = new FlightIndex();
          for (const f of flights) index.upsert(f);
          const found = findItineraries(
            index,
            { origin, destination, date, maxStops },
            rules,
          ).flat();
          const keys = found.map((i) => itineraryKey(i.flights));
          expect(new Set(keys).size).toBe(keys.length); // no duplicates
          expect(new Set(keys)).toEqual(
            bruteForce(flights, origin, destination, date, maxStops, rules),
          );
          for (const it of found) {
            seen[it.stops]!++;
            expect(it.stops).toBeLessThanOrEqual(maxStops);
            expect(it.flights[0]!.departureDate).toBe(date);
          }
        },
      ),
      { numRuns: 500 },
    );
    // The random schedules must exercise every shape, or the comparison proves little.
    expect(seen, JSON.stringify(seen)).toSatisfy((s: number[]) => s.every((n) => n > 10));
  });

  it('keeps the index consistent through updates and removals', () => {
    const index = new FlightIndex();
    const [a, b] = toFlights([
      { origin: 'AAA', destination: 'BBB', depMinutes: 600, block: 60, utcOffsetHours: 0 },
      { origin: 'BBB', destination: 'CCC', depMinutes: 800, block: 60, utcOffsetHours: 0 },
    ]) as [IndexedFlight, IndexedFlight];
    index.upsert(a);
    index.upsert(b);
    const q = { origin: 'AAA', destination: 'CCC', date: '2026-12-01', maxStops: 1 };
    expect(findItineraries(index, q, defaultRules()).flat()).toHaveLength(1);
    // Retimed so the connection is too short: gone. An older version does not win over a newer.
    index.upsert({
      ...b,
      departureMs: a.arrivalMs + 10 * 60_000,
      arrivalMs: a.arrivalMs + 70 * 60_000,
      version: 3,
    });
    expect(index.upsert({ ...b, version: 2 })).toBe(false);
    expect(findItineraries(index, q, defaultRules()).flat()).toHaveLength(0);
    index.remove(b.flightId);
    expect(index.hasRoute('BBB', 'CCC')).toBe(false);
    expect(index.size).toBe(1);
  });
});
