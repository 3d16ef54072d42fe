/** Proto ↔ booking's records: a confirmed quote into what is booked, a booking out. */
import { FlightSegment, PriceBreakdown } from '../../gen/ts/flights/v1/common.js';
import { BookingStatus, type Booking } from '../../gen/ts/flights/v1/booking.js';
import type { Quote } from '../../gen/ts/flights/v1/pricing.js';
import type { BookingBody, BookingRecord } from './booking-store.js';
import type { CreateBooking } from './requests.js';

const STATUS: Record<BookingRecord['status'], BookingStatus> = {
  PENDING: BookingStatus.BOOKING_STATUS_PENDING,
  CONFIRMED: BookingStatus.BOOKING_STATUS_CONFIRMED,
  FAILED: BookingStatus.BOOKING_STATUS_FAILED,
  CANCELLED: BookingStatus.BOOKING_STATUS_CANCELLED,
};

/**
 * What a booking of a confirmed quote records: the quote's flights, cabin and locked price, the
 * request's passengers and contact, and the seats to hold (one item per flight, infants on laps).
 */
export function bookingBody(quote: Quote, request: CreateBooking): BookingBody {
  const seated = quote.passengers!.adults + quote.passengers!.children;
  return {
    segments: quote.segments.map((s) => FlightSegment.toJSON(s)),
    cabin: quote.cabin,
    passengers: request.passengers,
    contactEmail: request.contactEmail,
    price: PriceBreakdown.toJSON(quote.price!),
    holdItems: quote.segments.map((s) => ({
      flightId: s.flightId,
      cabin: quote.cabin,
      seats: seated,
    })),
  };
}

/**
 * Each record's message, made once: a record is never changed in place (every write makes a new
 * one, booking-store.ts), and the store keeps the records it reads from memory, so a booking read
 * again and again (GetBooking, a client polling a PENDING booking) is mapped once, not per call.
 */
const messages = new WeakMap<BookingRecord, Booking>();

/** The Booking message of a record (the same object for the same record: do not modify it). */
export function toBookingProto(b: BookingRecord): Booking {
  let message = messages.get(b);
  if (!message) messages.set(b, (message = bookingMessage(b)));
  return message;
}

function bookingMessage(b: BookingRecord): Booking {
  return {
    bookingId: b.bookingId,
    bookingReference: b.reference,
    customerId: b.customerId,
    status: STATUS[b.status],
    quoteId: b.quoteId,
    segments: b.body.segments.map((s) => FlightSegment.fromJSON(s)),
    cabin: b.body.cabin,
    passengers: b.body.passengers,
    contactEmail: b.body.contactEmail,
    price: PriceBreakdown.fromJSON(b.body.price),
    failureReason: b.failureReason ?? '',
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

/**
 * Until when a booking's saga retries transient failures: while the quote's price guarantee
 * lasts, and `limitMs` from `now` at most.
 */
export function retryUntil(quoteExpiresAt: Date | undefined, now: Date, limitMs: number): Date {
  const limit = new Date(now.getTime() + limitMs);
  return quoteExpiresAt && quoteExpiresAt < limit ? quoteExpiresAt : limit;
}
