import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, PassengerType } from '../../gen/ts/flights/v1/common.js';
import { startBooking, type BookingFixture } from '../../test/support/booking.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import {
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';
import { testDate } from '../../test/support/dates.js';

describe.each<StoreKind>(['postgres', 'embedded'])('ListBookings paging (%s store)', (store) => {
  let schedule: ScheduleFixture;
  let pricing: PricingFixture;
  let booking: BookingFixture;
  let flightId = '';
  let keys = 0;

  beforeAll(async () => {
    schedule = await startSchedule(store);
    pricing = await startPricing(schedule.address, { store });
    booking = await startBooking(
      { schedule: schedule.address, pricing: pricing.address },
      { store },
    );
    for await (const r of schedule.client.listFlights({
      origin: 'LHR',
      destination: 'JFK',
      fromDate: testDate(19),
      toDate: '',
      includeCancelled: false,
    })) {
      flightId ||= r.flight!.flightId;
    }
  });
  afterAll(async () => {
    await booking?.stop();
    await pricing?.stop();
    await schedule?.stop();
  });

  /** A confirmed booking for the customer; its reference. */
  async function book(customerId: string): Promise<string> {
    const { quote } = await pricing.client.createQuote({
      flightIds: [flightId],
      passengers: { adults: 1, children: 0, infants: 0 },
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    const { booking: b } = await booking.client.createBooking({
      idempotencyKey: `paging-${store}-${++keys}`,
      quoteId: quote!.quoteId,
      customerId,
      passengers: [
        {
          givenName: 'Grace',
          familyName: 'Hopper',
          type: PassengerType.PASSENGER_TYPE_ADULT,
          dateOfBirth: '1906-12-09',
        },
      ],
      contactEmail: 'grace@example.com',
    });
    return b!.bookingReference;
  }

  const page = (customerId: string, pageSize: number, pageToken = '') =>
    booking.client.listBookings({ customerId, pageSize, pageToken });

  it('does not repeat page 1 on page 2 when a booking is made in between (the issue)', async () => {
    const older = await book('pager');
    const newer = await book('pager');
    const first = await page('pager', 1);
    expect(first.bookings.map((b) => b.bookingReference)).toEqual([newer]);
    expect(first.nextPageToken).not.toBe('');

    const newest = await book('pager');
    const second = await page('pager', 1, first.nextPageToken);
    expect(second.bookings.map((b) => b.bookingReference)).toEqual([older]);
    expect(second.nextPageToken).toBe('');

    // Walking from the start sees each booking once, newest first.
    const seen: string[] = [];
    let token = '';
    do {
      const p = await page('pager', 2, token);
      seen.push(...p.bookings.map((b) => b.bookingReference));
      token = p.nextPageToken;
    } while (token);
    expect(seen).toEqual([newest, newer, older]);
  });

  it('refuses a malformed, forged, another customer’s or offset token naming page_token', async () => {
    await book('owner');
    await book('owner');
    const { nextPageToken } = await page('owner', 1);
    const [payload, mac] = nextPageToken.split('.');
    const forged = Buffer.from(
      JSON.stringify({ t: '1999-01-01T00:00:00.000Z', id: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url');
    for (const token of [
      '1', // an offset, as tokens used to be
      'garbage',
      `${forged}.${mac}`,
      `${payload}.AAAAAAAAAAAAAAAAAAAAAA`,
      `${payload}.${mac}.extra`,
      '%%%%',
    ]) {
      expectInvalidField(await failure(page('owner', 1, token)), 'page_token');
    }
    // The token names a place in the owner's list only.
    expectInvalidField(await failure(page('someone-else', 1, nextPageToken)), 'page_token');
    // And still works for its owner.
    expect((await page('owner', 1, nextPageToken)).bookings).toHaveLength(1);
  });
});
