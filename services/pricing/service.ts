import { z } from 'zod';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { FLIGHT_MESH, type ServiceName } from '../../flights/mesh.js';
import { connectionEnv, defaultRules } from '../../flights/connections.js';
import { salesEnv } from '../../flights/sales.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { AvailabilityCache } from './availability-cache.js';
import { AvailabilityFeeds } from './availability-feeds.js';
import { pricingHandlers } from './handlers.js';
import { migrations } from './migrations.js';
import { pricingPeers } from './peers.js';
import { QuoteStore } from './quote-store.js';

export const pricingEnv = {
  /** How long a quoted price is guaranteed. */
  QUOTE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /**
   * How stale pricing's in-memory seats may be (ms): answers come from memory, fed by schedule's
   * seat feed, only while the feed has proved itself caught up within this; otherwise schedule is
   * asked. 0: never from memory (no feeds; every price and quote asks schedule).
   */
  AVAILABILITY_MAX_LAG_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Deadline of calls to schedule (the caller's own deadline wins when sooner). */
  SCHEDULE_DEADLINE_MS: z.coerce.number().int().min(50).default(2_000),
  ...salesEnv,
  ...connectionEnv,
};

export interface PricingInternals {
  /** The feeds' cursors and reconnects (tests watch them resume). */
  feeds?: AvailabilityFeeds;
  /** Whether answers come from memory now (`live`). */
  cache?: AvailabilityCache;
}

/**
 * The pricing service; `now` is injectable so tests can move the clock past a quote's expiry,
 * and `internals` lets tests observe the feeds.
 */
export function createPricingService(
  options: { now?: () => Date; internals?: PricingInternals } = {},
): ServiceSpec<typeof pricingEnv, ServiceName> {
  const now = options.now ?? (() => new Date());
  const internals = options.internals ?? {};
  return {
    mesh: FLIGHT_MESH,
    name: 'pricing',
    env: pricingEnv,
    async start({ config, database, client, log, onStop }) {
      const peers = pricingPeers(client, config.SCHEDULE_DEADLINE_MS);
      const cache = new AvailabilityCache({ maxLagMs: config.AVAILABILITY_MAX_LAG_MS });
      internals.cache = cache;
      if (config.AVAILABILITY_MAX_LAG_MS > 0) {
        const feeds = new AvailabilityFeeds(peers.schedule, cache, {
          // Four heartbeats within the max lag: one lost or late does not send prices to schedule.
          seatHeartbeatMs: Math.max(100, Math.floor(config.AVAILABILITY_MAX_LAG_MS / 4)),
          // WatchSchedule heartbeats every 10 s by default: silent for longer, it is resumed.
          idleMs: 35_000,
          log,
        });
        internals.feeds = feeds;
        feeds.start();
        onStop(() => feeds.stop());
      }
      const handlers = pricingHandlers({
        store: new QuoteStore(await database(migrations)),
        cache,
        schedule: peers.schedule,
        now,
        quoteTtlSeconds: config.QUOTE_TTL_SECONDS,
        salesCutoffMinutes: config.SALES_CUTOFF_MINUTES,
        connectionRules: defaultRules(config.MIN_CONNECTION_MINUTES, config.MAX_LAYOVER_MINUTES),
      });
      return { bindings: [bind(PricingServiceService, handlers)] };
    },
  };
}

export const pricingService = createPricingService();
