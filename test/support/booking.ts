import {
  BookingServiceService,
  type CreateBookingRequest,
} from '../../gen/ts/flights/v1/booking.js';
import { PassengerType } from '../../gen/ts/flights/v1/common.js';
import { createBookingService, type bookingEnv } from '../../services/booking/service.js';
import { startTestService, type ServiceFixture, type StoreKind } from './services.js';

export type BookingFixture = ServiceFixture<typeof bookingEnv, typeof BookingServiceService>;

/** A real booking service pointed at schedule and pricing addresses; `now` moves its clock. */
export function startBooking(
  peers: { schedule: string; pricing: string },
  options: { store?: StoreKind; env?: Record<string, string>; now?: () => Date } = {},
): Promise<BookingFixture> {
  return startTestService(createBookingService({ now: options.now }), BookingServiceService, {
    store: options.store,
    env: {
      SCHEDULE_ADDR: peers.schedule,
      PRICING_ADDR: peers.pricing,
      RECOVERY_INTERVAL_MS: '200',
      ...options.env,
    },
  });
}

/** An adult passenger whose date of birth makes her one on any date of travel the tests use. */
export const ada = {
  givenName: 'Ada',
  familyName: 'Lovelace',
  type: PassengerType.PASSENGER_TYPE_ADULT,
  dateOfBirth: '1985-12-10',
};

let keys = 0;

/** Alice booking Ada on a quote under a fresh idempotency key, unless told otherwise. */
export const bookingRequest = (
  quoteId: string,
  over: Partial<CreateBookingRequest> = {},
): CreateBookingRequest => ({
  idempotencyKey: `key-${++keys}-${Date.now()}`,
  quoteId,
  customerId: 'alice',
  passengers: [ada],
  contactEmail: 'ada@example.com',
  ...over,
});
