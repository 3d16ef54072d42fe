/**
 * The caller's bookings, all behind a bearer token whose subject is the customer: create (with
 * an Idempotency-Key), list, read, cancel (booking.CreateBooking, ListBookings, GetBooking,
 * CancelBooking). Another customer's booking is 404, never 403: it does not exist for them.
 */
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
      description:
        'Send an `Idempotency-Key`: a retry with the same key and body returns the same booking (201 again); the same key with another body is 422.',
      headers: bookingHeaders,
      body: bookingBody,
      response: { 201: booking, ...problems },
    },
    handler: async (req, reply) => {
      const { booking } = await clients.booking.createBooking(
        bookingRequest(req.body, req.customerId!, req.headers['idempotency-key']),
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return reply
        .code(201)
        .header('location', `/api/v1/bookings/${booking!.bookingReference}`)
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
