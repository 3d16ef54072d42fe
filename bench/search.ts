/**
 * Search on the world-size schedule: index build time and memory, then 1,000 random real
 * origin–destination pairs searched direct, with 1 and with 2 stops — in-process (the pure
 * search, the baseline) and over gRPC through the real search service (read model loaded from a
 * real schedule over ListFlights, pricing in the loop): time to first and to last result.
 *
 *   npm run bench:search     (BENCH_PAIRS=1000 BENCH_DAYS=2 to change the size)
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { SortOrder } from '../gen/ts/flights/v1/search.js';
import { datedFlights } from '../services/schedule/domain/dated-flights.js';
import { loadReferenceData } from '../services/schedule/domain/reference-data.js';
import { generateTimetable } from '../services/schedule/domain/timetable.js';
import { FlightIndex } from '../services/search/domain/flight-index.js';
import { defaultRules, findItineraries } from '../services/search/domain/itineraries.js';
import { startPricing } from '../test/support/pricing.js';
import { startSchedule } from '../test/support/schedule.js';
import { startSearch } from '../test/support/search.js';
import { ms, percentiles } from './percentiles.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 1000);
const DAYS = Number(process.env.BENCH_DAYS ?? 2);
const START = '2026-12-01';
const DATE = '2026-12-02';

const row = (label: string, sample: number[]) => {
  const p = percentiles(sample);
  return `${label.padEnd(34)} p50 ${ms(p.p50!).padStart(10)}  p95 ${ms(p.p95!).padStart(10)}  p99 ${ms(p.p99!).padStart(10)}`;
};

// 1. Index build, in-process, from the generated timetable.
const ref = loadReferenceData();
const patterns = generateTimetable(ref, { seed: 1, size: 'world', startDate: START, days: DAYS });
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
let t = performance.now();
const index = new FlightIndex();
const toDate = new Date(Date.parse(`${START}T00:00:00Z`) + (DAYS - 1) * 86_400_000)
  .toISOString()
  .slice(0, 10);
for (const f of datedFlights(patterns, ref, { fromDate: START, toDate })) {
  index.upsert({
    flightId: f.flightId,
    carrier: f.carrier,
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departureDate: f.departureDate,
    departureMs: f.departureUtc.getTime(),
    arrivalMs: f.arrivalUtc.getTime(),
    departureLocal: f.departureLocal,
    arrivalLocal: f.arrivalLocal,
    durationMinutes: f.durationMinutes,
    distanceKm: f.distanceKm,
    aircraft: f.aircraft,
    version: 1,
  });
}
const buildMs = performance.now() - t;
global.gc?.();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
console.log(
  `world schedule: ${index.size.toLocaleString()} flights over ${DAYS} days; index built in ${ms(buildMs)}, ~${heapMb.toFixed(0)} MB heap`,
);

// 2. Random real pairs, weighted by traffic as travellers are: the origin of one random flight
//    and the destination of another (so busy airports come up often, as they do in real queries).
const all = [...index.airports()].flatMap((a) => [
  ...index.departures(a, 0, Number.MAX_SAFE_INTEGER),
]);
const rng = xoroshiro128plus(42);
const pairs: Array<[string, string]> = [];
while (pairs.length < PAIRS) {
  const o = all[uniformInt(rng, 0, all.length - 1)]!.origin;
  const d = all[uniformInt(rng, 0, all.length - 1)]!.destination;
  if (o !== d) pairs.push([o, d]);
}

const rules = defaultRules();
console.log(`\nin-process search, ${PAIRS} pairs (the baseline):`);
const inProcess: number[][] = [[], [], []];
const found = [0, 0, 0];
for (const maxStops of [0, 1, 2]) {
  for (const [origin, destination] of pairs) {
    t = performance.now();
    const r = findItineraries(index, { origin, destination, date: DATE, maxStops }, rules);
    inProcess[maxStops]!.push(performance.now() - t);
    found[maxStops]! += r.flat().length;
  }
  console.log(
    `${row(`  max ${maxStops} stops`, inProcess[maxStops]!)}   (${(found[maxStops]! / PAIRS).toFixed(1)} itineraries/pair)`,
  );
}

// 3. The same over gRPC: real schedule (world) → real search (read model over ListFlights) + pricing.
console.log(
  `\nstarting schedule (world), pricing and search; search loads ${DAYS} days over ListFlights…`,
);
const schedule = await startSchedule('embedded', {
  SCHEDULE_SIZE: 'world',
  SCHEDULE_DAYS: String(DAYS + 1),
});
const pricing = await startPricing(schedule.address, { store: 'embedded' });
t = performance.now();
const search = await startSearch(
  { schedule: schedule.address, pricing: pricing.address },
  { SEARCH_DAYS: String(DAYS) },
);
console.log(
  `search ready in ${ms(performance.now() - t)} (load ${ms(search.internals.model!.stats.lastLoadMs)}, ${search.internals.model!.index.size.toLocaleString()} flights)`,
);

console.log(`\nover gRPC with pricing, ${PAIRS} pairs, max 20 results:`);
for (const maxStops of [0, 1, 2]) {
  const first: number[] = [];
  const last: number[] = [];
  for (const [origin, destination] of pairs) {
    t = performance.now();
    let firstAt = 0;
    for await (const _message of search.client.searchItineraries(
      {
        origin,
        destination,
        departureDate: DATE,
        passengers: { adults: 1, children: 0, infants: 0 },
        cabin: Cabin.CABIN_ECONOMY,
        maxStops,
        sort: SortOrder.SORT_ORDER_PRICE,
        maxResults: 20,
      },
      { deadlineMs: 10_000 },
    )) {
      if (!firstAt) firstAt = performance.now() - t;
    }
    first.push(firstAt);
    last.push(performance.now() - t);
  }
  const ratio = percentiles(last).p50! / percentiles(inProcess[maxStops]!).p50!;
  console.log(row(`  max ${maxStops} stops, first message`, first));
  console.log(
    `${row(`  max ${maxStops} stops, last message`, last)}   (p50 ${ratio.toFixed(1)}× in-process)`,
  );
}

await search.stop();
await pricing.stop();
await schedule.stop();
process.exit(0);
