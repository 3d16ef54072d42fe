/** The requests booking accepts, one schema per RPC: what handlers validate before anything else. */
import { z } from 'zod';
import { PassengerType } from '../../gen/ts/flights/v1/common.js';
import { passengerKind } from '../../flights/enums.js';
import { fields } from '../../flights/fields.js';
import { REFERENCE_PATTERN } from './domain/reference.js';

const name = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');
const customerId = z.string().min(1, 'is required').max(128, 'must be at most 128 characters');
const reference = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(REFERENCE_PATTERN, 'must be a 6-character booking reference'));

export const createBooking = z.object({
  idempotencyKey: fields.clientId,
  quoteId: z.string().uuid('must be a quote id issued by pricing'),
  customerId,
  passengers: z
    .array(
      z.object({
        givenName: name,
        familyName: name,
        type: z
          .nativeEnum(PassengerType)
          .refine((t) => passengerKind(t) !== undefined, 'must be adult, child or infant'),
        dateOfBirth: fields.localDate,
      }),
    )
    .min(1, 'must name at least one passenger')
    .max(18, 'must be at most 18 passengers'),
  contactEmail: z.string().email('must be an e-mail address').max(254),
});
export type CreateBooking = z.infer<typeof createBooking>;

/** An empty customer_id reads any booking (operators); otherwise only the customer's own. */
export const getBooking = z.object({
  bookingReference: reference,
  customerId: customerId.or(z.literal('')),
});

export const listBookings = z.object({
  customerId,
  pageSize: z.number().int().max(100, 'must be at most 100'),
  pageToken: z.string().regex(/^\d*$/, 'is not a page token this service issued'),
});

export const cancelBooking = getBooking.extend({
  reason: z.string().max(200, 'must be at most 200 characters'),
});
