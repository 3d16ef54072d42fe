import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, type Flight } from '../gen/ts/flights/v1/common.js';
import { PricingServiceService, type FlightToPrice } from '../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { HealthService } from '../gen/ts/grpc/health/v1/health.js';
import { createClient } from '../platform/clients.js';
import { ConsulCertificates } from '../platform/connect-ca.js';
import { createLogger } from '../platform/logger.js';
import { meshChannelCredentials } from '../platform/mtls.js';
import { rotateConnectCa, startConsul, waitPassing, type ConsulAgent } from './support/consul.js';
import type { PricingInternals } from '../services/pricing/service.js';
import { startPricing, type PricingFixture } from './support/pricing.js';
import { startSchedule, TEST_START_DATE, type ScheduleFixture } from './support/schedule.js';
import { toolPath } from './support/tools.js';

const log = createLogger('mtls-test', 'silent');

/** Sets one intention source → destination through Consul's HTTP API. */
async function intention(consul: ConsulAgent, source: string, destination: string, action: string) {
  const res = await fetch(
    `${consul.address}/v1/connect/intentions/exact?source=${source}&destination=${destination}`,
    { method: 'PUT', body: JSON.stringify({ Action: action }) },
  );
  expect(res.ok).toBe(true);
}

/** The gRPC status code a call ends with (OK when it succeeds). */
const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => grpc.status.OK,
    (err: grpc.ServiceError) => err.code,
  );

