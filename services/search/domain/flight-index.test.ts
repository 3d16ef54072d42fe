import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlightIndex, formatLocal, type FlightBatch, type FlightRecord } from './flight-index.js';
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

  it('takes a batch of columns as it takes the same flights one by one', () => {
    const world: World = { offsets: {}, defaultMct: 0, hubMct: {}, maxLayover: 0 };
    CODES.forEach((c, i) => (world.offsets[c] = [-210, 0, 345, 600, -600][i]!));
    const flights = Array.from({ length: 3_000 }, (_, k) =>
      record(
        world,
        {
          origin: CODES[k % 5]!,
          destination: CODES[(k + 1 + (k % 3)) % 5]!,
          dep: (k * 53) % 5000,
          block: 45 + (k % 700),
          km: k,
        },
        k + 1,
      ),
    );
    // Some cancelled, and a second version of one that an older one must not overwrite.
    flights.forEach((f, k) => (f.cancelled = k % 10 === 0 ? true : undefined));
    const newer = { ...flights[1]!, version: 3, departureMs: flights[1]!.departureMs + MINUTE };
    newer.departureLocal = formatLocal(newer.departureMs, world.offsets[newer.origin]!);
    const one = new FlightIndex();
    const batched = new FlightIndex();
    for (const f of [newer, ...flights]) one.upsert(f);
    batched.upsert(newer);
    expect(batched.upsertBatch(batchOf(flights, world))).toBe(flights.length - 1);
    expect(batched.size).toBe(one.size);
    for (const f of flights)
      expect(batched.get(f.carrier, f.flightNumber, f.departureDate)).toEqual(
        one.get(f.carrier, f.flightNumber, f.departureDate),
      );
    for (const code of CODES)
      for (const r of one.routesFrom(one.airportId(code))) {
        const twin = batched.route(
          batched.airportId(code),
          batched.airportId(one.airportCode(r.destination)),
        )!;
        expect(twin.slots.map((slot) => batched.flightId(slot))).toEqual(
          r.slots.map((slot) => one.flightId(slot)),
        );
      }
    // A malformed batch is refused whole.
    const bad = { ...batchOf(flights.slice(0, 3), world), origin: [0, 1] };
    expect(() => new FlightIndex().upsertBatch(bad)).toThrow(/length/);
    const outside = { ...batchOf(flights.slice(0, 1), world), aircraft: [99] };
    expect(() => new FlightIndex().upsertBatch(outside)).toThrow(/outside/);
  });
});

/** Flights as schedule's column pages carry them. */
function batchOf(flights: FlightRecord[], world: World): FlightBatch {
  const strings: string[] = [];
  const ref = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const column = <T>(f: (r: FlightRecord) => T) => flights.map(f);
  return {
    carrier: column((f) => ref(f.carrier)),
    origin: column((f) => ref(f.origin)),
    destination: column((f) => ref(f.destination)),
    departureDate: column((f) => ref(f.departureDate)),
    aircraft: column((f) => ref(f.aircraft)),
    flightNumber: column((f) => f.flightNumber),
    departureMs: column((f) => f.departureMs),
    arrivalMs: column((f) => f.arrivalMs),
    departureOffset: column((f) => world.offsets[f.origin]!),
    arrivalOffset: column((f) => world.offsets[f.destination]!),
    durationMinutes: column((f) => f.durationMinutes),
    distanceKm: column((f) => f.distanceKm),
    version: column((f) => f.version),
    cancelled: column((f) => Boolean(f.cancelled)),
    strings,
  };
}
