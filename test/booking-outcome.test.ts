/**
 * What a client of `POST /api/v1/bookings` is told (issue 17, items 1 and 4), through the real
 * BFF in front of two booking processes on one PostgreSQL database: 201 only for a final outcome;
 * 202 Accepted with a Location while the outcome is not known; and a request in flight when the
 * booking instance running it is killed still gets the final outcome within its budget.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { startBff, type BffFixture } from './support/bff.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { callJson } from './support/http.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { startPricing, type PricingFixture } from './support/pricing.js';
import { freePort, spawnEntry, type Spawned } from './support/processes.js';
import { flightIdsOn, startSchedule, type ScheduleFixture } from './support/schedule.js';
import { testDate } from './support/dates.js';
import { eventually } from './support/eventually.js';

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let proxy: FaultProxy;
let db: TestDatabase;
let bff: BffFixture;
let admin: pg.Client;
const instances: Spawned[] = [];
const flights: string[] = [];

/** The next HoldSeats at the proxy is held back until let go. */
let heldBack: { seen: () => void; release: Promise<void> } | null = null;

beforeAll(async () => {
  schedule = await startSchedule('postgres');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  proxy = await startFaultProxy(ScheduleServiceService, schedule.address);
  proxy.gates.set('holdSeats', () => {
    const gate = heldBack;
    heldBack = null;
    gate?.seen();
    return gate?.release;
  });
  db = await createTestDatabase('booking_outcome');
  const ports = [await freePort(), await freePort()];
  for (const port of ports) {
    const proc = spawnEntry('services/booking/main.ts', {
      PORT: String(port),
      DATABASE_URL: db.url,
      SCHEDULE_ADDR: proxy.address,
      PRICING_ADDR: pricing.address,
      SAGA_RETRY_INITIAL_MS: '50',
      SAGA_RETRY_MAX_MS: '200',
      LOG_LEVEL: 'info',
    });
    instances.push(proc);
    await proc.waitForLine((l) => l.includes('ready: serving'), 60_000);
  }
  bff = await startBff({
    schedule: schedule.address,
    pricing: pricing.address,
    booking: ports.map((p) => `127.0.0.1:${p}`).join(','),
  });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  flights.push(...(await flightIdsOn(schedule, 'LHR', 'JFK', testDate(1), testDate(11))));
}, 180_000);

afterAll(async () => {
  await bff?.stop();
  for (const proc of instances) await proc.stop();
  await admin?.end();
  await db?.drop();
  await proxy?.close();
  await pricing?.stop();
  await schedule?.stop();
});

async function bookingCall(key: string, extraHeaders: Record<string, string> = {}) {
  const flightId = flights.shift()!;
  const quote = await callJson(bff.url, 'POST', '/api/v1/quotes', {
    body: { flightIds: [flightId], passengers: { adults: 1 }, cabin: 'economy' },
  });
  expect(quote.status).toBe(201);
  const headers = {
    authorization: `Bearer ${await bff.token('carol')}`,
    'idempotency-key': key,
    ...extraHeaders,
  };
  const body = {
    quoteId: quote.json.id,
    passengers: [
      { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
    ],
    contactEmail: 'ada@example.com',
  };
  return {
    flightId,
    headers,
    post: () => callJson(bff.url, 'POST', '/api/v1/bookings', { body, headers }),
  };
}

async function seats(flightId: string) {
  const { flights: found } = await schedule.client.getAvailability({ flightIds: [flightId] });
  return found[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
}

describe('POST /api/v1/bookings', () => {
  it('answers 202 Accepted with a Location while the outcome is not known, never 201; the Location then shows the outcome', async () => {
    const { flightId, headers, post } = await bookingCall('accepted-1', {
      'x-request-timeout': '1500',
    });
    const before = await seats(flightId);
    // The seats are taken (held and sold in one call), but booking never hears so.
    proxy.lostAnswers.add('holdSeats');
    let accepted;
    try {
      accepted = await post();
      expect(accepted.status, JSON.stringify(accepted.json)).toBe(202);
      expect(accepted.json.status).toBe('pending');
      expect(accepted.headers.get('location')).toBe(`/api/v1/bookings/${accepted.json.reference}`);
      expect(Number(accepted.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      proxy.lostAnswers.delete('holdSeats');
    }
    // Booking keeps trying: the Location shows the booking confirmed once schedule answers.
    let polled = await callJson(bff.url, 'GET', accepted.headers.get('location')!, { headers });
    while (polled.json.status === 'pending') {
      await new Promise((r) => setTimeout(r, 100));
      polled = await callJson(bff.url, 'GET', accepted.headers.get('location')!, { headers });
    }
    expect(polled.json.status).toBe('confirmed');
    const again = await post();
    expect([again.status, again.json.reference]).toEqual([201, accepted.json.reference]);
    const after = await seats(flightId);
    expect([after.sold, after.held]).toEqual([before.sold + 1, before.held]);
  }, 60_000);

  it('gives a request in flight when its booking instance is killed the final outcome: 201 confirmed', async () => {
    const { flightId, post } = await bookingCall('killed-1');
    const before = await seats(flightId);
    let seen!: () => void;
    let letGo!: () => void;
    const arrived = new Promise<void>((r) => (seen = r));
    heldBack = { seen, release: new Promise<void>((r) => (letGo = r)) };
    const recorded = instances.map((p) => p.lines.filter((l) => l.includes('booking recorded')));
    const answer = post();
    await arrived;
    // The instance that recorded the booking is the one running its saga: kill it mid-hold.
    // Its log line was written before the hold went out, but it comes through a pipe, which
    // this process may read after the proxy has seen the hold.
    const runnerNow = () =>
      instances.findIndex(
        (p, i) =>
          p.lines.filter((l) => l.includes('booking recorded')).length > recorded[i]!.length,
      );
    await eventually(() => runnerNow() >= 0);
    const runner = runnerNow();
    instances[runner]!.child.kill('SIGKILL');
    await instances[runner]!.exited;
    letGo();
    const created = await answer;
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.status).toBe('confirmed');
    const { rows } = await admin.query(
      "SELECT status FROM bookings WHERE idempotency_key = 'killed-1'",
    );
    expect(rows).toEqual([{ status: 'CONFIRMED' }]);
    const after = await seats(flightId);
    expect([after.sold, after.held]).toEqual([before.sold + 1, before.held]);
  }, 60_000);
});
