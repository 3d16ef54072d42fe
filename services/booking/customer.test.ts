/**
 * Booking behind Envoy's gRPC listener: the customer is the `x-customer-id` header Envoy sets
 * from the verified token (envoy/envoy.yaml; test/deploy/envoy-policy.test.ts), never the
 * request body. Real schedule, pricing and booking; the calls carry the header as Envoy would.
 */
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingStatus } from '../../gen/ts/flights/v1/booking.js';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { bookingRequest, startBooking, type BookingFixture } from '../../test/support/booking.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import {
  flightIdsOn,
  failure,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { CUSTOMER_ID_HEADER } from './customer.js';
import { testDate } from '../../test/support/dates.js';

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let booking: BookingFixture;
const flights: string[] = [];

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  booking = await startBooking(
    { schedule: schedule.address, pricing: pricing.address },
    { store: 'embedded' },
  );
  flights.push(...(await flightIdsOn(schedule, 'FRA', 'JFK', testDate(2), testDate(7))));
});

afterAll(async () => {
  await booking?.stop();
  await pricing?.stop();
  await schedule?.stop();
});

/** Call options as Envoy forwards a call with a verified token of `customer`. */
const viaEdge = (customer: string) => {
  const metadata = new Metadata();
  metadata.set(CUSTOMER_ID_HEADER, customer);
  return { metadata };
};

async function bookAs(customer: string, bodyCustomer: string, key: string) {
  const { quote } = await pricing.client.createQuote({
    flightIds: [flights.shift()!],
    passengers: { adults: 1, children: 0, infants: 0 },
    cabin: Cabin.CABIN_ECONOMY,
    requestId: '',
  });
  const { booking: b } = await booking.client.createBooking(
    bookingRequest(quote!.quoteId, { idempotencyKey: key, customerId: bodyCustomer }),
    viaEdge(customer),
  );
  return b!;
}

describe('booking acts for the customer Envoy verified', () => {
  it('books for the header’s customer, whatever customer_id the body names (or none)', async () => {
    const b = await bookAs('alice', 'bob', 'edge-book-1');
    expect(b.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
    expect(b.customerId).toBe('alice');
    expect((await bookAs('alice', '', 'edge-book-2')).customerId).toBe('alice');
  });

  it('never lets customer B read, list or cancel customer A’s booking through the edge', async () => {
    const ref = (await bookAs('alice', 'alice', 'edge-book-3')).bookingReference;
    // Bob's token, with Alice named in the body (or no one): NOT_FOUND, like a missing booking.
    for (const body of ['alice', '']) {
      const read = await failure(
        booking.client.getBooking({ bookingReference: ref, customerId: body }, viaEdge('bob')),
      );
      expect(read.code).toBe(status.NOT_FOUND);
      const cancel = await failure(
        booking.client.cancelBooking(
          { bookingReference: ref, customerId: body, reason: '' },
          viaEdge('bob'),
        ),
      );
      expect(cancel.code).toBe(status.NOT_FOUND);
    }
    const listed = await booking.client.listBookings(
      { customerId: 'alice', pageSize: 100, pageToken: '' },
      viaEdge('bob'),
    );
    expect(listed.bookings).toEqual([]);
    // Alice, through the edge, still sees it, untouched.
    const mine = await booking.client.getBooking(
      { bookingReference: ref, customerId: '' },
      viaEdge('alice'),
    );
    expect(mine.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
    const aliceList = await booking.client.listBookings(
      { customerId: 'bob', pageSize: 100, pageToken: '' },
      viaEdge('alice'),
    );
    expect(aliceList.bookings.map((b) => b.bookingReference)).toContain(ref);
  });

  it('keeps the body’s customer_id for callers inside the mesh (the BFF), which send no header', async () => {
    const { quote } = await pricing.client.createQuote({
      flightIds: [flights.shift()!],
      passengers: { adults: 1, children: 0, infants: 0 },
      cabin: Cabin.CABIN_ECONOMY,
      requestId: '',
    });
    const { booking: b } = await booking.client.createBooking(
      bookingRequest(quote!.quoteId, { idempotencyKey: 'mesh-1', customerId: 'carol' }),
    );
    expect(b!.customerId).toBe('carol');
  });
});
