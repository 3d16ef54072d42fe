import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, type Flight } from '../../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import type { Quote } from '../../gen/ts/flights/v1/pricing.js';
import { createClient } from '../../platform/clients.js';
import { errorDetails } from '../../platform/errors.js';
import { startService, type RunningService } from '../../platform/service.js';
import { scheduleService } from '../schedule/service.js';
import { metricValue } from '../../test/support/metrics.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import {
  TEST_START_DATE,
  failure,
  flightIdsOn,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';
import type { PricingInternals } from './service.js';
import { testDate } from '../../test/support/dates.js';

const adult = { adults: 1, children: 0, infants: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GetAvailability calls schedules in this process have answered (this process's /metrics). */
const availabilityCalls = () =>
  metricValue('rpc_server_duration_count', { rpc_method: 'GetAvailability' });

/** Waits until pricing answers from memory (both feeds open, the seat feed caught up). */
async function untilLive(internals: PricingInternals): Promise<void> {
  while (!internals.cache?.live) await sleep(20);
}

/** Polls `read` until `done` holds of its answer (the test's timeout bounds the wait). */
async function until<T>(read: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await sleep(20);
  }
}

/** The business cabin of a flight now (capacity, sold, held). */
async function business(schedule: Pick<ScheduleFixture, 'client'>, flightId: string) {
  const { flights } = await schedule.client.getAvailability({ flightIds: [flightId] });
  return flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_BUSINESS)!;
}

/**
 * Holds business seats from `used` (sold + held now) until `share` of `capacity` is taken, in
 * holds of at most 9; asks schedule nothing else, so its GetAvailability count is pricing's.
 */
async function fill(
  schedule: Pick<ScheduleFixture, 'client'>,
  flightId: string,
  cabin: { capacity: number; used: number },
  share: number,
): Promise<void> {
  const target = Math.ceil(cabin.capacity * share);
  for (let i = 0; cabin.used < target; i++) {
    const seats = Math.min(9, target - cabin.used);
    await schedule.client.holdSeats({
      holdId: `fill-${flightId}-${share}-${i}`,
      items: [{ flightId, cabin: Cabin.CABIN_BUSINESS, seats }],
      ttlSeconds: 600,
    });
    cabin.used += seats;
  }
}

