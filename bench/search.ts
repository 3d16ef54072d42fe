/**
 * Search on the world-size schedule.
 *
 * 1. The index, in-process: the world timetable's dated flights for BENCH_DAYS (61, schedule's
 *    whole default horizon) put into a FlightIndex — build time and memory.
 * 2. 1,000 random real origin–destination pairs (traffic-weighted), searched direct, with up to
 *    1 and up to 2 stops: the pure search in-process (the baseline), then over gRPC through the
 *    real services, each its own process as deployed — schedule (world), pricing, and search,
 *    which loads BENCH_GRPC_DAYS (all BENCH_DAYS) over ListFlightPages: its load time and rate, the
 *    CPU time each side spent on it, time to ready, memory, then
 *    time to the first and to the last message of each search, priced, with the ratio to the
 *    in-process baseline. Numbers only; nothing here passes or fails.
 *
 *   npm run bench:search     (BENCH_PAIRS, BENCH_DAYS, BENCH_GRPC_DAYS, BENCH_RESULTS to change;
 *                             BENCH_GRPC_DAYS=0 for the in-process part only; BENCH_LOAD_ONLY=1
 *                             for the load of the whole window over gRPC only: no searches)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { SearchServiceService, SortOrder } from '../gen/ts/flights/v1/search.js';
import { createClient } from '../platform/clients.js';
import { datedFlights } from '../services/schedule/domain/dated-flights.js';
import { loadReferenceData } from '../services/schedule/domain/reference-data.js';
import { generateTimetable } from '../services/schedule/domain/timetable.js';
import { FlightIndex, type FlightRecord } from '../services/search/domain/flight-index.js';
import { defaultRules } from '../flights/connections.js';
import { searchItineraries } from '../services/search/domain/itineraries.js';
import { addDays } from '../flights/calendar.js';
import { TEST_START_DATE, testDate } from '../test/support/dates.js';
import { freePort, jsonLines, spawnDeployed, type Spawned } from '../test/support/processes.js';
import { ms, percentiles } from './percentiles.js';

const LOAD_ONLY = process.env.BENCH_LOAD_ONLY === '1';
const PAIRS = LOAD_ONLY ? 0 : Number(process.env.BENCH_PAIRS ?? 1000);
const DAYS = Number(process.env.BENCH_DAYS ?? 61);
// The whole window by default: search.world_load_s is then measured, not extrapolated from a
// few days (which left out what grows with the window: the index's growth, GC of a larger heap).
const GRPC_DAYS = LOAD_ONLY ? DAYS : Number(process.env.BENCH_GRPC_DAYS ?? DAYS);
/** Days of the in-process part: one when only the load is measured (it needs no baseline). */
const LOCAL_DAYS = LOAD_ONLY ? 1 : DAYS;
const RESULTS = Number(process.env.BENCH_RESULTS ?? 20);
// The test calendar's dates (test/support/dates.ts): ahead of today, so the gRPC part's flights
// are still on sale whenever the bench runs.
const START = TEST_START_DATE;
const DATE = testDate(1);
const MB = 1024 * 1024;

