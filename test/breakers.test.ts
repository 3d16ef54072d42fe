/**
 * Circuit breakers seen from the mesh: a real schedule and pricing, pricing behind a fault proxy
 * (a dependency that first fails, then hangs), a real search and a real booking. Once pricing's
 * breaker is open, search streams unpriced results and booking answers UNAVAILABLE with RetryInfo
 * (the BFF's 503 with Retry-After) at once: the proof of "at once" is that the hanging pricing,
 * which would have held each call for its whole deadline, receives no call at all.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, PassengerType } from '../gen/ts/flights/v1/common.js';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { PriceStatus } from '../gen/ts/flights/v1/search.js';
import { errorDetails } from '../platform/errors.js';
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