/** Repeats `probe` until it gives `want` (decisions are cached for a second). */
async function eventually(probe: () => Promise<grpc.status>, want: grpc.status) {
  let last: grpc.status | undefined;
  for (let i = 0; i < 100; i++) {
    last = await probe();
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(grpc.status[last!]).toBe(grpc.status[want]);
}

/** The serial of the leaf a server presents on a new TLS connection. */
function servedSerial(port: number, client: { ca: string; cert: string; key: string }) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: client.ca,
      cert: client.cert,
      key: client.key,
      ALPNProtocols: ['h2'],
      checkServerIdentity: () => undefined,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/**
 * mTLS and intentions with the real parts: a real Consul dev agent (its built-in CA), real
 * schedule and pricing services registered in it, and clients that present a leaf from that CA,
 * none, or one from another Consul's CA.
 */
describe('mesh mTLS and intentions (Consul CA)', () => {
  let consul: ConsulAgent;
  let foreign: ConsulAgent;
  let schedule: ScheduleFixture;
  let pricing: PricingFixture;
  const certs: ConsulCertificates[] = [];
  const clients: Array<{ close(): void }> = [];

  async function identity(agent: ConsulAgent, name: string) {
    const c = new ConsulCertificates(agent.address, name, log);
    certs.push(c);
    await c.start();
    return c;
  }

  function scheduleClient(credentials: grpc.ChannelCredentials) {
    const client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${schedule.running.port}`,
      defaultDeadlineMs: 5_000,
      credentials,
    });
    clients.push(client);
    return client;
  }

  /** The first JFK→LHR flight of the test calendar's first day, listed as `caller`. */
  async function firstJfkLhr(caller: ConsulCertificates): Promise<Flight> {
    for await (const { flight } of scheduleClient(
      meshChannelCredentials(caller, 'schedule'),
    ).listFlights({
      origin: 'JFK',
      destination: 'LHR',
      fromDate: TEST_START_DATE,
      toDate: TEST_START_DATE,
      includeCancelled: false,
    }))
      return flight!;
    throw new Error('no JFK→LHR flight listed');
  }

  beforeAll(async () => {
    [consul, foreign] = await Promise.all([startConsul(), startConsul()]);
    const env = { CONSUL_HTTP_ADDR: consul.address, CONSUL_CHECK_INTERVAL: '500ms' };
    schedule = await startSchedule('postgres', env);
    // Pricing asks schedule on every quote (no seat feeds), so each quote below is a fresh
    // pricing → schedule call that the intention governs; an open feed stream would not be.
    pricing = await startPricing('127.0.0.1:1', { env: { ...env, AVAILABILITY_MAX_LAG_MS: '0' } });
    await waitPassing(consul, 'schedule', (i) => i.length === 1);
    await waitPassing(consul, 'pricing', (i) => i.length === 1);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const c of certs) c.close();
    await pricing?.stop();
    await schedule?.stop();
    await Promise.all([consul?.stop(), foreign?.stop()]);
  });

  it("passes Consul's gRPC health check over TLS", async () => {
    const [instance] = await waitPassing(consul, 'schedule', (i) => i.length === 1);
    expect(instance!.Checks.find((c) => c.Type === 'grpc')?.Status).toBe('passing');
  });

  it('answers a caller with a mesh certificate', async () => {
    const client = scheduleClient(
      meshChannelCredentials(await identity(consul, 'bff'), 'schedule'),
    );
    const airport = await client.getAirport({ iataCode: 'JFK' });
    expect(airport.airport?.iataCode).toBe('JFK');
  });

  it('refuses a plaintext client, on every service', async () => {
    for (const port of [schedule.running.port, pricing.running.port]) {
      const client = createClient(HealthService, {
        target: `dns:///127.0.0.1:${port}`,
        defaultDeadlineMs: 2_000,
      });
      clients.push(client);
      expect(grpc.status[await codeOf(client.check({ service: '' }))]).toBe('UNAVAILABLE');
    }
  });

  it('refuses a client whose certificate comes from another CA, on every service', async () => {
    const ours = await identity(consul, 'probe');
    const theirs = (await identity(foreign, 'bff')).current;
    // Trusts our roots (so the handshake gets as far as the server's check of the client) but
    // presents a leaf for "bff" signed by the other Consul's CA.
    const credentials = grpc.credentials.createSsl(
      Buffer.from(ours.current.ca),
      Buffer.from(theirs.key),
      Buffer.from(theirs.cert),
      { checkServerIdentity: () => undefined },
    );
    const schedules = scheduleClient(credentials);
    expect(grpc.status[await codeOf(schedules.getAirport({ iataCode: 'JFK' }))]).toBe(
      'UNAUTHENTICATED',
    );
    const prices = createClient(PricingServiceService, {
      target: `dns:///127.0.0.1:${pricing.running.port}`,
      defaultDeadlineMs: 5_000,
      credentials,
    });
    clients.push(prices);
    expect(grpc.status[await codeOf(prices.getQuote({ quoteId: 'q-1' }))]).toBe('UNAUTHENTICATED');
  });

  it('refuses a client that presents no certificate (health stays open for Consul)', async () => {
    const ca = (await identity(consul, 'probe2')).current.ca;
    const credentials = grpc.credentials.createSsl(Buffer.from(ca), null, null, {
      checkServerIdentity: () => undefined,
    });
    const client = scheduleClient(credentials);
    expect(grpc.status[await codeOf(client.getAirport({ iataCode: 'JFK' }))]).toBe(
      'UNAUTHENTICATED',
    );
    const health = createClient(HealthService, {
      target: `dns:///127.0.0.1:${schedule.running.port}`,
      defaultDeadlineMs: 5_000,
      credentials,
    });
    clients.push(health);
    expect(grpc.status[await codeOf(health.check({ service: '' }))]).toBe('OK');
  });

  it('an intention deny blocks a real call between services; allow restores it, no restarts', async () => {
    const bff = await identity(consul, 'bff');
    const quotes = createClient(PricingServiceService, {
      target: `dns:///127.0.0.1:${pricing.running.port}`,
      defaultDeadlineMs: 10_000,
      credentials: meshChannelCredentials(bff, 'pricing'),
    });
    clients.push(quotes);
    const { flightId } = await firstJfkLhr(bff);
    let attempt = 0;
    const quote = () =>
      codeOf(
        quotes.createQuote({
          flightIds: [flightId],
          passengers: { adults: 1, children: 0, infants: 0 },
          cabin: Cabin.CABIN_ECONOMY,
          requestId: `mtls-${attempt++}`,
        }),
      );
    // pricing → schedule (pricing asks schedule for the load factor) and bff → pricing.
    await eventually(quote, grpc.status.OK);
    await intention(consul, 'pricing', 'schedule', 'deny');
    await eventually(quote, grpc.status.PERMISSION_DENIED);
    await intention(consul, 'pricing', 'schedule', 'allow');
    await eventually(quote, grpc.status.OK);
    await intention(consul, 'bff', 'pricing', 'deny');
    await eventually(quote, grpc.status.PERMISSION_DENIED);
  });

  it('prices from the flights search sends, never from another caller’s (those are asked of schedule)', async () => {
    // A pricing that follows schedule's feeds (the suite's own asks schedule every time).
    const internals: PricingInternals = {};
    const feeding = await startPricing('127.0.0.1:1', {
      env: { CONSUL_HTTP_ADDR: consul.address, CONSUL_CHECK_INTERVAL: '500ms' },
      internals,
    });
    try {
      while (!internals.cache?.pricesFromHints) await new Promise((r) => setTimeout(r, 50));
      const as = async (name: string) => {
        const client = createClient(PricingServiceService, {
          target: `dns:///127.0.0.1:${feeding.running.port}`,
          defaultDeadlineMs: 10_000,
          credentials: meshChannelCredentials(await identity(consul, name), 'pricing'),
        });
        clients.push(client);
        return client;
      };
      const [search, human] = [await as('search'), await as('grpcurl')];
      const real = await firstJfkLhr(await identity(consul, 'search'));
      const price = (flightId: string, flights: FlightToPrice[]) => ({
        itineraries: [{ key: 'k', flightIds: [flightId] }],
        passengers: { adults: 1, children: 0, infants: 0 },
        cabin: Cabin.CABIN_ECONOMY,
        flights,
      });
      // Its aircraft's layout, learnt from schedule's answer.
      await search.priceItineraries(price(real.flightId, []));
      // A flight schedule does not have, at a distance of 1 km.
      const madeUp: FlightToPrice = {
        flightId: `ZZ999-${TEST_START_DATE}`,
        departureTime: real.departureTime,
        distanceKm: 1,
        aircraftCode: real.aircraftCode,
      };
      const fromSearch = await search.priceItineraries(price(madeUp.flightId, [madeUp]));
      expect(fromSearch.itineraries[0]!.price).toBeDefined(); // search is taken at its word
      expect(await codeOf(human.priceItineraries(price(madeUp.flightId, [madeUp])))).toBe(
        grpc.status.NOT_FOUND,
      );
    } finally {
      await feeding.stop();
    }
  });

  it('lets grpcurl in with a client certificate from the mesh CA (as the README shows)', async () => {
    const human = (await identity(consul, 'grpcurl')).current;
    const dir = mkdtempSync(path.join(tmpdir(), 'mtls-grpcurl-'));
    writeFileSync(path.join(dir, 'grpcurl.pem'), human.cert);
    writeFileSync(path.join(dir, 'grpcurl-key.pem'), human.key);
    const { stdout } = await promisify(execFile)(toolPath('grpcurl'), [
      '-insecure',
      '-cert',
      path.join(dir, 'grpcurl.pem'),
      '-key',
      path.join(dir, 'grpcurl-key.pem'),
      '-d',
      '{"iata_code":"SIN"}',
      `127.0.0.1:${schedule.running.port}`,
      'flights.v1.ScheduleService/GetAirport',
    ]);
    expect(stdout).toContain('"iataCode": "SIN"');
  });

  it('serves a rotated leaf (a new CA root) without a restart, and keeps answering', async () => {
    const probe = await identity(consul, 'rotation-probe');
    const before = await servedSerial(schedule.running.port, probe.current);
    // A new root key: Consul's built-in CA rotates to a root made from it (cross-signed), and
    // re-issues every leaf; the blocking queries bring the new leaf and roots to the services.
    await rotateConnectCa(consul);
    let after = before;
    for (let i = 0; i < 900 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await servedSerial(schedule.running.port, probe.current).catch(() => before);
    }
    expect(after).not.toBe(before);
    const client = scheduleClient(
      meshChannelCredentials(await identity(consul, 'bff'), 'schedule'),
    );
    await eventually(() => codeOf(client.getAirport({ iataCode: 'LHR' })), grpc.status.OK);
  });
});
