/**
 * The caller's bookings, all behind a bearer token whose subject is the customer: create (with
 * an Idempotency-Key), list, read, cancel (booking.CreateBooking, ListBookings, GetBooking,
 * CancelBooking). Another customer's booking is 404, never 403: it does not exist for them.
 */
import { BookingStatus } from '../../gen/ts/flights/v1/booking.js';
import { bookingJson, bookingRequest } from '../json.js';
import {
  booking,
  bookingBody,
  bookingHeaders,
  bookingList,
  bookingParams,
  bookingsQuery,
  cancelBody,
} from '../schemas.js';
import {
  authenticated,
  bearerSecured,
  callOptions,
  problems,
  type Api,
  type RouteDeps,
} from './common.js';

export function registerBookingRoutes(api: Api, deps: RouteDeps): void {
  const { clients, config } = deps;
  const auth = authenticated(deps);

  api.post('/api/v1/bookings', {
    ...auth,
    schema: {
      ...bearerSecured,
      summary: 'Book a quote',
      description: [
        'Send an `Idempotency-Key`: a retry with the same key and body returns the same booking; the same key with another body is 422.',
        '',
        '`201 Created` only for a final outcome: the booking is `confirmed`. A booking that failed is a problem+json (409 `SOLD_OUT`, …) with its `bookingReference`, every time the key is retried.',
        '',
        '`202 Accepted` when the outcome is not known within the request budget (a service behind booking is slow or down, or the instance running the booking died and another is taking it over): the booking is recorded and still `pending`, and booking keeps trying while the quote is valid. Poll the `Location` (GET, after `Retry-After` seconds) or send the same request with the same key again: either gives the final outcome once there is one. A `pending` booking never stays so: it ends `confirmed` or `failed`.',
        '',
        '`200 OK` when the key’s booking has been cancelled since: a retry is told what became of it, not that it was created.',
        '',
        '503 (with `Retry-After`) means nothing was booked (e.g. pricing could not confirm the quote): retrying with the same key is safe and may succeed.',
      ].join('\n'),
      headers: bookingHeaders,
      body: bookingBody,
      // 201: confirmed; 202: recorded, still pending; 200: cancelled since (see above).
      response: { 200: booking, 201: booking, 202: booking, ...problems },
    },
    handler: async (req, reply) => {
      const { booking } = await clients.booking.createBooking(
        bookingRequest(req.body, req.customerId!, req.headers['idempotency-key']),
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      const location = `/api/v1/bookings/${booking!.bookingReference}`;
      // Not final yet: not 201, which would tell the client a booking exists that may still fail.
      if (booking!.status === BookingStatus.BOOKING_STATUS_PENDING)
        return reply
          .code(202)
          .header('location', location)
          .header('retry-after', '1')
          .send(bookingJson(booking!));
      const created = booking!.status !== BookingStatus.BOOKING_STATUS_CANCELLED;
      return reply
        .code(created ? 201 : 200)
        .header('location', location)
        .send(bookingJson(booking!));
    },
  });

  api.get('/api/v1/bookings', {
    ...auth,
    schema: {
      ...bearerSecured,
      summary: 'My bookings, newest first',
      querystring: bookingsQuery,
      response: { 200: bookingList, ...problems },
    },
    handler: async (req, reply) => {
      const r = await clients.booking.listBookings(
        {
          customerId: req.customerId!,
          pageSize: req.query.pageSize,
          pageToken: req.query.pageToken,
        },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return { bookings: r.bookings.map(bookingJson), nextPageToken: r.nextPageToken || null };
    },
  });

  api.get('/api/v1/bookings/:reference', {
    ...auth,
    schema: {
      ...bearerSecured,
      summary: 'One of my bookings (another customer’s is 404)',
      params: bookingParams,
      response: { 200: booking, ...problems },
    },
    config: { fieldNames: { bookingReference: 'reference' } },
    handler: async (req, reply) => {
      const { booking } = await clients.booking.getBooking(
        { bookingReference: req.params.reference, customerId: req.customerId! },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return bookingJson(booking!);
    },
  });

  api.post('/api/v1/bookings/:reference/cancel', {
    ...auth,
    schema: {
      ...bearerSecured,
      summary: 'Cancel one of my bookings (cancelling twice is fine)',
      params: bookingParams,
      body: cancelBody,
      response: { 200: booking, ...problems },
    },
    config: { fieldNames: { bookingReference: 'reference' } },
    handler: async (req, reply) => {
      const { booking } = await clients.booking.cancelBooking(
        {
          bookingReference: req.params.reference,
          customerId: req.customerId!,
          reason: req.body?.reason ?? '',
        },
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return bookingJson(booking!);
    },
  });
}
