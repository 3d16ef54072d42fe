import { z } from 'zod';
import { SearchServiceService } from '../../gen/ts/flights/v1/search.js';
import { fields } from '../../flights/fields.js';
import { salesEnv } from '../../flights/sales.js';
import { FLIGHT_MESH } from '../../flights/mesh.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { connectionEnv, defaultRules } from '../../flights/connections.js';
import { searchWindow } from './domain/window.js';
import { searchHandlers } from './handlers.js';
import { searchPeers } from './peers.js';
import { ScheduleReadModel } from './read-model.js';

const int = z.coerce.number().int();

export const searchEnv = {
  /**
   * First local date held, and how many days: schedule's whole horizon. Unset, the window starts
   * today (UTC) and rolls forward at midnight, as schedule's does.
   */
  SEARCH_START_DATE: fields.localDate.optional(),
  SEARCH_DAYS: int.min(1).max(400).default(61),
  /**
   * Days loaded before the service says SERVING; the rest of the window loads behind it (a query
   * reaching past what is loaded is answered with summary.partial). The world schedule lists at
   * ~15k flights/s, so all 61 days (~4M flights) take minutes; 3 days take seconds.
   */
  SEARCH_READY_DAYS: int.min(1).max(400).default(3),
  /** Days per ListFlights call while loading. */
  SEARCH_LOAD_CHUNK_DAYS: int.min(1).max(62).default(1),
  /** The feed is resumed when schedule says nothing (not even a heartbeat) for this long. */
  SEARCH_FEED_IDLE_MS: int.min(1_000).default(35_000),
  /** Budget of a search whose caller set no deadline. */
  SEARCH_BUDGET_MS: int.min(100).default(5_000),
  /** Itineraries priced (and then streamed) together, calls in flight, and a call's time limit. */
  PRICING_BATCH_SIZE: int.min(1).max(200).default(20),
  PRICING_CONCURRENCY: int.min(1).max(16).default(2),
  PRICING_TIMEOUT_MS: int.min(50).default(3_000),
  ...salesEnv,
  ...connectionEnv,
};

export interface SearchInternals {
  model?: ScheduleReadModel;
}

/**
 * The search service; `internals` lets tests observe its read model (its counters: /metrics), `now` (epoch
 * ms) moves the clock the sales cut-off is read on.
 */
export function createSearchService(
  internals: SearchInternals = {},
  options: { now?: () => number } = {},
): ServiceSpec<typeof searchEnv> {
  return {
    mesh: FLIGHT_MESH,
    name: 'search',
    env: searchEnv,
    async start({ config, log, client, onStop }) {
      const peers = searchPeers(client, config.PRICING_TIMEOUT_MS);
      const model = new ScheduleReadModel(peers.schedule, {
        window: searchWindow(config.SEARCH_DAYS, config.SEARCH_START_DATE),
        readyDays: config.SEARCH_READY_DAYS,
        chunkDays: config.SEARCH_LOAD_CHUNK_DAYS,
        feedIdleMs: config.SEARCH_FEED_IDLE_MS,
        log,
      });
      internals.model = model;
      onStop(() => model.stop());
      const handlers = searchHandlers({
        model,
        rules: defaultRules(config.MIN_CONNECTION_MINUTES, config.MAX_LAYOVER_MINUTES),
        pricing: peers.pricing,
        defaultBudgetMs: config.SEARCH_BUDGET_MS,
        pricingTimeoutMs: config.PRICING_TIMEOUT_MS,
        batchSize: config.PRICING_BATCH_SIZE,
        pricingConcurrency: config.PRICING_CONCURRENCY,
        salesCutoffMinutes: config.SALES_CUTOFF_MINUTES,
        now: options.now ?? Date.now,
      });
      // NOT_SERVING (so Consul and callers skip this instance) until the first days are loaded.
      return { bindings: [bind(SearchServiceService, handlers)], ready: model.start() };
    },
  };
}

export const searchService = createSearchService();
