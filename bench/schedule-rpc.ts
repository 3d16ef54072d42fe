/**
 * Cost of the shared runtime on a schedule RPC: GetFlight through the real schedule service
 * (validation, pino logging, OpenTelemetry tracing with OTLP export, embedded store) against a
 * bare grpc-js server returning the same bytes, all driven by ghz in the same run. The service
 * also runs with its layers taken off one by one (no export; no logs; no tracing at all), so the
 * table says what each costs. Each variant runs as `npm start` runs it (the compiled JavaScript,
 * npm start's V8 and malloc settings; `npm run build` first brings dist/js up to date); the
 * baseline is plain node with nothing preloaded. Until 2026-12-04 the baseline carried the
 * telemetry preload (OpenTelemetry's grpc instrumentation ran in it) and the service ran through
 * tsx without npm start's settings, with its log lines read by this process.
 *
 *   npm run bench:schedule   (BENCH_SECONDS=10 per variant, in BENCH_ROUNDS=3 rounds;
 *                             BENCH_CONCURRENCY=32 to change the load)
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScheduleServiceService, GetFlightResponse } from '../gen/ts/flights/v1/schedule.js';
import { utcDate } from '../flights/calendar.js';
import { createClient } from '../platform/clients.js';
import {
  HealthCheckResponse_ServingStatus,
  HealthService,
} from '../gen/ts/grpc/health/v1/health.js';
import {
  freePort,
  ROOT,
  spawnDeployed,
  spawnProcess,
  type Spawned,
} from '../test/support/processes.js';
import { toolPath } from '../test/support/tools.js';
import { ghzLoad, printComparison, type LoadResult } from './ghz.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Math.max(1, Math.round(Number(process.env.BENCH_ROUNDS ?? 3)));
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ghz = toolPath('ghz');
const protoset = path.join(ROOT, 'gen/descriptors.binpb');
const work = mkdtempSync(path.join(tmpdir(), 'bench-schedule-'));

// Spans are exported for real, to a sink that accepts and drops them.
const sink = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const sinkAddress = sink.address();
const sinkUrl = `http://127.0.0.1:${typeof sinkAddress === 'object' && sinkAddress ? sinkAddress.port : 0}`;

interface Variant {
  name: string;
  logLevel: string;
  tracing: 'off' | 'spans' | 'export';
  env?: Record<string, string>;
}
const variants: Variant[] = [
  { name: 'service: no tracing, no logs', logLevel: 'silent', tracing: 'off' },
  // Nothing exports them, yet every span recorded (the sampler's default before issue 15).
  {
    name: '+ spans, all recorded',
    logLevel: 'silent',
    tracing: 'spans',
    env: { OTEL_TRACES_SAMPLER: 'always_on' },
  },
  // Without an exporter spans carry trace context (log lines' trace ids) but record nothing.
  { name: '+ spans, context only', logLevel: 'silent', tracing: 'spans' },
  { name: '+ a log line per call', logLevel: 'info', tracing: 'spans' },
  { name: '+ OTLP export (as deployed)', logLevel: 'info', tracing: 'export' },
];

/** A schedule process in one variant, once its health check says SERVING. */
async function startVariant(v: Variant): Promise<{ port: number; process: Spawned }> {
  const port = await freePort();
  const env = {
    PORT: String(port),
    DATA_DIR: path.join(work, `schedule-${variants.indexOf(v)}`),
    SCHEDULE_START_DATE: day,
    LOG_LEVEL: v.logLevel,
    OTEL_EXPORTER_OTLP_ENDPOINT: v.tracing === 'export' ? sinkUrl : '',
    ...v.env,
  };
  // As npm start runs it; its log lines (one per call at info) go where npm start's would not be
  // read either, not into this process, which shares the two cores with it.
  const child = spawnDeployed('services/schedule/main.ts', env, {
    telemetry: v.tracing !== 'off',
    stdout: 'ignore',
  });
  const health = createClient(HealthService, {
    target: `dns:///127.0.0.1:${port}`,
    defaultDeadlineMs: 1_000,
  });
  for (let tries = 0; ; tries++) {
    const state = await health.check({ service: '' }).then(
      (r) => r.status,
      () => undefined,
    );
    if (state === HealthCheckResponse_ServingStatus.SERVING) break;
    if (tries > 600) throw new Error(`${v.name}: schedule never became SERVING`);
    await new Promise((r) => setTimeout(r, 100));
  }
  health.close();
  return { port, process: child };
}

const day = utcDate(Date.now());
const started = [];
for (const v of variants) started.push(await startVariant(v));
const meshPort = started[0]!.port;

