import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlightIndex, formatLocal, type FlightRecord } from './flight-index.js';
import { CODES, MINUTE, record, type RawFlight, type World } from './test-flights.js';
import { estimatedFare, findItineraries, searchItineraries } from './itineraries.js';
import { defaultRules, type ConnectionRules } from '../../../flights/connections.js';
import type { SortKey } from './ranking.js';

const DATES = ['2026-11-30', '2026-12-01', '2026-12-02'];

// Times on a 15-minute grid, like connection times and layovers, so that connections exactly at
// a limit come up often.
const quarters = (min: number, max: number) =>
  fc.integer({ min: min * 4, max: max * 4 }).map((q) => q * 15);

const worldArb: fc.Arbitrary<World> = fc.record({
  offsets: fc.record(
    Object.fromEntries(
      CODES.map((c) => [c, fc.integer({ min: -24, max: 28 }).map((h) => h * 30)]),
    ) as Record<string, fc.Arbitrary<number>>,
  ),
  defaultMct: quarters(0, 1.5),
  hubMct: fc.dictionary(fc.constantFrom(...CODES), quarters(0.25, 3)),
  maxLayover: quarters(4, 36),
});

const flightArb: fc.Arbitrary<RawFlight> = fc
  .record({
    origin: fc.constantFrom(...CODES),
    destination: fc.constantFrom(...CODES),
    dep: quarters(-12, 48),
    block: quarters(0.5, 16),
    km: fc.integer({ min: 100, max: 4_000 }),
  })
  .filter((f) => f.origin !== f.destination);

/** Operational changes after the load: a retime, a cancellation, or a stale copy that must lose. */
type Change =
  | { kind: 'retime'; flight: number; byMinutes: number }
  | { kind: 'cancel'; flight: number }
  | { kind: 'stale'; flight: number; byMinutes: number };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('retime' as const), flight: fc.nat(), byMinutes: quarters(-8, 8) }),
  fc.record({ kind: fc.constant('cancel' as const), flight: fc.nat() }),
  fc.record({ kind: fc.constant('stale' as const), flight: fc.nat(), byMinutes: quarters(-8, 8) }),
);

/** Applies the changes to the index, and returns what schedule holds after them. */
function applyChanges(index: FlightIndex, flights: FlightRecord[], changes: Change[]) {
  const truth = new Map(flights.map((f) => [f.flightId, f]));
  for (const c of changes) {
    const f = flights[c.flight % flights.length]!;
    const now = truth.get(f.flightId)!;
    if (c.kind === 'cancel') {
      const next = { ...now, version: now.version + 1, cancelled: true };
      truth.set(f.flightId, next);
      expect(index.cancel(next)).toBe(true);
    } else if (c.kind === 'retime') {
      // A retimed flight keeps its dated identity (the local date it was planned for).
      const shift = c.byMinutes * MINUTE;
      const next: FlightRecord = {
        ...now,
        departureMs: now.departureMs + shift,
        arrivalMs: now.arrivalMs + shift,
        departureLocal: formatLocal(now.departureMs + shift, world0(now)),
        arrivalLocal: 'not reproducible', // kept verbatim by the index
        version: now.version + 1,
        cancelled: false,
      };
      truth.set(f.flightId, next);
      expect(index.upsert(next)).toBe(true);
    } else {
      // A listing older than what the index holds must change nothing.
      expect(
        index.upsert({
          ...f,
          departureMs: f.departureMs + c.byMinutes * MINUTE,
          arrivalMs: f.arrivalMs + c.byMinutes * MINUTE,
          version: now.version - 1,
        }),
      ).toBe(false);
    }
    const held = index.get(f.carrier, f.flightNumber, f.departureDate)!;
    expect(held).toEqual({ ...truth.get(f.flightId)!, cancelled: held.cancelled });
    expect(Boolean(held.cancelled)).toBe(Boolean(truth.get(f.flightId)!.cancelled));
  }
  return [...truth.values()].filter((f) => !f.cancelled);
}

/** The departure offset of a flight, read back from its local time string. */
function world0(f: FlightRecord): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(f.departureLocal)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * The oracle: every sequence of up to three flights, each checked on its own against the rules,
 * with nothing from the implementation but the rules' parameters.
 */
