/** The requests booking accepts, one schema per RPC: what handlers validate before anything else. */
import { z } from 'zod';
import { PassengerType } from '../../gen/ts/flights/v1/common.js';
import { fields, orEmpty, protoEnum, text } from '../../flights/fields.js';

const customerId = text().min(1, 'is required').max(128, 'must be at most 128 characters');
const reference = fields.bookingReference;

export const createBooking = z.object({
  idempotencyKey: fields.clientId,
  quoteId: fields.quoteId,
  customerId,
  passengers: z
    .array(
      z.object({
        givenName: fields.personName,
        familyName: fields.personName,
        type: protoEnum(
          PassengerType,
          [
            PassengerType.PASSENGER_TYPE_ADULT,
            PassengerType.PASSENGER_TYPE_CHILD,
            PassengerType.PASSENGER_TYPE_INFANT,
          ],
          'must be adult, child or infant (PASSENGER_TYPE_ADULT, _CHILD or _INFANT)',
        ),
        dateOfBirth: fields.dateOfBirth,
      }),
    )
    .min(1, 'must name at least one passenger')
    .max(18, 'must be at most 18 passengers'),
  contactEmail: text()
    .max(254, 'must be at most 254 characters')
    .pipe(z.email('must be an e-mail address')),
});
export type CreateBooking = z.infer<typeof createBooking>;

/** An empty customer_id reads any booking (operators); otherwise only the customer's own. */
export const getBooking = z.object({
  bookingReference: reference,
  customerId: orEmpty(customerId),
});

export const listBookings = z.object({
  customerId,
  pageSize: z.number().int().max(100, 'must be at most 100'),
  /** Opaque: read (and checked) by the handler, which knows whose list it belongs to. */
  pageToken: text().max(512, 'is not a page token this service issued'),
});

export const cancelBooking = getBooking.extend({
  reason: text().max(200, 'must be at most 200 characters'),
});
