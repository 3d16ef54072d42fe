import { z } from 'zod';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { SearchServiceService } from '../../gen/ts/flights/v1/search.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { fields } from '../../platform/validation.js';
import { defaultRules } from './domain/itineraries.js';
import { searchHandlers, type SearchStats } from './handlers.js';
import { ScheduleReadModel } from './read-model.js';

export const searchEnv = {
  /** Days of schedule held in memory, from SEARCH_START_DATE (default today). */
  SEARCH_DAYS: z.coerce.number().int().min(1).max(400).default(61),
  SEARCH_START_DATE: fields.localDate.optional(),
  /** Minimum connection time where no airport-specific one is known, and the longest layover. */
  MIN_CONNECTION_MINUTES: z.coerce.number().int().min(0).default(60),
  MAX_LAYOVER_MINUTES: z.coerce
    .number()
    .int()
    .min(30)
    .default(24 * 60),
  /** Budget of a search whose caller set no deadline. */
  SEARCH_BUDGET_MS: z.coerce.number().int().min(100).default(5_000),
  /** Itineraries priced (and then streamed) together. */
  PRICING_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(20),
};

export interface SearchInternals {
  stats: SearchStats;
  model?: ScheduleReadModel;
}

/** The search service; `internals` lets tests observe counters (cancelled searches, reloads). */
export function createSearchService(
  internals: SearchInternals = {
    stats: { searches: 0, cancelled: 0, partial: 0, pricingBatches: 0 },
  },
): ServiceSpec<typeof searchEnv> {
  return {
    name: 'search',
    env: searchEnv,
    async start({ config, log, client, onStop }) {
      const schedule = client('schedule', ScheduleServiceService, { defaultDeadlineMs: 10_000 });
      const pricing = client('pricing', PricingServiceService, { defaultDeadlineMs: 2_000 });
      const model = new ScheduleReadModel(schedule, {
        fromDate: () => config.SEARCH_START_DATE ?? new Date().toISOString().slice(0, 10),
        days: config.SEARCH_DAYS,
        log,
      });
      internals.model = model;
      // Not ready (NOT_SERVING, so Consul and callers skip it) until the index is loaded.
      const ready = (async () => {
        for (let attempt = 1; !model.isStopped; attempt++) {
          try {
            await model.load();
            break;
          } catch (err) {
            log.warn(
              { err: (err as Error).message, attempt },
              'loading the schedule failed; retrying',
            );
            await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * attempt)));
          }
        }
        void model.follow();
      })();
      onStop(() => model.stop());
      const handlers = searchHandlers({
        model,
        rules: defaultRules(config.MIN_CONNECTION_MINUTES, config.MAX_LAYOVER_MINUTES),
        price: (request, parent, deadlineMs) =>
          pricing.priceItineraries(request, { parent, deadlineMs }),
        defaultBudgetMs: config.SEARCH_BUDGET_MS,
        batchSize: config.PRICING_BATCH_SIZE,
        stats: internals.stats,
      });
      return { bindings: [bind(SearchServiceService, handlers)], ready };
    },
  };
}

export const searchService = createSearchService();
