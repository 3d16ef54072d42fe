/**
 * What the BFF costs over a bare HTTP server: search (BFF → search → pricing) and booking reads
 * (BFF → booking, with JWT verification) through the real BFF process, next to a bare fastify
 * server returning the same JSON for the same paths, driven by autocannon in the same run.
 *
 *   npm run bench:bff      (BENCH_SECONDS=10 BENCH_CONNECTIONS=16 to change the load;
 *                           BENCH_ONLY=booking_read or =search to run that case alone)
 *
 * Every process runs as `npm start` runs it: schedule, pricing, search, booking and the BFF each
 * its own process (scripts/start.mjs: the compiled JavaScript, which this script's `npm run
 * build` brings up to date; tracing; pino logging at info; npm start's V8 and malloc settings),
 * on embedded stores in a temporary directory, finding each other by static addresses
 * (plaintext: no Consul, no mTLS). The baseline runs through tsx with nothing preloaded (no
 * tracing: the telemetry preload patches node:http, which a bare server does not have). This
 * process only drives the load (autocannon, and the gRPC calls of the direct variant).
 *
 * Until 2026-12-03 the four services ran inside this process, beside autocannon: one event loop
 * for four services and the load, on one core of two, which capped the BFF's figures at what
 * that loop managed (gRPC direct ~240 searches/s with this process at 100 % of a core).
 *
 * BENCH_PROFILE_DIR=dir: every process of the mesh writes a V8 CPU profile there when it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEV_JWT_SECRET, signDevToken } from '../bff/auth.js';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { SortOrder } from '../gen/ts/flights/v1/search.js';
import { bffEnv } from '../bff/config.js';
import { loadConfig } from '../platform/config.js';
import { BookingServiceService } from '../gen/ts/flights/v1/booking.js';
import { SearchServiceService } from '../gen/ts/flights/v1/search.js';
import { createClient } from '../platform/clients.js';
import { mallocEnv, meshProcessArgs } from '../scripts/process-tuning.js';
import { freePort, ROOT } from '../test/support/processes.js';
import { TEST_START_DATE } from '../test/support/schedule.js';
import { percentiles } from './percentiles.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<AutocannonResult>;
// autocannon ships no type declarations: this is the little of it used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const work = mkdtempSync(path.join(tmpdir(), 'bench-bff-'));

const profile = process.env.BENCH_PROFILE_DIR
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
  : [];

/**
 * "×n" of a latency against its baseline; autocannon reports whole milliseconds, so a baseline
 * of 0 ms (under 1 ms) has no ratio.
 */
const times = (ms: number, baseMs: number) =>
  baseMs > 0 ? `×${(ms / baseMs).toFixed(1)}` : `${ms} ms against under 1 ms`;

