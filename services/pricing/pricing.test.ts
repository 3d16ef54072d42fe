import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, type PriceBreakdown } from '../../gen/ts/flights/v1/common.js';
import { QuoteStatus, type FlightToPrice } from '../../gen/ts/flights/v1/pricing.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import {
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { testDate } from '../../test/support/dates.js';

const adult = { adults: 1, children: 0, infants: 0 };
const sum = (p: PriceBreakdown | undefined) =>
  p!.lines.reduce((s, l) => s + l.amount!.amountMinor, 0);

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let clockOffsetMs = 0;
let transatlantic: string[]; // JFK–LHR flights, one per carrier departure, for tests to share out

beforeAll(async () => {
  schedule = await startSchedule('postgres');
  pricing = await startPricing(schedule.address, {
    now: () => new Date(Date.now() + clockOffsetMs),
    env: { AVAILABILITY_MAX_LAG_MS: '0', QUOTE_TTL_SECONDS: '900' },
  });
  transatlantic = [];
  for await (const r of schedule.client.listFlights({
    origin: 'JFK',
    destination: 'LHR',
    fromDate: testDate(1),
    toDate: testDate(7),
    includeCancelled: false,
  })) {
    transatlantic.push(r.flight!.flightId);
  }
  expect(transatlantic.length).toBeGreaterThan(10);
});

afterAll(async () => {
  await pricing?.stop();
  await schedule?.stop();
});

const take = () => transatlantic.shift()!;

