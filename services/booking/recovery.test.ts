import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingServiceService } from '../../gen/ts/flights/v1/booking.js';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { createClient } from '../../platform/clients.js';
import { bookingRequest } from '../../test/support/booking.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import { freePort, spawnEntry } from '../../test/support/processes.js';
import { flightIdsOn, startSchedule, type ScheduleFixture } from '../../test/support/schedule.js';
import { testDate } from '../../test/support/dates.js';

/** The booking process killed mid-saga and started again, against real schedule and pricing. */
let schedule: ScheduleFixture;
let pricing: PricingFixture;
const flights: string[] = [];

beforeAll(async () => {
  schedule = await startSchedule('postgres');
  pricing = await startPricing(schedule.address, { env: { SCHEDULE_DEADLINE_MS: '60000' } });
  flights.push(...(await flightIdsOn(schedule, 'LHR', 'JFK', testDate(1), testDate(11))));
});

afterAll(async () => {
  await pricing?.stop();
  await schedule?.stop();
});

async function quote(flightId: string) {
  return (
    await pricing.client.createQuote({
      flightIds: [flightId],
      passengers: { adults: 1, children: 0, infants: 0 },
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    })
  ).quote!;
}

async function seats(flightId: string) {
  const {
    flights: [f],
  } = await schedule.client.getAvailability({ flightIds: [flightId] });
  return f!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
}

describe('booking crash recovery', () => {
  it('finishes or compensates every saga after a SIGKILL mid-flight; seat counts match the bookings', async () => {
    const db = await createTestDatabase('booking_crash');
    const port = await freePort();
    const env = {
      PORT: String(port),
      DATABASE_URL: db.url,
      SCHEDULE_ADDR: schedule.address,
      PRICING_ADDR: pricing.address,
      SAGA_LEASE_MS: '1000',
      RECOVERY_INTERVAL_MS: '200',
      LOG_LEVEL: 'info',
    };
    const client = createClient(BookingServiceService, {
      target: `dns:///127.0.0.1:${port}`,
      defaultDeadlineMs: 30_000,
    });
    const flightIds = flights.splice(0, 3);
    const before = await Promise.all(flightIds.map((f) => seats(f)));
    try {
      let proc = spawnEntry('services/booking/main.ts', env);
      await proc.waitForLine((l) => l.includes('ready: serving'), 60_000);
      const quotes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => quote(flightIds[i % 3]!)),
      );
      const calls = quotes.map((q, i) =>
        client
          .createBooking(
            bookingRequest(q.quoteId, { idempotencyKey: `crash-${i}`, customerId: 'crash' }),
          )
          .catch(() => null),
      );
      // Kill it while sagas are in flight: some done, some recorded but not held, some held.
      await proc.waitForLine((l) => l.includes('booking recorded'), 30_000);
      await sleep(150);
      proc.child.kill('SIGKILL');
      await proc.exited;
      await Promise.all(calls);

      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      // The kill must have cut sagas short, or this test would prove nothing.
      const cut = (
        await admin.query<{ step: string; n: string }>(
          'SELECT step, count(*) AS n FROM bookings GROUP BY step',
        )
      ).rows;
      expect(
        cut.filter((r) => r.step !== 'DONE').reduce((n, r) => n + Number(r.n), 0),
      ).toBeGreaterThan(0);
      proc = spawnEntry('services/booking/main.ts', env);
      try {
        const until = Date.now() + 60_000;
        let unfinished = -1;
        while (Date.now() < until) {
          unfinished = Number(
            (await admin.query("SELECT count(*) AS n FROM bookings WHERE step <> 'DONE'")).rows[0]
              .n,
          );
          if (unfinished === 0) break;
          await sleep(200);
        }
        expect(unfinished).toBe(0);
        const rows = (
          await admin.query<{ status: string; flight: string }>(
            "SELECT status, body->'holdItems'->0->>'flightId' AS flight FROM bookings",
          )
        ).rows;
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => ['CONFIRMED', 'FAILED', 'CANCELLED'].includes(r.status))).toBe(
          true,
        );
        const after = await Promise.all(flightIds.map((f) => seats(f)));
        flightIds.forEach((f, i) => {
          const confirmed = rows.filter((r) => r.flight === f && r.status === 'CONFIRMED').length;
          expect(after[i]!.sold - before[i]!.sold, f).toBe(confirmed);
          expect(after[i]!.held, f).toBe(before[i]!.held);
        });
      } finally {
        await admin.end();
        await proc.stop();
      }
    } finally {
      client.close();
      await db.drop();
    }
  }, 180_000);
});
