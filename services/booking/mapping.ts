import { FlightSegment, PriceBreakdown } from '../../gen/ts/flights/v1/common.js';
import { BookingStatus, type Booking } from '../../gen/ts/flights/v1/booking.js';
import type { BookingRecord } from './booking-store.js';

const STATUS: Record<BookingRecord['status'], BookingStatus> = {
  PENDING: BookingStatus.BOOKING_STATUS_PENDING,
  CONFIRMED: BookingStatus.BOOKING_STATUS_CONFIRMED,
  FAILED: BookingStatus.BOOKING_STATUS_FAILED,
  CANCELLED: BookingStatus.BOOKING_STATUS_CANCELLED,
};

export function toBookingProto(b: BookingRecord): Booking {
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