const client = createClient(ScheduleServiceService, {
  target: `dns:///127.0.0.1:${meshPort}`,
  defaultDeadlineMs: 10_000,
});
const flights = client.listFlights({
  origin: 'JFK',
  destination: 'LHR',
  fromDate: day,
  toDate: '',
  includeCancelled: false,
});
const first = await flights[Symbol.asyncIterator]().next();
const flightId = (first.value as { flight: { flightId: string } }).flight.flightId;
const response = await client.getFlight({ flightId });
client.close();
const responseFile = path.join(work, 'response.json');
writeFileSync(responseFile, JSON.stringify(GetFlightResponse.toJSON(response)));

const barePort = await freePort();
// Bare: plain node, nothing preloaded (the telemetry preload would instrument its grpc-js).
const bare = spawnProcess(process.execPath, ['--import', 'tsx', 'bench/bare-schedule-server.ts'], {
  PORT: String(barePort),
  RESPONSE_FILE: responseFile,
});
await bare.waitForLine((l) => l.includes('bare server listening'));

const load = (port: number, forSeconds: number) =>
  ghzLoad(ghz, {
    target: `127.0.0.1:${port}`,
    call: 'flights.v1.ScheduleService.GetFlight',
    data: { flight_id: flightId },
    protoset,
    concurrency,
    seconds: forSeconds,
  });

process.stdout.write(
  `GetFlight ${flightId}, ${response.flight ? GetFlightResponse.encode(response).finish().length : 0} bytes, ${concurrency} concurrent calls, ${seconds}s per variant in ${rounds} rounds of ${(seconds / rounds).toFixed(1)}s (warm-up 2s, and 1s before each round)\n`,
);
// Warm-up, one process at a time: JIT, connection set-up and the store's caches.
const targets = [barePort, ...started.map((v) => v.port)];
for (const port of targets) await load(port, 2);
// The baseline and every variant in turn, `rounds` times, each for seconds / rounds: on a shared
// 2-core machine the load of the moment moves req/s by ±20 % from one 10 s window to the next, so
// one window per variant ranked them by the moment they ran in (one run put the service with no
// tracing below the one as deployed). Each row is the variant's median round; the headline is
// the median over rounds of the ratio to the baseline measured in the same round.
// Each window follows a second of the same load, unmeasured: a process idle while the others ran
// has meanwhile returned its freed memory and shrunk its young generation (platform/heap.ts), and
// its first second back measures that, not the steady cost of a call (2 s rounds without it read
// 0.41 where 10 s windows read 0.49–0.59).
const results: LoadResult[][] = targets.map(() => []);
for (let round = 0; round < rounds; round++)
  for (const [i, port] of targets.entries()) {
    await load(port, 1);
    results[i]!.push(await load(port, seconds / rounds));
  }
// With an even number of rounds, the upper of the two middle values.
const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const medianRound = (rs: LoadResult[]) => rs.find((r) => r.rps === medianOf(rs.map((x) => x.rps)))!;
const baseline = medianRound(results[0]!);
const rows: Array<[string, LoadResult]> = [
  ['bare grpc-js (baseline)', baseline],
  ...variants.map((v, i): [string, LoadResult] => [v.name, medianRound(results[i + 1]!)]),
];
printComparison('schedule GetFlight: shared runtime vs bare grpc-js', rows, baseline);
const spread = (rs: LoadResult[]) =>
  `${Math.min(...rs.map((r) => r.rps)).toFixed(0)}–${Math.max(...rs.map((r) => r.rps)).toFixed(0)}`;
// Each row is its variant's median round, so the "× base" columns may divide figures of two
// different rounds; the headline below pairs each round with its own baseline.
process.stdout.write(
  `each row: its median of ${rounds} rounds; req/s from the slowest to the fastest round:\n` +
    rows.map(([name], i) => `  ${name.padEnd(30)}${spread(results[i]!)}\n`).join(''),
);
// The headline figure: the service as deployed (the last variant) against the bare server.
const deployed = results.at(-1)!;
const roundRatios = deployed.map((r, round) => r.rps / results[0]![round]!.rps);
const ratio = medianOf(roundRatios).toFixed(3);
process.stdout.write(
  `headline: the median of each round's as deployed ÷ bare (${roundRatios.map((r) => r.toFixed(3)).join(', ')})\n\n`,
);
process.stdout.write(`bench schedule.getflight.ratio ${ratio}\n`);

await Promise.all([...started.map((v) => v.process.stop()), bare.stop()]);
sink.close();
