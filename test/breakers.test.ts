/**
 * Circuit breakers seen from the mesh: a real schedule and pricing, pricing behind a fault proxy
 * (a dependency that first fails, then hangs), a real search and a real booking. Once pricing's
 * breaker is open, search streams unpriced results and booking answers UNAVAILABLE with RetryInfo
 * (the BFF's 503 with Retry-After) at once: the proof of "at once" is that the hanging pricing,
 * which would have held each call for its whole deadline, receives no call at all.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cabin, PassengerType } from '../gen/ts/flights/v1/common.js';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { PriceStatus } from '../gen/ts/flights/v1/search.js';
import { errorDetails } from '../platform/errors.js';
import { startBff, type BffFixture } from './support/bff.js';
import { callJson } from './support/http.js';
import { freePort } from './support/processes.js';
import { startBooking, type BookingFixture } from './support/booking.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { startPricing, type PricingFixture } from './support/pricing.js';
import { startSchedule, type ScheduleFixture } from './support/schedule.js';
import { searchRequest, startSearch, type SearchFixture } from './support/search.js';
import { testDate } from './support/dates.js';

/** Opens after 3 sampled calls of which half failed; stays open for the whole test. */
const BREAKER_ENV = {
  BREAKER_WINDOW_MS: '60000',
  BREAKER_MIN_RPS: '0.05',
  BREAKER_FAILURE_RATIO: '0.5',
  BREAKER_HALF_OPEN_AFTER_MS: '600000',
};
/** What a hanging pricing would cost per call without the breaker. */
const HANG_MS = 120_000;

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let proxy: FaultProxy;

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  proxy = await startFaultProxy(PricingServiceService, pricing.address);
});
afterAll(async () => {
  await proxy?.close();
  await pricing?.stop();
  await schedule?.stop();
});

const received = (method: string) => proxy.received.get(method) ?? 0;

describe('search while pricing’s breaker is open', () => {
  let search: SearchFixture;
  beforeAll(async () => {
    search = await startSearch(
      { schedule: schedule.address, pricing: proxy.address },
      { ...BREAKER_ENV, SEARCH_DAYS: '6', PRICING_TIMEOUT_MS: String(HANG_MS) },
    );
  });
  afterAll(async () => {
    await search?.stop();
    proxy.failing.delete('priceItineraries');
    proxy.delays.delete('priceItineraries');
  });

  async function run(deadlineMs: number) {
    const itineraries = [];
    for await (const r of search.client.searchItineraries(searchRequest(), { deadlineMs }))
      if (r.itinerary) itineraries.push(r.itinerary);
    return itineraries;
  }

  it('streams unpriced results without calling pricing', async () => {
    proxy.failing.add('priceItineraries');
    // Failing searches until the breaker has seen enough failures to open.
    for (let i = 0; i < 3; i++) await run(60_000);
    expect(received('priceItineraries')).toBeGreaterThan(0);

    // Pricing now hangs: each call would take HANG_MS. The search still completes, unpriced,
    // within a deadline far shorter than that, and pricing never sees a call.
    proxy.failing.delete('priceItineraries');
    proxy.delays.set('priceItineraries', HANG_MS);
    const before = received('priceItineraries');
    const itineraries = await run(HANG_MS / 4);
    expect(itineraries.length).toBeGreaterThan(0);
    for (const i of itineraries) expect(i.priceStatus).toBe(PriceStatus.PRICE_STATUS_UNPRICED);
    expect(received('priceItineraries')).toBe(before);
  });
});