function bruteForce(
  flights: FlightRecord[],
  world: World,
  q: { origin: string; destination: string; date: string; maxStops: number },
): FlightRecord[][] {
  const mct = (a: string) => (world.hubMct[a] ?? world.defaultMct) * MINUTE;
  const out: FlightRecord[][] = [];
  const extend = (path: FlightRecord[]) => {
    const last = path[path.length - 1]!;
    if (last.destination === q.destination) {
      out.push(path);
      return;
    }
    if (path.length > q.maxStops) return;
    const visited = [path[0]!.origin, ...path.map((f) => f.destination)];
    for (const next of flights) {
      const gap = next.departureMs - last.arrivalMs;
      if (
        next.origin === last.destination &&
        gap >= mct(last.destination) &&
        gap <= world.maxLayover * MINUTE &&
        !visited.includes(next.destination)
      )
        extend([...path, next]);
    }
  };
  if (q.origin === q.destination) return out;
  for (const f of flights) if (f.origin === q.origin && f.departureDate === q.date) extend([f]);
  return out;
}

const idOf = (path: FlightRecord[]) => path.map((f) => f.flightId).join('+');

/** The documented orders, written out again from their definitions. */
function oracleOrder(sort: SortKey) {
  const dep = (p: FlightRecord[]) => p[0]!.departureMs;
  const dur = (p: FlightRecord[]) => p[p.length - 1]!.arrivalMs - dep(p);
  const fare = (p: FlightRecord[]) => p.reduce((s, f) => s + estimatedFare(f.distanceKm), 0);
  const id = (a: FlightRecord[], b: FlightRecord[]) =>
    idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0;
  return (a: FlightRecord[], b: FlightRecord[]) =>
    sort === 'duration'
      ? dur(a) - dur(b) || dep(a) - dep(b) || id(a, b)
      : sort === 'departure'
        ? dep(a) - dep(b) || dur(a) - dur(b) || id(a, b)
        : fare(a) - fare(b) || dur(a) - dur(b) || dep(a) - dep(b) || id(a, b);
}

const rulesOf = (w: World): ConnectionRules => defaultRules(w.defaultMct, w.maxLayover, w.hubMct);

