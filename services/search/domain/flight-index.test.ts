import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlightIndex, formatLocal, type FlightRecord } from './flight-index.js';
import { CODES, DAY0, MINUTE, record, zzFlight, type World } from './test-flights.js';

describe('the flight index', () => {
  it('holds many flights compactly and finds each by identity', () => {
    const index = new FlightIndex();
    const world: World = { offsets: {}, defaultMct: 0, hubMct: {}, maxLayover: 0 };
    for (const c of CODES) world.offsets[c] = 330; // UTC+5:30
    const flights: FlightRecord[] = [];
    for (let n = 1; n <= 5_000; n++) {
      const f = record(
        world,
        {
          origin: CODES[n % 5]!,
          destination: CODES[(n + 1 + (n % 3)) % 5]!,
          dep: ((n * 37) % 3000) - 600,
          block: 45 + (n % 500),
          km: n,
        },
        n,
      );
      flights.push(f);
      index.upsert(f);
    }
    expect(index.size).toBe(5_000);
    for (const f of flights)
      expect(index.get(f.carrier, f.flightNumber, f.departureDate)).toEqual(f);
    // Every route list stays in departure order.
    for (const code of CODES)
      for (const r of index.routesFrom(index.airportId(code)))
        for (let i = 1; i < r.slots.length; i++)
          expect(index.dep[r.slots[i]!]!).toBeGreaterThanOrEqual(index.dep[r.slots[i - 1]!]!);
    expect(index.memoryBytes() / index.size).toBeLessThan(150);
  });

  it('gives back every local time exactly as it came, rebuilt or kept', () => {
    const near = (ms: number, offset: number) =>
      fc
        .tuple(fc.nat({ max: 24 }), fc.constantFrom('0', '9', '-', '+', 'Z', ':', '3'))
        .map(([i, c]) => {
          const text = formatLocal(ms, offset);
          return text.slice(0, i) + c + text.slice(i + 1);
        });
    fc.assert(
      fc.property(
        fc.integer({ min: DAY0 - 400 * 86_400_000, max: DAY0 + 400 * 86_400_000 }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        fc.integer({ min: 1, max: 30 * 60 }),
        fc.boolean(),
        (dep, offset, minutes, mangle) => {
          const depMs = Math.floor(dep / 1000) * 1000;
          const arrMs = depMs + minutes * MINUTE;
          const index = new FlightIndex();
          const arrivalLocal = formatLocal(arrMs, -offset);
          const departureLocals = mangle
            ? fc.sample(near(depMs, offset), 5)
            : [formatLocal(depMs, offset)];
          departureLocals.forEach((departureLocal, n) => {
            const f = zzFlight(n + 1, {
              departureMs: depMs,
              arrivalMs: arrMs,
              departureLocal,
              arrivalLocal,
              durationMinutes: minutes,
            });
            index.upsert(f);
            expect(index.get('ZZ', n + 1, '2026-12-01')).toEqual(f);
          });
        },
      ),
      { numRuns: 300 },
    );
    // Near misses at the very instant they almost describe.
    const index = new FlightIndex();
    const at = Date.parse('2026-12-01T10:00:00Z');
    [
      '2026-12-01T05:00:00-05:00',
      '2026-11-31T10:00:00+00:00',
      '2026-12-01T10:00:00-00:00',
      '2026-12-01T10:00:00Z',
      '2026-12-01T10:00:00.000+00:00',
    ].forEach((departureLocal, n) => {
      const f = zzFlight(n + 1, {
        departureMs: at,
        arrivalMs: at + 60 * MINUTE,
        departureLocal,
        arrivalLocal: '2026-12-01T11:00:00+00:00',
      });
      index.upsert(f);
      expect(index.get('ZZ', n + 1, '2026-12-01')).toEqual(f);
    });
  });

  it('keeps ids it cannot rebuild, and a cancelled flight as a tombstone', () => {
    const index = new FlightIndex();
    const f = zzFlight(1, {
      flightId: 'odd-id',
      carrier: 'XX',
      departureLocal: '2026-12-01T00:00:00Z',
      arrivalLocal: '2026-12-01T01:00:00.000+00:00',
      distanceKm: 400,
    });
    index.upsert(f);
    expect(index.get('XX', 1, '2026-12-01')).toEqual(f);
    expect(index.cancel({ ...f, version: 2 })).toBe(true);
    expect(index.size).toBe(0);
    expect(index.hasRoute('AAA', 'BBB')).toBe(false);
    // A listing taken before the cancellation cannot bring the flight back.
    expect(index.upsert(f)).toBe(false);
    expect(index.get('XX', 1, '2026-12-01')).toMatchObject({ cancelled: true, version: 2 });
  });
});