describe('pricing with a real schedule service', () => {
  it('quotes an itinerary, then confirms it at the quoted price', async () => {
    const flightId = take();
    const { quote } = await pricing.client.createQuote({
      flightIds: [flightId],
      passengers: { adults: 2, children: 1, infants: 1 },
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    expect(quote!.status).toBe(QuoteStatus.QUOTE_STATUS_ACTIVE);
    expect(quote!.segments[0]!.flightId).toBe(flightId);
    expect(quote!.price!.total!.currency).toBe('USD');
    expect(quote!.price!.total!.amountMinor).toBe(sum(quote!.price));
    expect(quote!.expiresAt!.getTime() - quote!.createdAt!.getTime()).toBe(900_000);

    const confirmed = await pricing.client.confirmQuote({ quoteId: quote!.quoteId });
    expect(confirmed.quote!.price).toEqual(quote!.price);
    expect((await pricing.client.getQuote({ quoteId: quote!.quoteId })).quote!.quoteId).toBe(
      quote!.quoteId,
    );
  });

  it('returns the same quote for a retried request id and refuses the id for another request', async () => {
    const flightId = take();
    const request = {
      flightIds: [flightId],
      passengers: adult,
      cabin: Cabin.CABIN_ECONOMY,
      requestId: `retry-${flightId}`,
    };
    const [a, b] = await Promise.all([
      pricing.client.createQuote(request),
      pricing.client.createQuote(request),
    ]);
    expect(b.quote!.quoteId).toBe(a.quote!.quoteId);
    const conflict = await failure(
      pricing.client.createQuote({ ...request, cabin: Cabin.CABIN_BUSINESS }),
    );
    expect(conflict.code).toBe(status.ALREADY_EXISTS);
    expect(conflict.reason).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('prices higher as the flight fills (load factor asked of schedule)', async () => {
    const flightId = take();
    const price = async () =>
      (
        await pricing.client.priceItineraries({
          itineraries: [{ key: 'k', flightIds: [flightId] }],
          passengers: adult,
          cabin: Cabin.CABIN_FIRST,
          flights: [],
        })
      ).itineraries[0]!;
    const before = await price();
    const { flights } = await schedule.client.getAvailability({ flightIds: [flightId] });
    const first = flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_FIRST);
    if (!first) return expect(before.available).toBe(false); // an aircraft without a first cabin
    await schedule.client.holdSeats({
      holdId: `fill-${flightId}`,
      items: [{ flightId, cabin: Cabin.CABIN_FIRST, seats: Math.min(9, first.available) }],
      ttlSeconds: 60,
    });
    const after = await price();
    expect(after.price!.total!.amountMinor).toBeGreaterThan(before.price!.total!.amountMinor);
    expect(after.price!.fareBuckets[0]).not.toBe(before.price!.fareBuckets[0]);
  });

  it('refuses to quote or confirm seats that are gone, with a typed reason', async () => {
    const flightId = take();
    const { quote } = await pricing.client.createQuote({
      flightIds: [flightId],
      passengers: adult,
      cabin: Cabin.CABIN_BUSINESS,
      requestId: '',
    });
    const { flights } = await schedule.client.getAvailability({ flightIds: [flightId] });
    let left = flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_BUSINESS)!.available;
    for (let i = 0; left > 0; i++, left -= Math.min(9, left))
      await schedule.client.holdSeats({
        holdId: `soldout-${flightId}-${i}`,
        items: [{ flightId, cabin: Cabin.CABIN_BUSINESS, seats: Math.min(9, left) }],
        ttlSeconds: 60,
      });

    const confirm = await failure(pricing.client.confirmQuote({ quoteId: quote!.quoteId }));
    expect(confirm.code).toBe(status.FAILED_PRECONDITION);
    expect(confirm.reason).toBe('SOLD_OUT');
    expect(confirm.metadata.flight_id).toBe(flightId);
    const create = await failure(
      pricing.client.createQuote({
        flightIds: [flightId],
        passengers: adult,
        cabin: Cabin.CABIN_BUSINESS,
        requestId: '',
      }),
    );
    expect(create.reason).toBe('SOLD_OUT');
  });

  it('refuses to confirm a quote whose flight was retimed since: ITINERARY_CHANGED, the new time named', async () => {
    const flightId = take();
    const { quote } = await pricing.client.createQuote({
      flightIds: [flightId],
      passengers: adult,
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    const quoted = quote!.segments[0]!.departureTime!;
    const later = new Date(quoted.getTime() + 2 * 3_600_000);
    await schedule.client.retimeFlight({
      flightId,
      newDepartureTime: later,
      reason: 'crew rest',
      requestId: `retime-${flightId}`,
    });
    const confirm = await failure(pricing.client.confirmQuote({ quoteId: quote!.quoteId }));
    expect(confirm.code).toBe(status.FAILED_PRECONDITION);
    expect(confirm.reason).toBe('ITINERARY_CHANGED');
    expect(confirm.metadata).toMatchObject({
      flight_id: flightId,
      quoted_departure: quoted.toISOString(),
      departure: later.toISOString(),
    });
    // A new quote shows the new time, and confirms.
    const { quote: fresh } = await pricing.client.createQuote({
      flightIds: [flightId],
      passengers: adult,
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    expect(fresh!.segments[0]!.departureTime).toEqual(later);
    expect((await pricing.client.confirmQuote({ quoteId: fresh!.quoteId })).quote!.quoteId).toBe(
      fresh!.quoteId,
    );
  });

  it('expires a quote after its guarantee: QUOTE_EXPIRED, told apart from other failures', async () => {
    const { quote } = await pricing.client.createQuote({
      flightIds: [take()],
      passengers: adult,
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    clockOffsetMs = 901_000;
    try {
      const expired = await failure(pricing.client.confirmQuote({ quoteId: quote!.quoteId }));
      expect(expired.code).toBe(status.FAILED_PRECONDITION);
      expect(expired.reason).toBe('QUOTE_EXPIRED');
      expect((await pricing.client.getQuote({ quoteId: quote!.quoteId })).quote!.status).toBe(
        QuoteStatus.QUOTE_STATUS_EXPIRED,
      );
    } finally {
      clockOffsetMs = 0;
    }
    const missing = await failure(
      pricing.client.confirmQuote({ quoteId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.reason).toBe('QUOTE_NOT_FOUND');
  });

  it('answers bad input with INVALID_ARGUMENT naming the field', async () => {
    const base = {
      itineraries: [{ key: 'a', flightIds: [`BA1-${testDate(1)}`] }],
      passengers: adult,
      cabin: Cabin.CABIN_ECONOMY,
      flights: [] as FlightToPrice[],
    };
    const hint: FlightToPrice = {
      flightId: `BA1-${testDate(1)}`,
      departureTime: new Date(),
      distanceKm: 5_500,
      aircraftCode: '77W',
    };
    const cases: Array<[Partial<typeof base>, string]> = [
      [{ passengers: { adults: 0, children: 1, infants: 0 } }, 'passengers.adults'],
      [{ cabin: Cabin.CABIN_UNSPECIFIED }, 'cabin'],
      [{ itineraries: [{ key: 'a', flightIds: ['nope'] }] }, 'itineraries[0].flight_ids[0]'],
      [{ passengers: { adults: 1, children: 0, infants: 2 } }, 'passengers.infants'],
      [{ flights: [{ ...hint, flightId: 'nope' }] }, 'flights[0].flight_id'],
      [{ flights: [hint, { ...hint, departureTime: undefined }] }, 'flights[1].departure_time'],
      [{ flights: [{ ...hint, distanceKm: 0 }] }, 'flights[0].distance_km'],
      [{ flights: [{ ...hint, aircraftCode: '' }] }, 'flights[0].aircraft_code'],
      // An answer carries only its key: a key used twice, or none, cannot be told apart.
      [
        {
          itineraries: [
            { key: 'a', flightIds: [`BA1-${testDate(1)}`] },
            { key: 'a', flightIds: [`BA1-${testDate(2)}`] },
          ],
        },
        'itineraries[1].key',
      ],
      [{ itineraries: [{ key: '', flightIds: [`BA1-${testDate(1)}`] }] }, 'itineraries[0].key'],
    ];
    for (const [patch, field] of cases)
      expectInvalidField(
        await failure(pricing.client.priceItineraries({ ...base, ...patch })),
        field,
      );
    expectInvalidField(
      await failure(
        pricing.client.createQuote({
          flightIds: [],
          passengers: adult,
          cabin: Cabin.CABIN_ECONOMY,
          requestId: '',
        }),
      ),
      'flight_ids',
    );
    expectInvalidField(await failure(pricing.client.getQuote({ quoteId: 'x' })), 'quote_id');
    const unknown = await failure(
      pricing.client.createQuote({
        flightIds: [`ZZ9999-${testDate(1)}`],
        passengers: adult,
        cabin: Cabin.CABIN_ECONOMY,
        requestId: '',
      }),
    );
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(unknown.reason).toBe('FLIGHT_NOT_FOUND');
  });
});

describe('pricing when schedule is down', () => {
  it('degrades search pricing to the last known load factor and fails confirmation closed', async () => {
    const own = await startSchedule('embedded');
    const p = await startPricing(own.address, {
      store: 'embedded',
      env: { AVAILABILITY_MAX_LAG_MS: '0', SCHEDULE_DEADLINE_MS: '300' },
    });
    try {
      const flightIds: string[] = [];
      for await (const r of own.client.listFlights({
        origin: 'FRA',
        destination: 'SIN',
        fromDate: testDate(2),
        toDate: testDate(2),
        includeCancelled: false,
      }))
        flightIds.push(r.flight!.flightId);
      const request = {
        itineraries: [{ key: 'known', flightIds: [flightIds[0]!] }],
        passengers: adult,
        cabin: Cabin.CABIN_ECONOMY,
        flights: [],
      };
      const fresh = await p.client.priceItineraries(request);
      expect(fresh.degraded).toBe(false);
      const { quote } = await p.client.createQuote({
        flightIds: [flightIds[0]!],
        passengers: adult,
        cabin: Cabin.CABIN_ECONOMY,
        requestId: '',
      });

      await own.stop();

      const degraded = await p.client.priceItineraries({
        ...request,
        itineraries: [...request.itineraries, { key: 'never-seen', flightIds: [flightIds[1]!] }],
      });
      expect(degraded.degraded).toBe(true);
      expect(degraded.itineraries[0]!.price).toEqual(fresh.itineraries[0]!.price);
      expect(degraded.itineraries[1]!.price).toBeUndefined();

      const confirm = await failure(p.client.confirmQuote({ quoteId: quote!.quoteId }));
      expect(confirm.code).toBe(status.UNAVAILABLE);
      expect(confirm.reason).toBe('DEPENDENCY_UNAVAILABLE');
    } finally {
      await p.stop();
    }
  });
});