describe('itinerary search against a brute-force oracle', () => {
  it('finds exactly the itineraries the oracle finds, and ranks the best k as it does', () => {
    const shapes = [0, 0, 0];
    let cut = 0;
    fc.assert(
      fc.property(
        worldArb,
        fc.array(flightArb, { minLength: 30, maxLength: 120 }),
        fc.array(changeArb, { maxLength: 12 }),
        fc.record({
          origin: fc.constantFrom(...CODES),
          destination: fc.constantFrom(...CODES),
          date: fc.constantFrom(...DATES),
          maxStops: fc.integer({ min: 0, max: 2 }),
          sort: fc.constantFrom<SortKey>('price', 'duration', 'departure'),
          limit: fc.integer({ min: 1, max: 6 }),
        }),
        (world, raw, changes, q) => {
          const loaded = raw.map((r, i) => record(world, r, i + 1));
          const index = new FlightIndex();
          for (const f of loaded) index.upsert(f);
          const flights = applyChanges(index, loaded, changes);
          const rules = rulesOf(world);
          const expected = bruteForce(flights, world, q);

          const all = findItineraries(index, q, rules);
          const ids = all.map((i) => i.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(new Set(ids)).toEqual(new Set(expected.map(idOf)));

          const best = searchItineraries(index, q, rules, { sort: q.sort, limit: q.limit });
          expect(best.complete).toBe(true);
          expect(best.itineraries.map((i) => i.id)).toEqual(
            [...expected].sort(oracleOrder(q.sort)).slice(0, q.limit).map(idOf),
          );
          if (expected.length > q.limit) cut++;

          for (const it of all) {
            shapes[it.stops]!++;
            const f = it.flights;
            expect(f[0]!.origin).toBe(q.origin);
            expect(f[0]!.departureDate).toBe(q.date);
            expect(f.at(-1)!.destination).toBe(q.destination);
            expect(it.stops).toBeLessThanOrEqual(q.maxStops);
            expect(new Set([f[0]!.origin, ...f.map((x) => x.destination)]).size).toBe(f.length + 1);
            for (let i = 1; i < f.length; i++) {
              const gap = f[i]!.departureMs - f[i - 1]!.arrivalMs;
              expect(f[i]!.origin).toBe(f[i - 1]!.destination);
              expect(gap).toBeGreaterThanOrEqual(rules.minConnectionMinutes(f[i]!.origin) * MINUTE);
              expect(gap).toBeLessThanOrEqual(rules.maxLayoverMinutes * MINUTE);
            }
            expect(it.durationMinutes).toBe(
              Math.round((f.at(-1)!.arrivalMs - f[0]!.departureMs) / MINUTE),
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
    // The random schedules must exercise every shape and the top-k cut, or they prove little.
    expect(shapes, JSON.stringify(shapes)).toSatisfy((s: number[]) => s.every((n) => n > 50));
    expect(cut).toBeGreaterThan(20);
  });

  it('ends early with what it has when asked to stop, and says so', () => {
    const world: World = { offsets: {}, defaultMct: 30, hubMct: {}, maxLayover: 24 * 60 };
    for (const c of CODES) world.offsets[c] = 0;
    const index = new FlightIndex();
    let n = 0;
    for (let minute = 0; minute < 24 * 60; minute += 15)
      for (const [o, d] of [
        ['AAA', 'BBB'],
        ['BBB', 'CCC'],
        ['CCC', 'DDD'],
        ['BBB', 'DDD'],
      ] as const)
        index.upsert(
          record(world, { origin: o, destination: d, dep: minute, block: 60, km: 500 }, ++n),
        );
    const q = { origin: 'AAA', destination: 'DDD', date: '2026-12-01', maxStops: 2 };
    const full = searchItineraries(index, q, defaultRules(30), { sort: 'duration', limit: 10 });
    expect(full.complete).toBe(true);
    let polls = 0;
    const early = searchItineraries(index, q, defaultRules(30), {
      sort: 'duration',
      limit: 10,
      shouldStop: () => ++polls > 1,
    });
    expect(early.complete).toBe(false);
    expect(early.considered).toBeLessThan(full.considered);
    expect(early.itineraries.length).toBeGreaterThan(0);
  });
});

describe('connections over real time zones', () => {
  const flight = (
    n: number,
    route: [string, string],
    depUtc: string,
    minutes: number,
    offsetsHours: [number, number],
    date: string,
  ): FlightRecord => {
    const departureMs = Date.parse(depUtc);
    const arrivalMs = departureMs + minutes * MINUTE;
    return {
      flightId: `QF${n}-${date}`,
      carrier: 'QF',
      flightNumber: n,
      origin: route[0],
      destination: route[1],
      departureDate: date,
      departureMs,
      arrivalMs,
      departureLocal: formatLocal(departureMs, offsetsHours[0] * 60),
      arrivalLocal: formatLocal(arrivalMs, offsetsHours[1] * 60),
      durationMinutes: minutes,
      distanceKm: 8000,
      aircraft: '789',
      version: 1,
    };
  };

  it('connects an overnight flight across the date line by UTC instants', () => {
    // Sydney (UTC+11 in December) 22:00 on Dec 1 → Honolulu (UTC−10) 11:00 on Dec 1, earlier in
    // local time than it left; on to Los Angeles an hour later.
    const index = new FlightIndex();
    const syd = flight(1, ['SYD', 'HNL'], '2026-12-01T11:00:00Z', 600, [11, -10], '2026-12-01');
    const hnl = flight(2, ['HNL', 'LAX'], '2026-12-01T22:00:00Z', 330, [-10, -8], '2026-12-01');
    expect(syd.departureLocal).toBe('2026-12-01T22:00:00+11:00');
    expect(syd.arrivalLocal).toBe('2026-12-01T11:00:00-10:00');
    index.upsert(syd);
    index.upsert(hnl);
    const q = { origin: 'SYD', destination: 'LAX', date: '2026-12-01', maxStops: 1 };
    const found = findItineraries(index, q, defaultRules(60));
    expect(found.map((i) => i.id)).toEqual(['QF1-2026-12-01+QF2-2026-12-01']);
    expect(found[0]!.durationMinutes).toBe(600 + 60 + 330);
    expect(found[0]!.flights).toEqual([syd, hnl]); // local times rebuilt exactly
    // With a 90-minute minimum connection at HNL the same pair does not connect.
    expect(findItineraries(index, q, defaultRules(60, 24 * 60, { HNL: 90 }))).toEqual([]);
    // Nor does it leave on the local date before.
    expect(findItineraries(index, { ...q, date: '2026-11-30' }, defaultRules(60))).toEqual([]);
  });
});