/** `node <args…>` with its output dropped, except errors. */
function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves once `url` answers below 500 (or exactly `status`, when given). */
async function waitFor(url: string, timeoutMs = 60_000, status?: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (
      await fetch(url).then(
        (r) => (status === undefined ? r.status < 500 : r.status === status),
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

process.stdout.write(
  'starting schedule, pricing, search, booking and the BFF (embedded stores)…\n',
);
const ports = {
  schedule: await freePort(),
  pricing: await freePort(),
  search: await freePort(),
  booking: await freePort(),
  bff: await freePort(),
};
const addresses = {
  SCHEDULE_ADDR: `127.0.0.1:${ports.schedule}`,
  PRICING_ADDR: `127.0.0.1:${ports.pricing}`,
  SEARCH_ADDR: `127.0.0.1:${ports.search}`,
  BOOKING_ADDR: `127.0.0.1:${ports.booking}`,
};
/** One process of the mesh, as `npm start` launches it (scripts/mesh.ts). */
const meshProcess = async (entry: string, port: number, env: Record<string, string> = {}) =>
  start(meshProcessArgs(entry, { nodeOptions: profile }), {
    ...mallocEnv(),
    ...addresses,
    PORT: String(port),
    // Not the mesh's defaults: a mesh of `npm start` on this machine may hold those.
    METRICS_PORT: String(await freePort()),
    SCHEDULE_START_DATE: TEST_START_DATE,
    SCHEDULE_DAYS: '30',
    SEARCH_START_DATE: TEST_START_DATE,
    SEARCH_DAYS: '10',
    LOG_LEVEL: 'info',
    ...env,
  });
const services = [
  await meshProcess('services/schedule/main.ts', ports.schedule, {
    DATA_DIR: path.join(work, 'schedule'),
  }),
  await meshProcess('services/pricing/main.ts', ports.pricing, {
    DATA_DIR: path.join(work, 'pricing'),
  }),
  await meshProcess('services/search/main.ts', ports.search),
  await meshProcess('services/booking/main.ts', ports.booking, {
    DATA_DIR: path.join(work, 'booking'),
  }),
];
const bffPort = ports.bff;
const bff = await meshProcess('bff/main.ts', bffPort, {
  // The per-client limit would turn a load test into a 429 test.
  RATE_LIMIT_PER_MINUTE: '100000000',
  // A shared test key instead of the identity service.
  JWT_SECRET: DEV_JWT_SECRET,
});
const bffUrl = `http://127.0.0.1:${bffPort}`;
// A bench that fails leaves no process of its mesh (or baseline server) behind.
const children: ChildProcess[] = [bff, ...services];
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
// Ready once every peer answers its health (search: once its read model is loaded).
await waitFor(`${bffUrl}/readyz`, 180_000, 200);
const search = {
  client: createClient(SearchServiceService, {
    target: `dns:///${addresses.SEARCH_ADDR}`,
    defaultDeadlineMs: 10_000,
  }),
};
const booking = {
  client: createClient(BookingServiceService, {
    target: `dns:///${addresses.BOOKING_ADDR}`,
    defaultDeadlineMs: 10_000,
  }),
};

// The requests measured, and the JSON the BFF answers them with.
const token = await signDevToken('bench', loadConfig(bffEnv, { JWT_SECRET: DEV_JWT_SECRET }));
const auth = { authorization: `Bearer ${token}` };
const date = new Date(Date.parse(`${TEST_START_DATE}T00:00:00Z`) + 2 * 86_400_000)
  .toISOString()
  .slice(0, 10);
const searchPath = `/api/v1/search?origin=JFK&destination=LHR&date=${date}&maxStops=1`;
const found = (await (await fetch(bffUrl + searchPath)).json()) as {
  itineraries: Array<{ segments: Array<{ flightId: string }> }>;
};
const flightIds = found.itineraries[0]!.segments.map((s) => s.flightId);
const quote = (await (
  await fetch(`${bffUrl}/api/v1/quotes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ flightIds, passengers: { adults: 1 }, cabin: 'economy' }),
  })
).json()) as { id: string };
const created = await fetch(`${bffUrl}/api/v1/bookings`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'bench-1' },
  body: JSON.stringify({
    quoteId: quote.id,
    passengers: [
      { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
    ],
    contactEmail: 'ada@example.com',
  }),
});
if (created.status !== 201) throw new Error(`booking failed: ${await created.text()}`);
const { reference } = (await created.json()) as { reference: string };
const bookingPath = `/api/v1/bookings/${reference}`;

const responses: Record<string, unknown> = {};
for (const p of [searchPath, bookingPath])
  responses[p] = await (await fetch(bffUrl + p, { headers: auth })).json();
const responsesFile = path.join(work, 'responses.json');
writeFileSync(responsesFile, JSON.stringify(responses));

const barePort = await freePort();
const bare = start(['--import', 'tsx', 'bench/bff-bare-server.ts'], {
  PORT: String(barePort),
  RESPONSES_FILE: responsesFile,
});
children.push(bare);
const bareUrl = `http://127.0.0.1:${barePort}`;
await waitFor(`${bareUrl}${bookingPath}`);

const run = (url: string, duration = seconds) =>
  autocannon({ url, connections, duration, headers: auth });

/** The same call straight over gRPC from here, as many at once: what the BFF adds is the rest. */
async function direct(call: () => Promise<unknown>, duration = seconds): Promise<AutocannonResult> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await call().then(
          () => latencies.push(performance.now() - t),
          () => errors++,
        );
      }
    }),
  );
  const p = percentiles(latencies, [50, 99]);
  return {
    requests: { average: latencies.length / duration },
    latency: { p50: p.p50!, p99: p.p99!, average: 0 },
    non2xx: 0,
    errors,
    timeouts: 0,
  };
}
const searchRequest = {
  origin: 'JFK',
  destination: 'LHR',
  departureDate: date,
  passengers: { adults: 1, children: 0, infants: 0 },
  cabin: Cabin.CABIN_ECONOMY,
  maxStops: 1,
  sort: SortOrder.SORT_ORDER_PRICE,
  maxResults: 20,
};
const grpcCalls: Record<string, () => Promise<unknown>> = {
  [searchPath]: async () => {
    for await (const _ of search.client.searchItineraries(searchRequest, { deadlineMs: 10_000 }));
  },
  [bookingPath]: () =>
    booking.client.getBooking(
      { bookingReference: reference, customerId: 'bench' },
      { deadlineMs: 10_000 },
    ),
};

const only = process.env.BENCH_ONLY;
const cases = (
  [
    [
      `search JFK→LHR ${date}, ≤1 stop (${found.itineraries.length} itineraries)`,
      searchPath,
      'bff.search.ratio',
    ],
    [`booking read ${reference}`, bookingPath, 'bff.booking_read.ratio'],
  ] as Array<[string, string, string]>
).filter(([, , figure]) => !only || figure === `bff.${only}.ratio`);
if (!cases.length) throw new Error(`BENCH_ONLY=${only}: no such case (search, booking_read)`);
/** The headline figures, printed last as `bench <figure> <value>` (see the README). */
const figures: string[] = [];
process.stdout.write(
  `${connections} connections, ${seconds}s per variant after a 2s warm-up of each\n`,
);
for (const [, p] of cases) await Promise.all([run(bareUrl + p, 2), run(bffUrl + p, 2)]);

/**
 * CPU time a child process has used so far, ms (Linux /proc; NaN elsewhere): CPU per request
 * says what a process costs even when a busy machine makes req/s swing.
 */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}
