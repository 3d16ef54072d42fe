import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { createPricingService, type pricingEnv } from '../../services/pricing/service.js';
import { startTestService, type ServiceFixture, type StoreKind } from './services.js';

export type PricingFixture = ServiceFixture<typeof pricingEnv, typeof PricingServiceService>;

/** A real pricing service pointed at a schedule address; `now` moves its clock. */
export function startPricing(
  scheduleAddress: string,
  options: { store?: StoreKind; env?: Record<string, string>; now?: () => Date } = {},
): Promise<PricingFixture> {
  return startTestService(createPricingService({ now: options.now }), PricingServiceService, {
    store: options.store,
    env: { SCHEDULE_ADDR: scheduleAddress, ...options.env },
  });
}
