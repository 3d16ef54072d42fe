import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthService } from '../gen/ts/grpc/health/v1/health.js';
import { scrape, total, type Sample } from '../test/support/prometheus.js';
import { createClient, type ServiceClient } from './clients.js';
import { createLogger } from './logger.js';
import { observeBreaker, recordResolvedEndpoints } from './rpc-metrics.js';
import { ServiceServer } from './server.js';
import { serveMetrics, type MetricsEndpoint } from './telemetry/metrics.js';
import { inferServiceName } from './telemetry/service-name.js';

const HEALTH = 'grpc.health.v1.Health';

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

describe('RPC metrics: the runtime measures every call on both sides', () => {
  let server: ServiceServer;
  let health: ServiceClient<typeof HealthService>;
  let endpoint: MetricsEndpoint;
  let url: string;
  const count = (samples: Sample[], side: 'server' | 'client', method: string, code: status) =>
    total(samples, `rpc_${side}_duration_count`, {
      rpc_system: 'grpc',
      rpc_service: HEALTH,
      rpc_method: method,
      rpc_grpc_status_code: code,
    });

  beforeAll(async () => {
    server = await ServiceServer.start({
      port: 0,
      log: createLogger('test', 'silent'),
      bindings: [],
    });
    health = createClient(HealthService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: 5_000,
    });
    endpoint = await serveMetrics({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${endpoint.port}/metrics`;
  });
  afterAll(async () => {
    health?.close();
    await server?.shutdown(0);
    await endpoint?.close();
  });

  it('counts a unary call by service, method and status, in a histogram on both sides', async () => {
    const before = await scrape(url);
    await health.check({ service: '' });
    await expect(health.check({ service: 'no.such.Service' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    const after = await scrape(url);
    for (const side of ['server', 'client'] as const) {
      expect(count(after, side, 'Check', status.OK) - count(before, side, 'Check', status.OK)).toBe(
        1,
      );
      expect(
        count(after, side, 'Check', status.NOT_FOUND) -
          count(before, side, 'Check', status.NOT_FOUND),
      ).toBe(1);
    }
    // A histogram: buckets up to +Inf, whose count is the _count; every series names the process.
    const inf = after.find(
      (s) =>
        s.name === 'rpc_server_duration_bucket' &&
        s.labels.rpc_method === 'Check' &&
        s.labels.rpc_grpc_status_code === '0' &&
        s.labels.le === '+Inf',
    );
    expect(inf?.value).toBe(count(after, 'server', 'Check', status.OK));
    expect(inf?.labels.service_name).toBe(inferServiceName());
    expect(total(after, 'rpc_server_duration_sum', { rpc_method: 'Check' })).toBeGreaterThan(0);
  });

  it('counts a stream the client cancels as CANCELLED on both sides', async () => {
    const before = await scrape(url);
    const controller = new AbortController();
    const stream = health.watch({ service: '' }, { signal: controller.signal });
    await expect(
      (async () => {
        for await (const update of stream) {
          expect(update.status).toBeDefined();
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: status.CANCELLED });
    await eventually(async () => {
      const after = await scrape(url);
      return (['server', 'client'] as const).every(
        (side) =>
          count(after, side, 'Watch', status.CANCELLED) -
            count(before, side, 'Watch', status.CANCELLED) ===
          1,
      );
    }, 'one CANCELLED Watch on each side');
  });

  it('counts a stream that outlives its deadline as DEADLINE_EXCEEDED (the server: or CANCELLED)', async () => {
    const before = await scrape(url);
    const stream = health.watch({ service: '' }, { deadlineMs: 300 });
    await expect(
      (async () => {
        for await (const update of stream) expect(update).toBeDefined();
      })(),
    ).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    const moved = (after: Sample[], side: 'server' | 'client', code: status) =>
      count(after, side, 'Watch', code) - count(before, side, 'Watch', code);
    await eventually(async () => {
      const after = await scrape(url);
      // The client's own deadline cancels the call, and that cancel may reach the server before
      // the server's copy of the deadline passes (gRPC cannot tell the server which it was).
      return (
        moved(after, 'client', status.DEADLINE_EXCEEDED) === 1 &&
        moved(after, 'server', status.DEADLINE_EXCEEDED) +
          moved(after, 'server', status.CANCELLED) ===
          1
      );
    }, 'one timed-out Watch on each side');
  });

  it('reports discovery and breaker state per target, and the process itself', async () => {
    recordResolvedEndpoints('schedule', 2);
    observeBreaker('pricing', () => 'open');
    const samples = await scrape(url);
    expect(total(samples, 'rpc_client_resolver_endpoints', { rpc_client_target: 'schedule' })).toBe(
      2,
    );
    expect(total(samples, 'rpc_client_breaker_state', { rpc_client_target: 'pricing' })).toBe(2);
    expect(total(samples, 'process_memory_usage')).toBeGreaterThan(0);
    expect(total(samples, 'v8js_memory_heap_used')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_delay_p99')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_utilization')).toBe(true);
  });

  it('serves nothing but GET /metrics', async () => {
    const base = `http://127.0.0.1:${endpoint.port}`;
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    const res = await fetch(`${base}/metrics?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});
