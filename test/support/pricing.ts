import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import {
  createPricingService,
  type PricingInternals,
  type pricingEnv,
} from '../../services/pricing/service.js';
import { startTestService, type ServiceFixture, type StoreKind } from './services.js';

export type PricingFixture = ServiceFixture<typeof pricingEnv, typeof PricingServiceService>;

/** A real pricing service pointed at a schedule address; `now` moves its clock. */
export function startPricing(
  scheduleAddress: string,
  options: {
    store?: StoreKind;
    env?: Record<string, string>;
    now?: () => Date;
    internals?: PricingInternals;
  } = {},
): Promise<PricingFixture> {
  const service = createPricingService({ now: options.now, internals: options.internals });
  return startTestService(service, PricingServiceService, {
    store: options.store,
    env: { SCHEDULE_ADDR: scheduleAddress, ...options.env },
  });
}