describe.each<StoreKind>(['postgres', 'embedded'])(
  'pricing from seats in memory, fed by schedule’s seat feed (%s store)',
  (store) => {
    let schedule: ScheduleFixture;
    let pricing: PricingFixture;
    const internals: PricingInternals = {};
    let flights: string[];
    beforeAll(async () => {
      schedule = await startSchedule(store);
      pricing = await startPricing(schedule.address, { store, internals });
      flights = await flightIdsOn(schedule, 'JFK', 'LHR', testDate(19), testDate(20));
      await untilLive(internals);
    });
    afterAll(async () => {
      await pricing?.stop();
      await schedule?.stop();
    });

    it('shows a seat change in the next quotes without a call to schedule per quote or price', async () => {
      const flightId = flights[0]!;
      const request = {
        itineraries: [{ key: 'k', flightIds: [flightId] }],
        passengers: adult,
        cabin: Cabin.CABIN_BUSINESS,
        flights: [],
      };
      const quote = () =>
        pricing.client.createQuote({ ...request, flightIds: [flightId], requestId: '' });
      const before = (await pricing.client.priceItineraries(request)).itineraries[0]!;
      expect(before.price!.fareBuckets).toEqual(['L']);

      const c = await business(schedule, flightId);
      const cabin = { capacity: c.capacity, used: c.sold + c.held };
      const callsBefore = await availabilityCalls();
      await fill(schedule, flightId, cabin, 0.6);
      // Visible within the feed's lag: the bucket moves up (L < 0.50 ≤ M < 0.70).
      const moved = await until(quote, (r) => r.quote!.price!.fareBuckets[0] !== 'L');
      expect(moved.quote!.price!.fareBuckets).toEqual(['M']);
      const quotes: Quote[] = [];
      for (let i = 0; i < 20; i++) {
        quotes.push((await quote()).quote!);
        const priced = (await pricing.client.priceItineraries(request)).itineraries[0]!;
        expect(priced.price!.fareBuckets).toEqual(['M']);
      }
      await pricing.client.confirmQuote({ quoteId: quotes[0]!.quoteId });

      // Sold out: confirmation refuses it once the feed has brought the seats gone.
      await fill(schedule, flightId, cabin, 1);
      const sold = await until(
        () =>
          pricing.client.confirmQuote({ quoteId: quotes[1]!.quoteId }).then(
            () => undefined,
            (err: unknown) => errorDetails(err),
          ),
        (f) => f?.reason === 'SOLD_OUT',
      );
      expect(sold!.code).toBe(status.FAILED_PRECONDITION);
      // Dozens of quotes, prices and confirmations: not one GetAvailability from pricing.
      expect(await availabilityCalls()).toBe(callsBefore);
    });

    it('prices flights it never saw from search’s hints once its copy of the seats is whole: no call to schedule, the same prices', async () => {
      // Three flights of one aircraft type: one whose layout pricing learns by asking schedule,
      // one with seats taken before this pricing instance starts, one untouched.
      const listed: Flight[] = [];
      for await (const r of schedule.client.listFlights({
        origin: 'JFK',
        destination: 'LHR',
        fromDate: testDate(21),
        toDate: testDate(25),
        includeCancelled: false,
      }))
        listed.push(r.flight!);
      const type = listed.find(
        (f) => listed.filter((g) => g.aircraftCode === f.aircraftCode).length >= 3,
      )!.aircraftCode;
      const [learn, taken, untouched] = listed.filter((f) => f.aircraftCode === type);
      const hint = (f: Flight) => ({
        flightId: f.flightId,
        departureTime: f.departureTime,
        distanceKm: f.distanceKm,
        aircraftCode: f.aircraftCode,
      });
      const c = await business(schedule, taken!.flightId);
      await fill(schedule, taken!.flightId, { capacity: c.capacity, used: c.sold + c.held }, 0.6);

      const lateInternals: PricingInternals = {};
      const late = await startPricing(schedule.address, { store, internals: lateInternals });
      try {
        await until(async () => lateInternals.cache!.pricesFromHints, Boolean);
        await late.client.priceItineraries({
          itineraries: [{ key: 'learn', flightIds: [learn!.flightId] }],
          passengers: adult,
          cabin: Cabin.CABIN_BUSINESS,
          flights: [],
        });
        const request = {
          itineraries: [
            { key: 'taken', flightIds: [taken!.flightId] },
            { key: 'untouched', flightIds: [untouched!.flightId] },
          ],
          passengers: adult,
          cabin: Cabin.CABIN_BUSINESS,
        };
        // What pricing answers from schedule's own availability (the first instance asks).
        const asked = await pricing.client.priceItineraries({ ...request, flights: [] });
        const calls = await availabilityCalls();
        const lookups = (source: string) => metricValue('pricing_flight_lookups_total', { source });
        const [hintsBefore, scheduleBefore] = [await lookups('hint'), await lookups('schedule')];
        const hinted = await late.client.priceItineraries({
          ...request,
          flights: [hint(taken!), hint(untouched!)],
        });
        expect(await availabilityCalls()).toBe(calls);
        // /metrics says so too: two flights from hints, none from schedule.
        expect(await lookups('hint')).toBe(hintsBefore + 2);
        expect(await lookups('schedule')).toBe(scheduleBefore);
        expect(hinted).toEqual(asked);
        expect(hinted.itineraries[0]!.price!.fareBuckets).not.toEqual(
          hinted.itineraries[1]!.price!.fareBuckets,
        );

        // A change is in the next answer: the untouched flight's business cabin fills up.
        const u = await business(schedule, untouched!.flightId);
        await fill(schedule, untouched!.flightId, { capacity: u.capacity, used: 0 }, 1);
        const calls2 = await availabilityCalls();
        const full = await until(
          () =>
            late.client.priceItineraries({
              ...request,
              flights: [hint(taken!), hint(untouched!)],
            }),
          (r) => !r.itineraries[1]!.available,
        );
        expect(full.itineraries[0]).toEqual(hinted.itineraries[0]);
        expect(await availabilityCalls()).toBe(calls2);
      } finally {
        await late.stop();
      }
    });
  },
);

