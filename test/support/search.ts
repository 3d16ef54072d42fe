import { SearchServiceService } from '../../gen/ts/flights/v1/search.js';
import {
  createSearchService,
  type SearchInternals,
  type searchEnv,
} from '../../services/search/service.js';
import { startTestService, type ServiceFixture } from './services.js';
import { TEST_START_DATE } from './schedule.js';

export type SearchFixture = ServiceFixture<typeof searchEnv, typeof SearchServiceService> & {
  internals: SearchInternals;
};

/** A real search service over the given schedule and pricing, returned once its index is loaded. */
export async function startSearch(
  peers: { schedule: string; pricing: string },
  env: Record<string, string> = {},
): Promise<SearchFixture> {
  const internals: SearchInternals = {
    stats: { searches: 0, cancelled: 0, partial: 0, pricingBatches: 0 },
  };
  const fixture = await startTestService(createSearchService(internals), SearchServiceService, {
    store: 'embedded',
    env: {
      SCHEDULE_ADDR: peers.schedule,
      PRICING_ADDR: peers.pricing,
      SEARCH_START_DATE: TEST_START_DATE,
      SEARCH_DAYS: '10',
      ...env,
    },
  });
  const until = Date.now() + 60_000;
  while (!internals.model?.stats.loads && Date.now() < until)
    await new Promise((r) => setTimeout(r, 50));
  if (!internals.model?.stats.loads) throw new Error('search never loaded the schedule');
  return { ...fixture, internals };
}
