/**
 * Pricing quotes only journeys search would offer: flights that connect where and when the
 * shared rule says (flights/connections.ts), against a real schedule service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, type Flight } from '../../gen/ts/flights/v1/common.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import {
  expectInvalidField,
  failure,
  flightIdsOn,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { testDate } from '../../test/support/dates.js';

const adult = { adults: 1, children: 0, infants: 0 };

let schedule: ScheduleFixture;
let pricing: PricingFixture;

beforeAll(async () => {
  schedule = await startSchedule('postgres');
  pricing = await startPricing(schedule.address, { env: { AVAILABILITY_MAX_LAG_MS: '0' } });
});

afterAll(async () => {
  await pricing?.stop();
  await schedule?.stop();
});

/** CreateQuote for one economy adult on these flights. */
const quoteOf = (flightIds: string[]) =>
  pricing.client.createQuote({
    flightIds,
    passengers: adult,
    cabin: Cabin.CABIN_ECONOMY,
    requestId: '',
  });

describe('connections in a quote', () => {
  it('prices a connection as one itinerary and rejects flights that do not connect', async () => {
    const flights = await flightIdsOn(schedule, 'LHR', 'FRA', testDate(9), testDate(9));
    const inbound = await flightIdsOn(schedule, 'JFK', 'LHR', testDate(8), testDate(8));
    const { flights: facts } = await schedule.client.getAvailability({
      flightIds: [...inbound, ...flights],
    });
    // The rule search offers connections by (flights/connections.ts): at Heathrow at least 90
    // minutes, and at most 24 hours.
    const gapMinutes = (a: Flight, b: Flight) =>
      (b.departureTime!.getTime() - a.arrivalTime!.getTime()) / 60_000;
    const arrivals = facts.filter((f) => f.flight!.origin === 'JFK').map((f) => f.flight!);
    const departures = facts.filter((f) => f.flight!.origin === 'LHR').map((f) => f.flight!);
    const pairWith = (ok: (gap: number) => boolean) => {
      for (const a of arrivals)
        for (const d of departures) if (ok(gapMinutes(a, d))) return [a, d] as const;
      throw new Error('the test timetable has no such pair');
    };
    const [arrive, onward] = pairWith((gap) => gap >= 90 && gap <= 24 * 60);
    const { quote } = await quoteOf([arrive.flightId, onward.flightId]);
    expect(quote!.segments.map((s) => s.origin)).toEqual(['JFK', 'LHR']);
    expect(quote!.price!.fareBuckets).toHaveLength(2);

    const backwards = await failure(quoteOf([onward.flightId, arrive.flightId]));
    expectInvalidField(backwards, 'flight_ids[1]');

    // Flights that do connect in place and order but not in time: a 30-minute change at
    // Heathrow, and a layover of days (both were quoted, and could be booked).
    const [landing, tooSoon] = pairWith((gap) => gap > 0 && gap < 90);
    const rushed = await failure(quoteOf([landing.flightId, tooSoon.flightId]));
    expectInvalidField(rushed, 'flight_ids[1]');
    expect(rushed.message).toContain('where a connection takes at least 90');
    const later = await flightIdsOn(schedule, 'LHR', 'FRA', testDate(11), testDate(11));
    const days = await failure(quoteOf([arrive.flightId, later[0]!]));
    expectInvalidField(days, 'flight_ids[1]');
    expect(days.message).toContain('more than the longest layover (1440 minutes)');
  });

  it('names a flight listed twice as such, not as a connection that does not work', async () => {
    const [flight] = await flightIdsOn(schedule, 'JFK', 'LHR', testDate(8), testDate(8));
    const twice = await failure(quoteOf([flight!, flight!]));
    expectInvalidField(twice, 'flight_ids[1]');
    expect(twice.message).toContain(`is listed twice (${flight!})`);
    expect(twice.message).not.toContain('connect');
  });
});
