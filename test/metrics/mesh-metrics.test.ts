import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, signDevToken } from '../../bff/auth.js';
import { bffEnv } from '../../bff/config.js';
import { MESH, type ServiceName } from '../../flights/mesh.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { createClient } from '../../platform/clients.js';
import { loadConfig } from '../../platform/config.js';
import { ConsulCertificates } from '../../platform/connect-ca.js';
import { createLogger } from '../../platform/logger.js';
import { meshChannelCredentials } from '../../platform/mtls.js';
import { METRICS_META_KEY } from '../../platform/telemetry/metrics.js';
import { startConsul, waitPassing, type ConsulAgent } from '../support/consul.js';
import { dashboardQueries, metricNames, readDashboard } from '../support/dashboard.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { freePort, spawnEntry, type Spawned } from '../support/processes.js';
import { parseExposition, total, type Sample } from '../support/prometheus.js';
import { TEST_START_DATE } from '../support/schedule.js';
import { toolPath } from '../support/tools.js';
import { testDate } from '../support/dates.js';

/**
 * The whole mesh as real processes (each with the telemetry preload, as `npm start` runs them),
 * registered in a real Consul agent: a search and a booking through the BFF, then every /metrics
 * endpoint, found the way Prometheus finds it (the services' Consul meta; the BFF's own port),
 * is scraped and checked.
 */
