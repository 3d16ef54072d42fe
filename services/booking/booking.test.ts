import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingStatus } from '../../gen/ts/flights/v1/booking.js';
import { Cabin, PassengerType } from '../../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { errorDetails } from '../../platform/errors.js';
import {
  ada,
  bookingRequest,
  startBooking,
  type BookingFixture,
} from '../../test/support/booking.js';
import { startFaultProxy } from '../../test/support/fault-proxy.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import {
  flightIdsOn,
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { birthDateAged, testDate } from '../../test/support/dates.js';

const adult = { adults: 1, children: 0, infants: 0 };

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let booking: BookingFixture;
let clockOffsetMs = 0;
const flights: string[] = [];

beforeAll(async () => {
  schedule = await startSchedule('postgres');
  pricing = await startPricing(schedule.address, {
    now: () => new Date(Date.now() + clockOffsetMs),
    env: { SCHEDULE_DEADLINE_MS: '60000' },
  });
  // Generous downstream deadlines: the contention test loads two cores with 500 sagas at once,
  // and is about who gets the seats, not about latency.
  booking = await startBooking(
    { schedule: schedule.address, pricing: pricing.address },
    { env: { DOWNSTREAM_DEADLINE_MS: '60000' } },
  );
  flights.push(...(await flightIdsOn(schedule, 'LHR', 'JFK', testDate(1), testDate(11))));
});

afterAll(async () => {
  await booking?.stop();
  await pricing?.stop();
  await schedule?.stop();
});

async function quote(
  flightId: string,
  passengers = adult,
  cabin = Cabin.CABIN_ECONOMY,
  p: PricingFixture = pricing,
) {
  return (await p.client.createQuote({ flightIds: [flightId], passengers, cabin, requestId: '' }))
    .quote!;
}

async function seats(flightId: string, cabin = Cabin.CABIN_ECONOMY) {
  const {
    flights: [f],
  } = await schedule.client.getAvailability({ flightIds: [flightId] });
  return f!.cabins.find((c) => c.cabin === cabin)!;
}