describe('booking while pricing’s breaker is open', () => {
  let booking: BookingFixture;
  let keys = 0;
  beforeAll(async () => {
    booking = await startBooking(
      { schedule: schedule.address, pricing: proxy.address },
      { store: 'embedded', env: { ...BREAKER_ENV, DOWNSTREAM_DEADLINE_MS: String(HANG_MS) } },
    );
  });
  afterAll(async () => {
    await booking?.stop();
    proxy.failing.delete('confirmQuote');
    proxy.delays.delete('confirmQuote');
  });

  async function book() {
    const flights = [];
    for await (const r of schedule.client.listFlights({
      origin: 'LHR',
      destination: 'JFK',
      fromDate: testDate(1),
      toDate: testDate(1),
      includeCancelled: false,
    }))
      flights.push(r.flight!.flightId);
    const { quote } = await pricing.client.createQuote({
      flightIds: [flights[0]!],
      passengers: { adults: 1, children: 0, infants: 0 },
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    return booking.client
      .createBooking(
        {
          idempotencyKey: `breaker-${++keys}-${Date.now()}`,
          quoteId: quote!.quoteId,
          customerId: 'alice',
          passengers: [
            {
              givenName: 'Ada',
              familyName: 'Lovelace',
              type: PassengerType.PASSENGER_TYPE_ADULT,
              dateOfBirth: '1985-12-10',
            },
          ],
          contactEmail: 'ada@example.com',
        },
        { deadlineMs: HANG_MS / 4 },
      )
      .then(
        () => undefined,
        (err: unknown) => errorDetails(err),
      );
  }

  it('answers UNAVAILABLE with a retry delay without calling pricing', async () => {
    proxy.failing.add('confirmQuote');
    for (let i = 0; i < 3; i++) expect((await book())?.code).toBe(status.UNAVAILABLE);

    proxy.failing.delete('confirmQuote');
    proxy.delays.set('confirmQuote', HANG_MS);
    const before = received('confirmQuote');
    const answer = await book();
    expect(answer?.code).toBe(status.UNAVAILABLE);
    expect(answer?.retryDelayMs).toBeGreaterThan(0);
    expect(received('confirmQuote')).toBe(before);
  });
});

describe('the BFF while pricing is down', () => {
  let port: number;
  let down: PricingFixture | undefined;
  let bff: BffFixture;
  let flightId: string;
  beforeAll(async () => {
    port = await freePort();
    down = await startPricing(schedule.address, { store: 'embedded', env: { PORT: String(port) } });
    // The same runtime and client factory as bff/main.ts: its breaker for pricing is the one
    // under test. Half-open after 2 s: long enough to see refusals, short enough to recover.
    bff = await startBff(
      { schedule: schedule.address, pricing: `127.0.0.1:${port}` },
      { ...BREAKER_ENV, BREAKER_HALF_OPEN_AFTER_MS: '2000' },
    );
    for await (const r of schedule.client.listFlights({
      origin: 'LHR',
      destination: 'JFK',
      fromDate: testDate(2),
      toDate: testDate(2),
      includeCancelled: false,
    }))
      flightId ??= r.flight!.flightId;
  });
  afterAll(async () => {
    await bff?.stop();
    await down?.stop();
  });

  const quote = () =>
    callJson(bff.url, 'POST', '/api/v1/quotes', {
      body: { flightIds: [flightId], passengers: { adults: 1 }, cabin: 'economy' },
    });

  it('answers 503 problem+json with Retry-After at once, refused by its breaker, and recovers through the half-open probe', async () => {
    expect((await quote()).status).toBe(201);
    await down!.stop();
    down = undefined;

    // Calls fail (nothing listens) until the breaker opens; from then on they are refused
    // without being sent: the answer says so, and when to try again.
    const refused = await vi.waitFor(
      async () => {
        const r = await quote();
        expect(r.status).toBe(503);
        expect(r.json.metadata).toEqual({ dependency: 'pricing', refusedBy: 'circuit_breaker' });
        return r;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.json).toMatchObject({
      type: 'https://flight-mesh.dev/problems/dependency-unavailable',
      status: 503,
      reason: 'DEPENDENCY_UNAVAILABLE',
    });

    // Pricing back on its address: once the half-open delay has passed, a probe goes through
    // and closes the breaker; quotes work again (the channel's reconnect backoff may add a few
    // seconds after a run of refused connections).
    down = await startPricing(schedule.address, { store: 'embedded', env: { PORT: String(port) } });
    await vi.waitFor(async () => expect((await quote()).status).toBe(201), {
      timeout: 60_000,
      interval: 200,
    });
    expect((await quote()).status).toBe(201);
  }, 120_000);
});
