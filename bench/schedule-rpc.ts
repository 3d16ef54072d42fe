/**
 * Cost of the shared runtime on a schedule RPC: GetFlight through the real schedule service
 * (validation, pino logging, OpenTelemetry tracing with OTLP export, embedded store) against a
 * bare grpc-js server returning the same bytes, both driven by ghz in the same run.
 *
 *   npm run bench:schedule            (BENCH_SECONDS=10 BENCH_CONCURRENCY=32 to change the load)
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScheduleServiceService, GetFlightResponse } from '../gen/ts/flights/v1/schedule.js';
import { createClient } from '../platform/clients.js';
import { freePort, ROOT, spawnEntry } from '../test/support/processes.js';
import { toolPath } from '../test/support/tools.js';
import { ghzLoad, printComparison, type LoadResult } from './ghz.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ghz = toolPath('ghz');
const protoset = path.join(ROOT, 'gen/descriptors.binpb');
const work = mkdtempSync(path.join(tmpdir(), 'bench-schedule-'));

// Spans are exported for real, to a sink that accepts and drops them.
const sink = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const sinkAddress = sink.address();
const sinkUrl = `http://127.0.0.1:${typeof sinkAddress === 'object' && sinkAddress ? sinkAddress.port : 0}`;

const meshPort = await freePort();
const mesh = spawnEntry('services/schedule/main.ts', {
  PORT: String(meshPort),
  DATA_DIR: path.join(work, 'schedule'),
  LOG_LEVEL: 'info',
  OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
});
await mesh.waitForLine((l) => l.includes('grpc server listening'));

const client = createClient(ScheduleServiceService, {
  target: `dns:///127.0.0.1:${meshPort}`,
  defaultDeadlineMs: 10_000,
});
const flights = client.listFlights({
  origin: 'JFK',
  destination: 'LHR',
  fromDate: new Date().toISOString().slice(0, 10),
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
const bare = spawnEntry('bench/bare-schedule-server.ts', {
  PORT: String(barePort),
  RESPONSE_FILE: responseFile,
});
await bare.waitForLine((l) => l.includes('bare server listening'));

const load = (port: number) =>
  ghzLoad(ghz, {
    target: `127.0.0.1:${port}`,
    call: 'flights.v1.ScheduleService.GetFlight',
    data: { flight_id: flightId },
    protoset,
    concurrency,
    seconds,
  });

process.stdout.write(
  `GetFlight ${flightId}, ${response.flight ? GetFlightResponse.encode(response).finish().length : 0} bytes, ${concurrency} concurrent calls for ${seconds}s each (warm-up 2s)\n`,
);
await Promise.all([
  ghzLoad(ghz, {
    target: `127.0.0.1:${barePort}`,
    call: 'flights.v1.ScheduleService.GetFlight',
    data: { flight_id: flightId },
    protoset,
    concurrency,
    seconds: 2,
  }),
  load(meshPort).catch(() => undefined),
]);
const baseline: LoadResult = await load(barePort);
const full: LoadResult = await load(meshPort);
printComparison(
  'schedule GetFlight: shared runtime vs bare grpc-js',
  [
    ['bare grpc-js (baseline)', baseline],
    ['schedule service (runtime)', full],
  ],
  baseline,
);

await Promise.all([mesh.stop(), bare.stop()]);
sink.close();