const SERVICES: ServiceName[] = ['schedule', 'pricing', 'search', 'booking'];
const DAY = testDate(4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('metrics of the running mesh', () => {
  let consul: ConsulAgent;
  const databases: TestDatabase[] = [];
  const processes: Spawned[] = [];
  /** Where each process serves /metrics, as discovered. */
  const endpoints = new Map<string, string>();
  const grpcAddresses = new Map<string, string>();
  /** The text each endpoint served after the traffic below, and its samples. */
  const scraped = new Map<string, { text: string; samples: Sample[] }>();
  let bffUrl = '';
  let reference = '';

  const launch = (entry: string, env: Record<string, string>) => {
    const proc = spawnEntry(entry, {
      SERVICE_HOST: '127.0.0.1',
      CONSUL_HTTP_ADDR: consul.address,
      CONSUL_CHECK_INTERVAL: '500ms',
      SHUTDOWN_GRACE_MS: '2000',
      ...env,
    });
    processes.push(proc);
    return proc;
  };

  async function http(method: string, url: string, body?: unknown, headers = {}) {
    const res = await fetch(bffUrl + url, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    consul = await startConsul();
    for (const name of ['schedule', 'pricing', 'booking'])
      databases.push(await createTestDatabase(`${name}_metrics`));
    const [scheduleDb, pricingDb, bookingDb] = databases.map((d) => d.url);
    const metricsPorts = Object.fromEntries(
      await Promise.all([...SERVICES, 'bff'].map(async (n) => [n, String(await freePort())])),
    ) as Record<ServiceName | 'bff', string>;
    const common = (name: ServiceName | 'bff') => ({
      PORT: '0',
      METRICS_PORT: metricsPorts[name],
    });
    launch('services/schedule/main.ts', {
      ...common('schedule'),
      DATABASE_URL: scheduleDb!,
      SCHEDULE_START_DATE: TEST_START_DATE,
      SCHEDULE_DAYS: '10',
      FEED_POLL_MS: '50',
    });
    await waitPassing(consul, 'schedule', (l) => l.length === 1, 120_000);
    launch('services/pricing/main.ts', { ...common('pricing'), DATABASE_URL: pricingDb! });
    launch('services/booking/main.ts', { ...common('booking'), DATABASE_URL: bookingDb! });
    launch('services/search/main.ts', {
      ...common('search'),
      SEARCH_START_DATE: TEST_START_DATE,
      SEARCH_DAYS: '10',
      SEARCH_READY_DAYS: '10',
    });
    for (const name of SERVICES) {
      const [instance] = await waitPassing(consul, name, (l) => l.length === 1, 120_000);
      // What Prometheus reads (deploy/prometheus/prometheus.yml): the registered address and
      // the metrics port in the service meta.
      const port = instance!.Service.Meta[METRICS_META_KEY];
      expect(port, `${name} registers its metrics port`).toBe(metricsPorts[name]);
      endpoints.set(name, `http://${instance!.Service.Address}:${port}/metrics`);
      grpcAddresses.set(name, `${instance!.Service.Address}:${instance!.Service.Port}`);
    }
    const bffPort = await freePort();
    // The shared test key instead of the identity service's (which this test does not run).
    const bff = launch('bff/main.ts', {
      ...common('bff'),
      PORT: String(bffPort),
      JWT_SECRET: DEV_JWT_SECRET,
    });
    await bff.waitForLine((l) => l.includes('ready: serving'), 60_000);
    bffUrl = `http://127.0.0.1:${bffPort}`;
    endpoints.set('bff', `http://127.0.0.1:${metricsPorts.bff}/metrics`);

    // The traffic: a search, a quote, a booking, a booking of a quote that does not exist, and a
    // cancelled flight on schedule's change feed.
    const found = await http(
      'GET',
      `/api/v1/search?origin=JFK&destination=LHR&date=${DAY}&maxStops=0&cabin=economy`,
    );
    expect(found.status, JSON.stringify(found.json)).toBe(200);
    expect(found.json.itineraries.length).toBeGreaterThan(1);
    const [first, second] = found.json.itineraries as Array<{
      segments: Array<{ flightId: string }>;
    }>;
    const quote = await http('POST', '/api/v1/quotes', {
      flightIds: [first!.segments[0]!.flightId],
      passengers: { adults: 1 },
      cabin: 'economy',
    });
    expect(quote.status, JSON.stringify(quote.json)).toBe(201);
    const auth = {
      authorization: `Bearer ${await signDevToken('metrics-test', loadConfig(bffEnv, { JWT_SECRET: DEV_JWT_SECRET }))}`,
    };
    const passengers = [
      { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
    ];
    const booked = await http(
      'POST',
      '/api/v1/bookings',
      { quoteId: quote.json.id, passengers, contactEmail: 'ada@example.com' },
      { ...auth, 'idempotency-key': randomUUID() },
    );
    expect(booked.status, JSON.stringify(booked.json)).toBe(201);
    expect(booked.json.status).toBe('confirmed');
    reference = booked.json.reference;
    const refused = await http(
      'POST',
      '/api/v1/bookings',
      { quoteId: randomUUID(), passengers, contactEmail: 'ada@example.com' },
      { ...auth, 'idempotency-key': randomUUID() },
    );
    expect(refused.status, JSON.stringify(refused.json)).toBe(404);
    // With Consul the services speak mTLS only: the test calls as a mesh client with a leaf
    // from the agent's CA (the dev agent's intentions default to allow).
    const certs = new ConsulCertificates(
      consul.address,
      'metrics-test',
      createLogger('t', 'silent'),
    );
    await certs.start();
    const scheduleClient = createClient(ScheduleServiceService, {
      target: `dns:///${grpcAddresses.get('schedule')}`,
      defaultDeadlineMs: 10_000,
      credentials: meshChannelCredentials(certs, 'schedule'),
      channelOptions: { 'grpc.ssl_target_name_override': 'schedule' },
    });
    try {
      await scheduleClient.cancelFlight({
        flightId: second!.segments[0]!.flightId,
        reason: 'metrics test',
        requestId: randomUUID(),
      });
    } finally {
      scheduleClient.close();
      certs.close();
    }

    // Search applies the change from the feed a moment later: scrape once it has.
    for (let i = 0; ; i++) {
      for (const [name, url] of endpoints) {
        const text = await (await fetch(url)).text();
        scraped.set(name, { text, samples: parseExposition(text) });
      }
      if (scraped.get('search')!.samples.some((s) => s.name === 'search_feed_lag')) break;
      if (i === 100) throw new Error('search never applied the cancelled flight from the feed');
      await sleep(100);
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(processes.reverse().map((p) => p.stop()));
    await consul?.stop();
    for (const db of databases) await db.drop();
  });

  const samples = (name: string) => scraped.get(name)!.samples;
  const server = (service: ServiceName | 'bff', rpcService: string, method: string, code = 0) =>
    total(samples(service), 'rpc_server_duration_count', {
      service_name: service,
      rpc_system: 'grpc',
      rpc_service: rpcService,
      rpc_method: method,
      rpc_grpc_status_code: code,
    });
  const client = (caller: ServiceName | 'bff', rpcService: string, method: string, code = 0) =>
    total(samples(caller), 'rpc_client_duration_count', {
      service_name: caller,
      rpc_service: rpcService,
      rpc_method: method,
      rpc_grpc_status_code: code,
    });

  it('serves every endpoint in a format promtool accepts, each series naming its process', () => {
    for (const [name, { text, samples: list }] of scraped) {
      const checked = spawnSync(toolPath('promtool'), ['check', 'metrics'], {
        input: text,
        encoding: 'utf8',
      });
      if (checked.status !== 0) {
        // Kept for the reader of the failure: promtool's complaints name lines of it.
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'metrics-')), `${name}.txt`);
        writeFileSync(file, text);
        expect.fail(`${name} (${file}): ${checked.stdout}${checked.stderr}`);
      }
      const names = new Set(
        list.filter((s) => s.name !== 'target_info').map((s) => s.labels.service_name),
      );
      expect([...names], name).toEqual([name]);
      expect(total(list, 'process_memory_usage'), name).toBeGreaterThan(0);
      expect(
        list.some((s) => s.name === 'nodejs_eventloop_delay_p99'),
        name,
      ).toBe(true);
    }
  });

  it('times every RPC on the server by service, method and status', () => {
    expect(server('search', MESH.search.fullName, 'SearchItineraries')).toBe(1);
    expect(server('pricing', MESH.pricing.fullName, 'CreateQuote')).toBe(1);
    expect(server('pricing', MESH.pricing.fullName, 'ConfirmQuote')).toBe(1);
    expect(server('pricing', MESH.pricing.fullName, 'ConfirmQuote', status.NOT_FOUND)).toBe(1);
    expect(server('pricing', MESH.pricing.fullName, 'PriceItineraries')).toBeGreaterThan(0);
    expect(server('booking', MESH.booking.fullName, 'CreateBooking')).toBe(1);
    expect(server('booking', MESH.booking.fullName, 'CreateBooking', status.NOT_FOUND)).toBe(1);
    expect(server('schedule', MESH.schedule.fullName, 'HoldSeats')).toBe(1);
    // Booking sells with HoldSeats (confirm): it never calls ConfirmHold.
    expect(server('schedule', MESH.schedule.fullName, 'ConfirmHold')).toBe(0);
    expect(server('schedule', MESH.schedule.fullName, 'CancelFlight')).toBe(1);
    // A histogram: its +Inf bucket holds every call, and the sum is a duration.
    const inf = samples('booking').find(
      (s) =>
        s.name === 'rpc_server_duration_bucket' &&
        s.labels.rpc_method === 'CreateBooking' &&
        s.labels.rpc_grpc_status_code === '0' &&
        s.labels.le === '+Inf',
    );
    expect(inf?.value).toBe(1);
    expect(
      total(samples('booking'), 'rpc_server_duration_sum', { rpc_method: 'CreateBooking' }),
    ).toBeGreaterThan(0);
  });

  it('times every call to a peer on the caller’s side, and knows its peers from Consul', () => {
    expect(client('bff', MESH.search.fullName, 'SearchItineraries')).toBe(1);
    expect(client('bff', MESH.booking.fullName, 'CreateBooking')).toBe(1);
    expect(client('bff', MESH.booking.fullName, 'CreateBooking', status.NOT_FOUND)).toBe(1);
    expect(client('booking', MESH.pricing.fullName, 'ConfirmQuote')).toBe(1);
    expect(client('booking', MESH.schedule.fullName, 'HoldSeats')).toBe(1);
    expect(client('search', MESH.pricing.fullName, 'PriceItineraries')).toBeGreaterThan(0);
    for (const [caller, target] of [
      ['booking', 'pricing'],
      ['booking', 'schedule'],
      ['search', 'schedule'],
      ['bff', 'search'],
    ] as const) {
      const where = { rpc_client_target: target };
      expect(total(samples(caller), 'rpc_client_resolver_endpoints', where), caller).toBe(1);
      // Each peer behind a circuit breaker, closed (0) while it answers.
      const breaker = samples(caller).filter(
        (s) => s.name === 'rpc_client_breaker_state' && s.labels.rpc_client_target === target,
      );
      expect(
        breaker.map((s) => s.value),
        `${caller} → ${target} breaker`,
      ).toEqual([0]);
    }
  });

  it('times the BFF’s HTTP routes by route template and status', () => {
    const route = (httpRoute: string, code: number, method = 'GET') =>
      total(samples('bff'), 'http_server_request_duration_count', {
        service_name: 'bff',
        http_request_method: method,
        http_route: httpRoute,
        http_response_status_code: code,
      });
    expect(route('/api/v1/search', 200)).toBe(1);
    expect(route('/api/v1/quotes', 201, 'POST')).toBe(1);
    expect(route('/api/v1/bookings', 201, 'POST')).toBe(1);
    expect(route('/api/v1/bookings', 404, 'POST')).toBe(1);
    // Template, not path: no series per booking reference or query string.
    expect(scraped.get('bff')!.text).not.toContain(reference);
    expect(scraped.get('bff')!.text).not.toContain('JFK');
  });

  it('counts the domain’s figures with the right labels', () => {
    expect(total(samples('pricing'), 'pricing_quotes_total', { cabin: 'economy' })).toBe(1);
    expect(total(samples('pricing'), 'pricing_degraded_answers_total')).toBe(0);
    const booking = samples('booking');
    expect(total(booking, 'booking_bookings_total', { outcome: 'confirmed' })).toBe(1);
    expect(
      total(booking, 'booking_bookings_total', { outcome: 'failed', reason: 'QUOTE_NOT_FOUND' }),
    ).toBe(1);
    expect(total(booking, 'booking_saga_steps_total', { step: 'HOLD', result: 'ok' })).toBe(1);
    // Held and sold in one HoldSeats call (confirm): no separate CONFIRM step ran.
    expect(total(booking, 'booking_saga_steps_total', { step: 'CONFIRM' })).toBe(0);
    expect(total(booking, 'booking_saga_steps_total', { result: 'failed' })).toBe(0);
    expect(total(booking, 'booking_saga_takeovers_total')).toBe(0);
    const schedule = samples('schedule');
    expect(total(schedule, 'schedule_seats_held_total', { cabin: 'economy' })).toBe(1);
    expect(total(schedule, 'schedule_seats_sold_total', { cabin: 'economy' })).toBe(1);
    const search = samples('search');
    expect(total(search, 'search_searches_total', { outcome: 'complete' })).toBe(1);
    expect(total(search, 'search_searches_total', { outcome: 'partial' })).toBe(0);
    const results = total(search, 'search_results_total');
    expect(results).toBeGreaterThan(1);
    expect(total(search, 'search_results_total', { priced: 'true' })).toBe(results);
    expect(total(search, 'search_pricing_calls_total')).toBeGreaterThan(0);
    const lag = search.find((s) => s.name === 'search_feed_lag')!;
    expect(lag.value).toBeGreaterThanOrEqual(0);
    expect(lag.value).toBeLessThan(600); // seconds: an age, not a timestamp
  });

  it('exports every metric the dashboard queries', () => {
    const exported = new Set([...scraped.values()].flatMap((s) => s.samples.map((x) => x.name)));
    // Series Prometheus makes itself.
    const notFromServices = new Set(['up']);
    const queried = new Map<string, string[]>();
    for (const { panel, expr } of dashboardQueries(readDashboard()))
      for (const name of metricNames(expr))
        queried.set(name, [...(queried.get(name) ?? []), panel]);
    expect(queried.size).toBeGreaterThan(15);
    for (const [name, panels] of queried) {
      if (notFromServices.has(name)) continue;
      expect(exported.has(name), `${name} (panels: ${panels.join(', ')})`).toBe(true);
    }
  });

  it('registers no metrics port for a process that serves none', async () => {
    const port = await freePort();
    const quiet = launch('services/pricing/main.ts', {
      PORT: String(port),
      METRICS_PORT: '0',
      DATABASE_URL: databases[1]!.url,
    });
    const [instance] = await waitPassing(consul, 'pricing', (l) =>
      l.some((i) => i.Service.Port === port),
    ).then((l) => l.filter((i) => i.Service.Port === port));
    expect(instance!.Service.Meta[METRICS_META_KEY]).toBeUndefined();
    await quiet.stop();
  });
});