describe('booking saga with real schedule, pricing and PostgreSQL', () => {
  it('books a quote: CONFIRMED with a 6-character reference, seats sold, readable and listed', async () => {
    const flightId = flights.shift()!;
    const before = await seats(flightId);
    const q = await quote(flightId, { adults: 1, children: 1, infants: 1 });
    const passengers = [
      ada,
      {
        givenName: 'Byron',
        familyName: 'Lovelace',
        type: PassengerType.PASSENGER_TYPE_CHILD,
        dateOfBirth: birthDateAged(7),
      },
      {
        givenName: 'Anne',
        familyName: 'Lovelace',
        type: PassengerType.PASSENGER_TYPE_INFANT,
        dateOfBirth: birthDateAged(1),
      },
    ];
    const { booking: b } = await booking.client.createBooking(
      bookingRequest(q.quoteId, { passengers }),
    );
    expect(b!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
    expect(b!.bookingReference).toMatch(/^[A-HJKMNP-Z2-9]{6}$/);
    expect(b!.price).toEqual(q.price);
    const after = await seats(flightId);
    expect(after.sold - before.sold).toBe(2); // the infant sits on a lap
    expect(after.held).toBe(before.held);

    expect(
      (
        await booking.client.getBooking({
          bookingReference: b!.bookingReference.toLowerCase(),
          customerId: 'alice',
        })
      ).booking!.bookingId,
    ).toBe(b!.bookingId);
    expect(
      (
        await booking.client.listBookings({ customerId: 'alice', pageSize: 0, pageToken: '' })
      ).bookings.map((x) => x.bookingReference),
    ).toContain(b!.bookingReference);
    const other = await failure(
      booking.client.getBooking({ bookingReference: b!.bookingReference, customerId: 'mallory' }),
    );
    expect(other.code).toBe(status.NOT_FOUND);
  });

  it('cancels a confirmed booking once, gives the seats back, and refuses to cancel a failed one', async () => {
    const flightId = flights.shift()!;
    const before = await seats(flightId);
    const { booking: b } = await booking.client.createBooking(
      bookingRequest((await quote(flightId)).quoteId),
    );
    const request = {
      bookingReference: b!.bookingReference,
      customerId: 'alice',
      reason: 'plans changed',
    };
    const [first, second] = [
      await booking.client.cancelBooking(request),
      await booking.client.cancelBooking(request),
    ];
    expect(first.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CANCELLED);
    expect(second.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CANCELLED);
    expect((await seats(flightId)).sold).toBe(before.sold);
    const stranger = await failure(
      booking.client.cancelBooking({ ...request, customerId: 'mallory' }),
    );
    expect(stranger.reason).toBe('BOOKING_NOT_FOUND');
  });

  it('turns an expired quote into QUOTE_EXPIRED and books nothing, keeping nothing for the key', async () => {
    const q = await quote(flights.shift()!);
    const request = bookingRequest(q.quoteId);
    clockOffsetMs = 16 * 60_000;
    try {
      const expired = await failure(booking.client.createBooking(request));
      expect(expired.code).toBe(status.FAILED_PRECONDITION);
      expect(expired.reason).toBe('QUOTE_EXPIRED');
      // Refused by pricing before any record: no booking to name.
      expect(expired.metadata).not.toHaveProperty('booking_reference');
    } finally {
      clockOffsetMs = 0;
    }
    // So the key holds no outcome: the same request, once the quote is valid again, is decided
    // afresh (the clocks moved back here; in life, seats a cancellation gave back).
    const again = await booking.client.createBooking(request);
    expect(again.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
  });

  it('makes one booking of a request sent five times at once, and refuses the key for another request', async () => {
    const q = await quote(flights.shift()!);
    const request = bookingRequest(q.quoteId);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => booking.client.createBooking(request)),
    );
    expect(new Set(results.map((r) => r.booking!.bookingId)).size).toBe(1);
    expect(results.every((r) => r.booking!.status === BookingStatus.BOOKING_STATUS_CONFIRMED)).toBe(
      true,
    );
    const list = await booking.client.listBookings({
      customerId: 'alice',
      pageSize: 100,
      pageToken: '',
    });
    expect(list.bookings.filter((b) => b.quoteId === q.quoteId)).toHaveLength(1);
    const conflict = await failure(
      booking.client.createBooking({ ...request, contactEmail: 'other@example.com' }),
    );
    expect(conflict.code).toBe(status.ALREADY_EXISTS);
    expect(conflict.reason).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('books a quote once: another key gets QUOTE_ALREADY_BOOKED and sells no seat', async () => {
    const flightId = flights.shift()!;
    const before = await seats(flightId);
    const q = await quote(flightId);
    // Three keys at once: one booking, whichever insert lands first.
    const raced = await Promise.allSettled(
      [1, 2, 3].map(() => booking.client.createBooking(bookingRequest(q.quoteId))),
    );
    const booked = raced.flatMap((r) => (r.status === 'fulfilled' ? [r.value.booking!] : []));
    expect(booked).toHaveLength(1);
    expect(booked[0]!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
    for (const r of raced.filter((x) => x.status === 'rejected')) {
      const refused = errorDetails((r as PromiseRejectedResult).reason);
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.reason).toBe('QUOTE_ALREADY_BOOKED');
      // Its own customer is told which booking has it.
      expect(refused.metadata.booking_reference).toBe(booked[0]!.bookingReference);
    }
    // A later try, and another customer's: refused; the other customer learns no reference.
    const again = await failure(booking.client.createBooking(bookingRequest(q.quoteId)));
    expect(again.reason).toBe('QUOTE_ALREADY_BOOKED');
    const stranger = await failure(
      booking.client.createBooking(bookingRequest(q.quoteId, { customerId: 'mallory' })),
    );
    expect(stranger.reason).toBe('QUOTE_ALREADY_BOOKED');
    expect(stranger.metadata.booking_reference).toBeUndefined();
    expect(stranger.message).not.toContain(booked[0]!.bookingReference);
    expect((await seats(flightId)).sold - before.sold).toBe(1);
    // Cancelled, the quote stays used: the seats went back, the locked price does not return.
    await booking.client.cancelBooking({
      bookingReference: booked[0]!.bookingReference,
      customerId: 'alice',
      reason: 'plans changed',
    });
    expect((await failure(booking.client.createBooking(bookingRequest(q.quoteId)))).reason).toBe(
      'QUOTE_ALREADY_BOOKED',
    );
  });

  it('sells exactly the seats there are when 500 buyers race for 50', async () => {
    const flightId = flights.shift()!;
    const cabin = await seats(flightId);
    // Leave exactly 50 seats: the rest are held by someone else for the whole test.
    let away = cabin.available - 50;
    for (let i = 0; away > 0; i++, away -= Math.min(9, away))
      await schedule.client.holdSeats({
        holdId: `away-${flightId}-${i}`,
        items: [{ flightId, cabin: Cabin.CABIN_ECONOMY, seats: Math.min(9, away) }],
        ttlSeconds: 3600,
      });
    const heldAway = (await seats(flightId)).held;
    const quotes = [];
    for (let i = 0; i < 500; i += 50)
      quotes.push(...(await Promise.all(Array.from({ length: 50 }, () => quote(flightId)))));

    const outcomes = await Promise.all(
      quotes.map((q, i) =>
        booking.client
          .createBooking(
            bookingRequest(q.quoteId, { idempotencyKey: `race-${i}`, customerId: `buyer-${i}` }),
            { deadlineMs: 120_000 },
          )
          .then(
            (r) => ({ ok: r.booking!.status }),
            (err: unknown) => ({ failed: errorDetails(err) }),
          ),
      ),
    );
    const confirmed = outcomes.filter(
      (o) => 'ok' in o && o.ok === BookingStatus.BOOKING_STATUS_CONFIRMED,
    );
    const failed = outcomes.flatMap((o) => ('failed' in o ? [o.failed] : []));
    expect(confirmed).toHaveLength(50);
    expect(failed).toHaveLength(450);
    for (const f of failed) {
      expect(f.code).toBe(status.FAILED_PRECONDITION);
      expect(f.reason).toBe('SOLD_OUT');
    }
    const after = await seats(flightId);
    expect(after.sold - cabin.sold).toBe(50);
    expect(after.held).toBe(heldAway);
  }, 300_000);

  it('answers bad input with INVALID_ARGUMENT naming the field', async () => {
    const q = await quote(flights.shift()!);
    const base = bookingRequest(q.quoteId);
    const cases: Array<[Partial<typeof base>, string]> = [
      [{ contactEmail: 'not-an-email' }, 'contact_email'],
      [{ idempotencyKey: '' }, 'idempotency_key'],
      [{ passengers: [{ ...ada, givenName: '' }] }, 'passengers[0].given_name'],
      [{ passengers: [{ ...ada, dateOfBirth: '1985-02-30' }] }, 'passengers[0].date_of_birth'],
      [{ passengers: [{ ...ada, dateOfBirth: '1000-01-01' }] }, 'passengers[0].date_of_birth'],
      [{ passengers: [{ ...ada, dateOfBirth: '2999-01-01' }] }, 'passengers[0].date_of_birth'],
      [{ passengers: [{ ...ada, dateOfBirth: birthDateAged(6) }] }, 'passengers[0].date_of_birth'], // a child, not an adult
      [{ passengers: [ada, ada] }, 'passengers'], // two passengers on a one-adult quote
    ];
    for (const [patch, field] of cases)
      expectInvalidField(await failure(booking.client.createBooking({ ...base, ...patch })), field);
    const lookalike = await failure(
      booking.client.getBooking({ bookingReference: 'OOOOOO', customerId: '' }),
    );
    expectInvalidField(lookalike, 'booking_reference');
    // Six characters, but of those a reference never has: the answer says which.
    expect(lookalike.fieldViolations[0]!.description).toBe(
      'must be 6 letters or digits, none of them 0, 1, I, L or O',
    );
    expectInvalidField(
      await failure(booking.client.listBookings({ customerId: '', pageSize: 0, pageToken: '' })),
      'customer_id',
    );
  });
});

describe('booking when a dependency fails', () => {
  it('answers UNAVAILABLE when pricing is down, and leaves no hold behind', async () => {
    const ownPricing = await startPricing(schedule.address, { store: 'embedded' });
    const b = await startBooking(
      { schedule: schedule.address, pricing: ownPricing.address },
      { store: 'embedded', env: { DOWNSTREAM_DEADLINE_MS: '500' } },
    );
    try {
      const flightId = flights.shift()!;
      const q = await quote(flightId, adult, Cabin.CABIN_ECONOMY, ownPricing);
      const before = await seats(flightId);
      await ownPricing.stop();
      const down = await failure(b.client.createBooking(bookingRequest(q.quoteId)));
      expect(down.code).toBe(status.UNAVAILABLE);
      expect(down.reason).toBe('DEPENDENCY_UNAVAILABLE');
      expect(await seats(flightId)).toEqual(before);
    } finally {
      await b.stop();
    }
  });

  it('keeps trying while schedule fails after the hold: PENDING within the budget, CONFIRMED once schedule is back, sold once', async () => {
    const proxy = await startFaultProxy(ScheduleServiceService, schedule.address);
    const b = await startBooking(
      { schedule: proxy.address, pricing: pricing.address },
      { store: 'embedded', env: { SAGA_RETRY_INITIAL_MS: '50', SAGA_RETRY_MAX_MS: '200' } },
    );
    try {
      const flightId = flights.shift()!;
      const before = await seats(flightId);
      // The seats are taken (held and sold in one call), but booking never hears so.
      proxy.lostAnswers.add('holdSeats');
      const request = bookingRequest((await quote(flightId)).quoteId);
      // Not final within the budget: recorded and still PENDING (the BFF answers 202 with it).
      const { booking: pending } = await b.client.createBooking(request, { deadlineMs: 1_500 });
      expect(pending!.status).toBe(BookingStatus.BOOKING_STATUS_PENDING);
      const taken = await seats(flightId);
      expect([taken.sold, taken.held]).toEqual([before.sold + 1, before.held]);
      expect(proxy.received.get('holdSeats')).toBeGreaterThan(1); // retried, idempotently

      proxy.lostAnswers.delete('holdSeats');
      // The same request again gets the real outcome, not a replayed failure.
      const { booking: done } = await b.client.createBooking(request, { deadlineMs: 30_000 });
      expect(done!.bookingReference).toBe(pending!.bookingReference);
      expect(done!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
      const after = await seats(flightId);
      expect([after.sold, after.held]).toEqual([before.sold + 1, before.held]);
    } finally {
      await b.stop();
      await proxy.close();
    }
  });

  it('gives the seats back and fails for good (not UNAVAILABLE) when schedule stays down past the retry limit', async () => {
    const proxy = await startFaultProxy(ScheduleServiceService, schedule.address);
    const b = await startBooking(
      { schedule: proxy.address, pricing: pricing.address },
      {
        store: 'embedded',
        env: { SAGA_RETRY_LIMIT_MS: '1000', SAGA_RETRY_INITIAL_MS: '50', SAGA_RETRY_MAX_MS: '200' },
      },
    );
    try {
      const flightId = flights.shift()!;
      const before = await seats(flightId);
      // The seats are taken at every try, and booking never hears so: the sale must be undone.
      proxy.lostAnswers.add('holdSeats');
      const request = bookingRequest((await quote(flightId)).quoteId);
      const failed = await failure(b.client.createBooking(request, { deadlineMs: 30_000 }));
      expect(failed.code).toBe(status.FAILED_PRECONDITION);
      expect(failed.reason).toBe('DEPENDENCY_UNAVAILABLE');
      const reference = failed.metadata.booking_reference!;
      // The failure is answered once decided; the seats go back right after (compensation,
      // retried until schedule takes it: a circuit breaker may have opened on the failures).
      const read = () => b.client.getBooking({ bookingReference: reference, customerId: 'alice' });
      let { booking: settled } = await read();
      while (settled!.status === BookingStatus.BOOKING_STATUS_PENDING) {
        await new Promise((r) => setTimeout(r, 100));
        ({ booking: settled } = await read());
      }
      expect(settled!.status).toBe(BookingStatus.BOOKING_STATUS_FAILED);
      expect(settled!.failureReason).toBe('DEPENDENCY_UNAVAILABLE');
      const after = await seats(flightId);
      expect([after.sold, after.held]).toEqual([before.sold, before.held]);
      // Final: the same key answers the same failure, which does not invite a retry.
      proxy.lostAnswers.delete('holdSeats');
      const again = await failure(b.client.createBooking(request));
      expect([again.code, again.reason]).toEqual([
        status.FAILED_PRECONDITION,
        'DEPENDENCY_UNAVAILABLE',
      ]);
      expect(again.metadata.booking_reference).toBe(reference);
    } finally {
      await b.stop();
      await proxy.close();
    }
  });
});