/** This process's CPU time so far, ms: the load generator (autocannon, the direct calls). */
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const SERVICE_NAMES = ['schedule', 'pricing', 'search', 'booking'];
/** Each service's CPU time so far, ms, in SERVICE_NAMES order. */
const servicesCpuMs = () => services.map((c) => cpuMsOf(c.pid));

const f = (n: number, d = 1) => n.toFixed(d).padStart(10);
for (const [title, p, figure] of cases) {
  const bareCpu = cpuMsOf(bare.pid);
  const base = await run(bareUrl + p);
  const bareCpuPerRequest = (cpuMsOf(bare.pid) - bareCpu) / (base.requests.average * seconds);
  const grpc = await direct(grpcCalls[p]!);
  const [bffCpu, servicesCpu, ownCpu] = [cpuMsOf(bff.pid), servicesCpuMs(), ownCpuMs()];
  const full = await run(bffUrl + p);
  const requests = full.requests.average * seconds;
  const perRequest = {
    bff: (cpuMsOf(bff.pid) - bffCpu) / requests,
    services: servicesCpuMs().map((ms, i) => (ms - servicesCpu[i]!) / requests),
    load: (ownCpuMs() - ownCpu) / requests,
  };
  process.stdout.write(`\n${title}  (${JSON.stringify(responses[p]).length} bytes of JSON)\n`);
  process.stdout.write(
    `${'variant'.padEnd(30)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'non-2xx'.padStart(10)}${'errors'.padStart(8)}\n`,
  );
  for (const [name, r] of [
    ['bare fastify (baseline)', base],
    ['gRPC direct, no BFF', grpc],
    ['BFF → mesh', full],
  ] as const)
    process.stdout.write(
      `${name.padEnd(30)}${f(r.requests.average)}${f(r.latency.p50, 2)}${f(r.latency.p99, 2)}${String(r.non2xx).padStart(10)}${String(r.errors + r.timeouts).padStart(8)}\n`,
    );
  process.stdout.write(
    `CPU per request: bare server ${bareCpuPerRequest.toFixed(2)} ms; through the BFF: BFF process ${perRequest.bff.toFixed(2)} ms, services ${perRequest.services.reduce((a, b) => a + b, 0).toFixed(2)} ms (${perRequest.services.map((ms, i) => `${SERVICE_NAMES[i]} ${ms.toFixed(2)}`).join(', ')}), load generator ${perRequest.load.toFixed(2)} ms\n`,
  );
  process.stdout.write(
    `ratio BFF/gRPC direct: req/s ×${(full.requests.average / grpc.requests.average).toFixed(3)}, p50 ${times(full.latency.p50, grpc.latency.p50)}\n`,
  );
  process.stdout.write(
    `ratio BFF/baseline: req/s ×${(full.requests.average / base.requests.average).toFixed(3)}, p50 ${times(full.latency.p50, base.latency.p50)}, p99 ${times(full.latency.p99, base.latency.p99)}\n`,
  );
  figures.push(`bench ${figure} ${(full.requests.average / base.requests.average).toFixed(3)}`);
}
process.stdout.write(`\n${figures.join('\n')}\n`);

// Each process writes its profile (if asked for) as it exits.
search.client.close();
booking.client.close();
bare.kill('SIGTERM');
for (const child of [bff, ...services.reverse()]) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