const row = (label: string, sample: number[], extra = '') => {
  const p = percentiles(sample, [50, 95, 99, 100]);
  return `${label.padEnd(30)} p50 ${ms(p.p50!).padStart(9)}  p95 ${ms(p.p95!).padStart(9)}  p99 ${ms(p.p99!).padStart(9)}  max ${ms(p.p100!).padStart(9)}${extra}`;
};
/** Heap and array buffers in use, after full collections (array buffers are freed after a GC). */
const memory = async () => {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
if (!global.gc)
  console.log('(run with node --expose-gc for memory figures: npm run bench:search does)');

// 1. The index, in-process.
console.log(`world schedule, ${LOCAL_DAYS} days from ${START}`);
let t = performance.now();
const ref = loadReferenceData();
const patterns = generateTimetable(ref, { seed: 1, size: 'world', effectiveFrom: START });
const records: FlightRecord[] = [];
for (const f of datedFlights(patterns, ref, {
  fromDate: START,
  toDate: addDays(START, LOCAL_DAYS - 1),
}))
  records.push({
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
console.log(
  `  timetable: ${patterns.length.toLocaleString()} patterns → ${records.length.toLocaleString()} dated flights in ${ms(performance.now() - t)} (schedule's generation, not search)`,
);
const build = () => {
  const built = new FlightIndex();
  for (const f of records) built.upsert(f);
  return built;
};
t = performance.now();
const index = build();
const buildMs = performance.now() - t;
const indexed = index.size;
// What an index holds: memory in use with a second one, less memory in use once it is dropped.
const probe = [build()];
const withProbe = await memory();
probe.pop();
const held = withProbe - (await memory());
console.log(
  `  index: ${indexed.toLocaleString()} flights built in ${ms(buildMs)} (${Math.round(indexed / (buildMs / 1000)).toLocaleString()} flights/s); ` +
    `${(held / MB).toFixed(0)} MB (${Math.round(held / indexed)} B/flight; ${(index.memoryBytes() / MB).toFixed(0)} MB by its own count)`,
);

// 2. Pairs weighted by traffic, as travellers' queries are: the origin of one random flight and
//    the destination of another, so busy airports come up often, as they do in real queries.
const rng = xoroshiro128plus(42);
const pairs: Array<[string, string]> = [];
while (pairs.length < PAIRS) {
  const o = records[uniformInt(rng, 0, records.length - 1)]!.origin;
  const d = records[uniformInt(rng, 0, records.length - 1)]!.destination;
  if (o !== d) pairs.push([o, d]);
}
records.length = 0;
await memory();

const rules = defaultRules();
console.log(
  `\nin-process search, ${PAIRS} pairs, best ${RESULTS} by estimated fare (the baseline):`,
);
const baseline: number[] = [];
for (const [origin, destination] of pairs)
  // warm-up, not timed
  searchItineraries(index, { origin, destination, date: DATE, maxStops: 2 }, rules, {
    sort: 'price',
    limit: RESULTS,
  });
for (const maxStops of PAIRS > 0 ? [0, 1, 2] : []) {
  const sample: number[] = [];
  let found = 0;
  let none = 0;
  for (const [origin, destination] of pairs) {
    t = performance.now();
    const r = searchItineraries(index, { origin, destination, date: DATE, maxStops }, rules, {
      sort: 'price',
      limit: RESULTS,
    });
    sample.push(performance.now() - t);
    found += r.itineraries.length;
    if (!r.itineraries.length) none++;
  }
  baseline.push(percentiles(sample).p50!);
  console.log(
    row(
      `  up to ${maxStops} stops`,
      sample,
      `   ${(found / PAIRS).toFixed(1)} itineraries/pair, ${none} pairs with none`,
    ),
  );
}

// 3. Over gRPC, each service its own process.
if (GRPC_DAYS === 0) process.exit(0);
console.log(`\nover gRPC: schedule (world, ${GRPC_DAYS} days), pricing and search as processes`);
const work = mkdtempSync(path.join(tmpdir(), 'bench-search-'));
const ports = { schedule: await freePort(), pricing: await freePort(), search: await freePort() };
const common = { LOG_LEVEL: 'info', CONSUL_HTTP_ADDR: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
const started: Spawned[] = [];
const start = async (entry: string, env: Record<string, string>, ready = 'ready: serving') => {
  const p = spawnDeployed(entry, { ...common, ...env });
  started.push(p);
  await p.waitForLine((l) => l.includes(ready), 30 * 60_000);
  return p;
};
/** The headline figures, printed last as `bench <figure> <value>` (see the README). */
const figures: string[] = [];
try {
  const scheduleSpawned = performance.now();
  const scheduleProcess = await start('services/schedule/main.ts', {
    PORT: String(ports.schedule),
    DATA_DIR: path.join(work, 'schedule'),
    SCHEDULE_SIZE: 'world',
    SCHEDULE_START_DATE: START,
    SCHEDULE_DAYS: String(GRPC_DAYS),
  });
  const scheduleReadyS = (performance.now() - scheduleSpawned) / 1000;
  console.log(`  schedule (world): serving ${scheduleReadyS.toFixed(1)} s after its spawn`);
  figures.push(`bench schedule.world_ready_s ${scheduleReadyS.toFixed(1)}`);
  await start('services/pricing/main.ts', {
    PORT: String(ports.pricing),
    DATA_DIR: path.join(work, 'pricing'),
    SCHEDULE_ADDR: `127.0.0.1:${ports.schedule}`,
  });
  /** CPU seconds (user + system) a process has used, from /proc. */
  const cpuSeconds = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const scheduleCpuBefore = cpuSeconds(scheduleProcess.child.pid!);
  t = performance.now();
  const search = await start(
    'services/search/main.ts',
    {
      PORT: String(ports.search),
      SCHEDULE_ADDR: `127.0.0.1:${ports.schedule}`,
      PRICING_ADDR: `127.0.0.1:${ports.pricing}`,
      SEARCH_START_DATE: START,
      SEARCH_DAYS: String(GRPC_DAYS),
      SEARCH_READY_DAYS: '1',
    },
    'read model fully loaded',
  );
  const scheduleCpu = cpuSeconds(scheduleProcess.child.pid!) - scheduleCpuBefore;
  const logs = jsonLines(search.lines);
  const readyLine = logs.find(
    (l) => l.msg === 'read model ready; loading the rest of the window behind it',
  )!;
  const loaded = logs.find((l) => l.msg === 'read model fully loaded')!;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${search.child.pid}/status`, 'utf8'));
  const loadMs = Number(loaded.ms);
  const rate = Number(loaded.flights) / (loadMs / 1000);
  console.log(
    `  search: ready (1st day, ${Number(readyLine.flights).toLocaleString()} flights) ${ms(Number(readyLine.ms))} after its start; ` +
      `all ${GRPC_DAYS} days (${Number(loaded.flights).toLocaleString()} flights) in ${ms(loadMs)}, ${Math.round(rate).toLocaleString()} flights/s over ListFlightPages; ` +
      `${ms(performance.now() - t)} from spawn`,
  );
  // On a busy machine the wall time mostly measures the other processes; CPU time does not.
  console.log(
    `  CPU time over the load: search ${(Number(loaded.cpu_ms) / 1000).toFixed(1)} s ` +
      `(${((Number(loaded.cpu_ms) * 1000) / Number(loaded.flights)).toFixed(2)} µs/flight), ` +
      `schedule ${scheduleCpu.toFixed(1)} s (${((scheduleCpu * 1e6) / Number(loaded.flights)).toFixed(2)} µs/flight, its idle timers included)`,
  );
  console.log(
    `  search process: RSS ${rss ? (Number(rss[1]) / 1024).toFixed(0) : '?'} MB, index ${loaded.index_mb} MB` +
      (GRPC_DAYS < DAYS
        ? `; at that rate the ${DAYS}-day world window (${indexed.toLocaleString()} flights) would load in ~${(indexed / rate).toFixed(0)} s`
        : ''),
  );
  // Measured when BENCH_GRPC_DAYS covers the window, else at the rate measured over its days.
  figures.push(
    `bench search.world_load_s ${(GRPC_DAYS >= DAYS ? loadMs / 1000 : indexed / rate).toFixed(1)}`,
  );

  const client = createClient(SearchServiceService, {
    target: `dns:///127.0.0.1:${ports.search}`,
    defaultDeadlineMs: 10_000,
  });
  console.log(`\n  ${PAIRS} pairs, max ${RESULTS} results, priced:`);
  for (const maxStops of PAIRS > 0 ? [0, 1, 2] : []) {
    const first: number[] = [];
    const last: number[] = [];
    let partial = 0;
    let unpriced = 0;
    for (const [origin, destination] of pairs) {
      t = performance.now();
      let firstAt = 0;
      for await (const r of client.searchItineraries({
        origin,
        destination,
        departureDate: DATE,
        passengers: { adults: 1, children: 0, infants: 0 },
        cabin: Cabin.CABIN_ECONOMY,
        maxStops,
        sort: SortOrder.SORT_ORDER_PRICE,
        maxResults: RESULTS,
      })) {
        firstAt ||= performance.now() - t;
        if (r.summary?.partial) partial++;
        if (r.itinerary && !r.itinerary.price) unpriced++;
      }
      first.push(firstAt);
      last.push(performance.now() - t);
    }
    const ratio = percentiles(last).p50! / baseline[maxStops]!;
    console.log(row(`  up to ${maxStops} stops, first message`, first));
    if (maxStops === 1)
      figures.push(`bench search.grpc_1stop_first_p50_ms ${percentiles(first).p50!.toFixed(2)}`);
    console.log(
      row(
        `  up to ${maxStops} stops, last message`,
        last,
        `   p50 ${ratio.toFixed(0)}× in-process; ${partial} partial, ${unpriced} unpriced`,
      ),
    );
  }
  client.close();
} finally {
  for (const p of started.reverse()) await p.stop();
}
console.log(`\n${figures.join('\n')}`);