/** A schedule on a given database and port, so it can stop and start again where it was. */
async function scheduleOn(databaseUrl: string, port: number): Promise<RunningService<never>> {
  return (await startService(scheduleService, {
    PORT: String(port),
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    SCHEDULE_START_DATE: TEST_START_DATE,
    SCHEDULE_DAYS: '30',
    HOLD_SWEEP_MS: '100',
    FEED_POLL_MS: '50',
    // Its streams (pricing's feeds) would otherwise hold a stop for the whole grace period.
    SHUTDOWN_GRACE_MS: '200',
  })) as unknown as RunningService<never>;
}

describe('pricing across a schedule restart (PostgreSQL, two schedule instances)', () => {
  it('degrades while schedule is down, then resumes the feeds exactly after their cursors', async () => {
    const db = await createTestDatabase('pricing_feed_test');
    let a = await scheduleOn(db.url, 0);
    const port = a.port;
    const b = await scheduleOn(db.url, 0);
    const viaB = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${b.port}`,
      defaultDeadlineMs: 20_000,
    });
    const internals: PricingInternals = {};
    const pricing = await startPricing(`127.0.0.1:${port}`, {
      internals,
      env: { SCHEDULE_DEADLINE_MS: '300' },
    });
    try {
      await untilLive(internals);
      const [flightId, neverSeen] = await flightIdsOn(
        { client: viaB },
        'JFK',
        'LHR',
        testDate(21),
        testDate(21),
      );
      const request = {
        itineraries: [{ key: 'k', flightIds: [flightId!] }],
        passengers: adult,
        cabin: Cabin.CABIN_BUSINESS,
        flights: [],
      };
      const before = await pricing.client.priceItineraries(request);
      expect(before.itineraries[0]!.price!.fareBuckets).toEqual(['L']);
      const connects = internals.feeds!.stats.connects.seats;

      await a.stop();
      // Schedule (the one pricing knows) is down: search pricing degrades, quotes fail closed.
      await until(
        async () => internals.cache!.live,
        (live) => !live,
      );
      const degraded = await pricing.client.priceItineraries({
        ...request,
        itineraries: [...request.itineraries, { key: 'new', flightIds: [neverSeen!] }],
      });
      expect(degraded.degraded).toBe(true);
      expect(degraded.itineraries[0]!.price).toEqual(before.itineraries[0]!.price);
      expect(degraded.itineraries[1]!.price).toBeUndefined();
      const closed = await failure(
        pricing.client.createQuote({ ...request, flightIds: [flightId!], requestId: '' }),
      );
      expect(closed.code).toBe(status.UNAVAILABLE);

      // Meanwhile seats are sold through the other instance on the same database.
      const c = await business({ client: viaB }, flightId!);
      await fill({ client: viaB }, flightId!, { capacity: c.capacity, used: c.sold + c.held }, 0.6);

      a = await scheduleOn(db.url, port);
      await until(
        async () => internals.feeds!.stats.connects.seats > connects && internals.cache!.live,
        Boolean,
      );
      const calls = await availabilityCalls();
      const after = await pricing.client.priceItineraries(request);
      // Resumed from its cursor: the change made while it was away is in memory, unasked.
      expect(after.degraded).toBe(false);
      expect(after.itineraries[0]!.price!.fareBuckets).toEqual(['M']);
      expect(await availabilityCalls()).toBe(calls);
    } finally {
      await pricing.stop();
      viaB.close();
      await a.stop();
      await b.stop();
      await db.drop();
    }
  });
});
