/**
 * Saga takeover and fencing (issue 17, items 1 and 3): two booking processes on one PostgreSQL
 * database; the one running a saga is paused (SIGSTOP) mid-step; the client's retry with the same
 * key reaches the other, which takes the saga over once the lease runs out and answers with the
 * outcome. The paused runner is resumed (SIGCONT) and must not act on the saga again.
 * Schedule is reached through a proxy that can hold a call back: the paused runner's HoldSeats
 * lands only when the test lets it go.
 */
import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingServiceService, BookingStatus } from '../../gen/ts/flights/v1/booking.js';
import { Cabin, PassengerType } from '../../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { createClient, type ServiceClient } from '../../platform/clients.js';
import { startFaultProxy, type FaultProxy } from '../../test/support/fault-proxy.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import { freePort, spawnEntry, type Spawned } from '../../test/support/processes.js';
import {
  flightIdsOn,
  failure,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { testDate } from '../../test/support/dates.js';

type Booking = ServiceClient<typeof BookingServiceService>;
interface Instance {
  proc: Spawned;
  client: Booking;
}

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let proxy: FaultProxy;
let db: TestDatabase;
let admin: pg.Client;
let a: Instance;
let b: Instance;
const flights: string[] = [];

async function startInstance(): Promise<Instance> {
  const port = await freePort();
  const proc = spawnEntry('services/booking/main.ts', {
    PORT: String(port),
    DATABASE_URL: db.url,
    SCHEDULE_ADDR: proxy.address,
    PRICING_ADDR: pricing.address,
    SAGA_RETRY_LIMIT_MS: '3000',
    SAGA_RETRY_INITIAL_MS: '50',
    SAGA_RETRY_MAX_MS: '200',
    LOG_LEVEL: 'info',
  });
  await proc.waitForLine((l) => l.includes('ready: serving'), 60_000);
  const client = createClient(BookingServiceService, {
    target: `dns:///127.0.0.1:${port}`,
    defaultDeadlineMs: 30_000,
  });
  return { proc, client };
}

/** HoldSeats calls at the proxy, and a way to hold the next one back until let go. */
let holdCalls = 0;
let heldBack: { seen: () => void; release: Promise<void> } | null = null;

function holdNextHoldSeats() {
  let seen!: () => void;
  let letGo!: () => void;
  const arrived = new Promise<void>((r) => (seen = r));
  const release = new Promise<void>((r) => (letGo = r));
  heldBack = { seen, release };
  return { arrived, letGo };
}

beforeAll(async () => {
  schedule = await startSchedule('postgres');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  proxy = await startFaultProxy(ScheduleServiceService, schedule.address);
  proxy.gates.set('holdSeats', () => {
    holdCalls++;
    const gate = heldBack;
    heldBack = null;
    gate?.seen();
    return gate?.release;
  });
  db = await createTestDatabase('booking_takeover');
  [a, b] = [await startInstance(), await startInstance()];
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  flights.push(...(await flightIdsOn(schedule, 'LHR', 'JFK', testDate(1), testDate(11))));
}, 180_000);

afterAll(async () => {
  for (const i of [a, b]) {
    if (!i) continue;
    i.client.close();
    await i.proc.stop();
  }
  await admin?.end();
  await db?.drop();
  await proxy?.close();
  await pricing?.stop();
  await schedule?.stop();
});

async function seats(flightId: string) {
  const { flights: found } = await schedule.client.getAvailability({ flightIds: [flightId] });
  return found[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
}

async function bookingRequest(flightId: string, key: string) {
  const { quote } = await pricing.client.createQuote({
    flightIds: [flightId],
    passengers: { adults: 1, children: 0, infants: 0 },
    cabin: Cabin.CABIN_ECONOMY,
    requestId: '',
  });
  return {
    idempotencyKey: key,
    quoteId: quote!.quoteId,
    customerId: 'paused',
    passengers: [
      {
        givenName: 'Ada',
        familyName: 'Lovelace',
        type: PassengerType.PASSENGER_TYPE_ADULT,
        dateOfBirth: '1985-12-10',
      },
    ],
    contactEmail: 'ada@example.com',
  };
}

const row = async (key: string) =>
  (
    await admin.query<{ status: string; step: string; lease_epoch: string }>(
      'SELECT status, step, lease_epoch FROM bookings WHERE idempotency_key = $1',
      [key],
    )
  ).rows;

/** Pauses A while its saga's HoldSeats is in flight; returns A's own pending answer. */
async function pauseRunnerMidHold(key: string, flightId: string) {
  const request = await bookingRequest(flightId, key);
  const { arrived, letGo } = holdNextHoldSeats();
  const first = a.client.createBooking(request).then(
    (r) => r,
    (err: unknown) => err,
  );
  await arrived;
  a.proc.pause();
  return { request, first, letGo };
}

describe('a booking instance paused mid-saga', () => {
  it('is taken over: the client retrying on the other instance gets the outcome, and the paused runner, resumed, is fenced off', async () => {
    const flightId = flights.shift()!;
    const before = await seats(flightId);
    const { request, first, letGo } = await pauseRunnerMidHold('takeover-1', flightId);
    try {
      // The client's retry (same key, same body) on B: the final outcome, within its budget.
      const { booking } = await b.client.createBooking(request, { deadlineMs: 10_000 });
      expect(booking!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
    } finally {
      letGo(); // A's HoldSeats now lands (the hold exists: it answers CONFIRMED)
      a.proc.resume();
    }
    await a.proc.waitForLine((l) => l.includes('saga lease lost to another runner'), 30_000);
    const answered = await first;
    expect(answered).toMatchObject({ booking: { status: BookingStatus.BOOKING_STATUS_CONFIRMED } });
    const rows = await row('takeover-1');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'CONFIRMED', step: 'DONE' });
    expect(Number(rows[0]!.lease_epoch)).toBeGreaterThan(1); // B's claim, not A's
    const after = await seats(flightId);
    expect([after.sold, after.held]).toEqual([before.sold + 1, before.held]);
  }, 120_000);

  it('cannot hold seats for a booking the other instance compensated while it was paused', async () => {
    const flightId = flights.shift()!;
    const before = await seats(flightId);
    const { request, first, letGo } = await pauseRunnerMidHold('takeover-2', flightId);
    try {
      // Schedule fails every HoldSeats now: B, having taken over, retries until the retry limit,
      // then compensates (ReleaseSeats of a hold id never held) and fails the booking.
      proxy.failing.add('holdSeats');
      const failed = await failure(b.client.createBooking(request, { deadlineMs: 20_000 }));
      expect([failed.code, failed.reason]).toEqual([
        status.FAILED_PRECONDITION,
        'DEPENDENCY_UNAVAILABLE',
      ]);
    } finally {
      proxy.failing.delete('holdSeats');
      letGo(); // A's stale HoldSeats lands after the release: refused
      a.proc.resume();
    }
    await first;
    // The seats go back after the failure is answered (compensation may wait for schedule).
    while ((await row('takeover-2'))[0]!.step !== 'DONE')
      await new Promise((r) => setTimeout(r, 100));
    expect(await row('takeover-2')).toMatchObject([{ status: 'FAILED', step: 'DONE' }]);
    const after = await seats(flightId);
    expect([after.sold, after.held]).toEqual([before.sold, before.held]);
    expect(holdCalls).toBeGreaterThan(0);
  }, 120_000);
});
