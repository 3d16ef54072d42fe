import { describe, expect, it } from 'vitest';
import { datedFlightAt, datedFlights, type DatedFlight } from './dated-flights.js';
import { CompiledTimetable } from './day-departures.js';
import { loadReferenceData } from './reference-data.js';
import { generateTimetable, type FlightPattern } from './timetable.js';

const ref = loadReferenceData();

/** What the listing streamed before day-departures: every pattern's flight, sorted, one date. */
function oracle(patterns: FlightPattern[], date: string): DatedFlight[] {
  return [...datedFlights(patterns, ref, { fromDate: date, toDate: date })].sort(
    (a, b) =>
      a.departureUtc.getTime() - b.departureUtc.getTime() || a.flightId.localeCompare(b.flightId),
  );
}

function listed(compiled: CompiledTimetable, date: string, only?: number[]): DatedFlight[] {
  const day = compiled.day(date, only);
  return Array.from({ length: day.count }, (_, i) =>
    datedFlightAt(day, i, compiled.patterns[day.pattern[i]!]!),
  );
}

// Both sides of the spring and autumn transitions of the US, Europe, Chile, Australia, New
// Zealand and Lord Howe (a half-hour shift), and an ordinary day.
const DATES = [
  '2026-03-08',
  '2026-03-29',
  '2026-04-04',
  '2026-04-05',
  '2026-09-06',
  '2026-09-27',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
  '2026-12-01',
];

describe('a day of departures as columns', () => {
  it('lists the same flights in the same order as the dated flights, sorted', () => {
    // Every 17th world pattern: thousands of airports and zones, in a test's time.
    const world = generateTimetable(ref, { seed: 1, size: 'world', effectiveFrom: '2026-01-01' });
    const patterns = world.filter((_, i) => i % 17 === 0);
    const compiled = new CompiledTimetable(patterns, ref);
    for (const date of DATES) {
      const want = oracle(patterns, date);
      expect(want.length).toBeGreaterThan(2500);
      expect(listed(compiled, date)).toEqual(want);
    }
  });

  it('keeps that order for one route and for one airport', () => {
    const patterns = generateTimetable(ref, {
      seed: 1,
      size: 'small',
      effectiveFrom: '2026-12-01',
    });
    const compiled = new CompiledTimetable(patterns, ref);
    const route = patterns.filter((p) => p.origin === 'JFK' && p.destination === 'LHR');
    const from = patterns.filter((p) => p.origin === 'FRA');
    expect(listed(compiled, '2026-12-03', compiled.select('JFK', 'LHR'))).toEqual(
      oracle(route, '2026-12-03'),
    );
    expect(listed(compiled, '2026-12-03', compiled.select('FRA', ''))).toEqual(
      oracle(from, '2026-12-03'),
    );
    // Before the timetable's first date nothing flies.
    expect(compiled.day('2026-11-30').count).toBe(0);
  });
});
