import { BookingServiceService } from '../../gen/ts/flights/v1/booking.js';
import { bookingService, type bookingEnv } from '../../services/booking/service.js';
import { startTestService, type ServiceFixture, type StoreKind } from './services.js';

export type BookingFixture = ServiceFixture<typeof bookingEnv, typeof BookingServiceService>;

export function startBooking(
  peers: { schedule: string; pricing: string },
  options: { store?: StoreKind; env?: Record<string, string> } = {},
): Promise<BookingFixture> {
  return startTestService(bookingService, BookingServiceService, {
    store: options.store,
    env: {
      SCHEDULE_ADDR: peers.schedule,
      PRICING_ADDR: peers.pricing,
      RECOVERY_INTERVAL_MS: '200',
      ...options.env,
    },
  });
}
