import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type CollectedSpan } from './support/otlp-collector.js';
import { freePort, jsonLines, ROOT, spawnEntry, type Spawned } from './support/processes.js';
import { TEST_START_DATE } from './support/schedule.js';
import { toolPath } from './support/tools.js';

const run = promisify(execFile);

/**
 * The schedule service as a user runs it (`npm run start:schedule`: tsx + the tracing hook),
 * seen from outside: grpcurl over reflection, trace export, and a graceful stop.
 */
describe('schedule service process', () => {
  let port: number;
  let service: Spawned;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let grpcurl: string;

  beforeAll(async () => {
    grpcurl = toolPath('grpcurl');
    collector = await startCollector();
    port = await freePort();
    service = spawnEntry('services/schedule/main.ts', {
      PORT: String(port),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'schedule-proc-')),
      SCHEDULE_START_DATE: TEST_START_DATE,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      SHUTDOWN_GRACE_MS: '2000',
    });
    await service.waitForLine((l) => l.includes('grpc server listening'));
  });
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await collector?.close();
  });

  const call = (...args: string[]) => run(grpcurl, ['-plaintext', ...args], { cwd: ROOT });

  it('lists and describes every service by reflection', async () => {
    const { stdout: list } = await call(`127.0.0.1:${port}`, 'list');
    expect(list.split('\n').filter(Boolean)).toEqual([
      'flights.v1.ScheduleService',
      'grpc.health.v1.Health',
    ]);
    const { stdout: described } = await call(
      `127.0.0.1:${port}`,
      'describe',
      'flights.v1.ScheduleService',
    );
    for (const rpc of ['ListFlights', 'HoldSeats', 'WatchSchedule', 'RetimeFlight'])
      expect(described).toContain(`rpc ${rpc}`);
    const { stdout: message } = await call(
      `127.0.0.1:${port}`,
      'describe',
      'flights.v1.HoldSeatsRequest',
    );
    expect(message).toContain('ttl_seconds');
  });

  it('answers a method call and the health check', async () => {
    const { stdout } = await call(
      '-d',
      '{"iata_code":"JFK"}',
      `127.0.0.1:${port}`,
      'flights.v1.ScheduleService/GetAirport',
    );
    expect(JSON.parse(stdout)).toMatchObject({
      airport: { iataCode: 'JFK', timeZone: 'America/New_York' },
    });
    const { stdout: health } = await call(`127.0.0.1:${port}`, 'grpc.health.v1.Health/Check');
    expect(JSON.parse(health)).toEqual({ status: 'SERVING' });
    const { stdout: flights } = await call(
      '-d',
      `{"origin":"CDG","destination":"NRT","from_date":"${TEST_START_DATE}"}`,
      `127.0.0.1:${port}`,
      'flights.v1.ScheduleService/ListFlights',
    );
    expect(flights).toContain('"origin": "CDG"');
  });

  it('reports bad input as InvalidArgument naming the field', async () => {
    const failed = await call(
      '-d',
      '{"flight_id":"nope"}',
      `127.0.0.1:${port}`,
      'flights.v1.ScheduleService/GetFlight',
    ).catch((e: { stdout: string; stderr: string }) => e);
    expect('stderr' in failed ? failed.stderr : '').toMatch(/InvalidArgument[\s\S]*flight_id/);
  });

  it('joins client and server spans in one trace, with trace ids in the logs', async () => {
    const client = spawnEntry('test/fixtures/traced-call.ts', {
      TARGET: `dns:///127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: 'test-client',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    expect((await client.exited).code).toBe(0);
    const find = (pred: (s: CollectedSpan) => boolean) => collector.spans.find(pred);
    const clientSpan = find(
      (s) => s.service === 'test-client' && s.kind === 3 && s.name.includes('GetAirport'),
    );
    expect(clientSpan, JSON.stringify(collector.spans)).toBeDefined();
    let serverSpan: CollectedSpan | undefined;
    for (let i = 0; i < 50 && !serverSpan; i++) {
      serverSpan = find(
        (s) => s.service === 'schedule' && s.kind === 2 && s.traceId === clientSpan!.traceId,
      );
      if (!serverSpan) await new Promise((r) => setTimeout(r, 100));
    }
    expect(serverSpan, JSON.stringify(collector.spans)).toBeDefined();
    expect(serverSpan!.parentSpanId).toBe(clientSpan!.spanId);

    const logLine = jsonLines(service.lines).find(
      (l) =>
        l.method === '/flights.v1.ScheduleService/GetAirport' && l.trace_id === clientSpan!.traceId,
    );
    expect(logLine).toMatchObject({ service: 'schedule', code: 'OK', span_id: serverSpan!.spanId });
    expect(logLine).toHaveProperty('duration_ms');
    expect(logLine).toHaveProperty('peer');
  });

  it('carries trace context without recording spans where nothing exports them', async () => {
    // No OTLP endpoint in the client: its spans are not recorded (no CPU spent on spans nobody
    // reads) yet the trace id flows, so the server's log line joins the client's request.
    const client = spawnEntry('test/fixtures/traced-call.ts', {
      TARGET: `dns:///127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: 'unexported-client',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    });
    expect((await client.exited).code).toBe(0);
    const printed = jsonLines(client.lines).find((l) => l.airport === 'JFK');
    expect(printed).toMatchObject({
      sampled: false,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    let logLine: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !logLine; i++) {
      logLine = jsonLines(service.lines).find((l) => l.trace_id === printed!.trace_id);
      if (!logLine) await new Promise((r) => setTimeout(r, 100));
    }
    expect(logLine).toMatchObject({ method: '/flights.v1.ScheduleService/GetAirport', code: 'OK' });
    // The server follows its caller's decision: nothing of that trace was exported.
    await new Promise((r) => setTimeout(r, 500));
    expect(collector.spans.filter((s) => s.traceId === printed!.trace_id)).toEqual([]);
  });

  it('stops gracefully on SIGTERM: NOT_SERVING, drained, exit 0', async () => {
    const result = await service.stop('SIGTERM');
    expect(result.code).toBe(0);
    const messages = jsonLines(service.lines).map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages).toContain('grpc server stopped');
  });
});
