import { z } from 'zod';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { FLIGHT_MESH, type ServiceName } from '../../flights/mesh.js';
import { salesEnv } from '../../flights/sales.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { AvailabilityCache } from './availability-cache.js';
import { pricingHandlers } from './handlers.js';
import { migrations } from './migrations.js';
import { pricingPeers } from './peers.js';
import { QuoteStore } from './quote-store.js';

export const pricingEnv = {
  /** How long a quoted price is guaranteed. */
  QUOTE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** How long search pricing reuses a flight's load factor before asking schedule again. */
  LOAD_FACTOR_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  /** Deadline of calls to schedule (the caller's own deadline wins when sooner). */
  SCHEDULE_DEADLINE_MS: z.coerce.number().int().min(50).default(2_000),
  ...salesEnv,
};

/** The pricing service; `now` is injectable so tests can move the clock past a quote's expiry. */
export function createPricingService(
  options: { now?: () => Date } = {},
): ServiceSpec<typeof pricingEnv, ServiceName> {
  const now = options.now ?? (() => new Date());
  return {
    mesh: FLIGHT_MESH,
    name: 'pricing',
    env: pricingEnv,
    async start({ config, database, client }) {
      const peers = pricingPeers(client, config.SCHEDULE_DEADLINE_MS);
      const handlers = pricingHandlers({
        store: new QuoteStore(await database(migrations)),
        cache: new AvailabilityCache(config.LOAD_FACTOR_TTL_MS, 200_000, () => now().getTime()),
        schedule: peers.schedule,
        now,
        quoteTtlSeconds: config.QUOTE_TTL_SECONDS,
        salesCutoffMinutes: config.SALES_CUTOFF_MINUTES,
      });
      return { bindings: [bind(PricingServiceService, handlers)] };
    },
  };
}

export const pricingService = createPricingService();
