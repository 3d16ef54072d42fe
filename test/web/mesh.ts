import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { startBff, type BffFixture } from '../support/bff.js';
import { startBooking, type BookingFixture } from '../support/booking.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startPricing, type PricingFixture } from '../support/pricing.js';
import { startSchedule, type ScheduleFixture } from '../support/schedule.js';
import { startSearch, type SearchFixture } from '../support/search.js';

/** The whole mesh behind a real BFF, as the web front end sees it. */
export interface WebMesh {
  schedule: ScheduleFixture;
  pricing: PricingFixture;
  search?: SearchFixture;
  /**
   * Between search and pricing: lets a test hold search's pricing calls back, so results
   * visibly stream in (search prices 5 at a time, one call at a time).
   */
  searchPricing?: FaultProxy;
  booking: BookingFixture;
  bff: BffFixture;
  /** Moves pricing's clock forward, so quotes made before expire (ms). */
  advancePricingClock(ms: number): void;
  stop(): Promise<void>;
}

/**
 * Real schedule, pricing, booking (and search unless `search: false`) services on ephemeral
 * ports with embedded stores, and the real BFF in front of them on an ephemeral port.
 */
export async function startWebMesh(
  options: { search?: boolean; bffEnv?: Record<string, string> } = {},
): Promise<WebMesh> {
  let clockOffsetMs = 0;
  const schedule = await startSchedule('embedded');
  const pricing = await startPricing(schedule.address, {
    store: 'embedded',
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  let search: SearchFixture | undefined;
  let searchPricing: FaultProxy | undefined;
  if (options.search !== false) {
    searchPricing = await startFaultProxy(PricingServiceService, pricing.address);
    search = await startSearch(
      { schedule: schedule.address, pricing: searchPricing.address },
      // Small batches one at a time, and no per-call timeout a held call could run into.
      { PRICING_BATCH_SIZE: '5', PRICING_CONCURRENCY: '1', PRICING_TIMEOUT_MS: '60000' },
    );
  }
  const booking = await startBooking(
    { schedule: schedule.address, pricing: pricing.address },
    { store: 'embedded' },
  );
  const bff = await startBff(
    {
      schedule: schedule.address,
      pricing: pricing.address,
      booking: booking.address,
      ...(search ? { search: search.address } : {}),
    },
    // Generous budgets: these tests are about behaviour, on a machine shared with other suites.
    {
      READ_TIMEOUT_MS: '20000',
      SEARCH_TIMEOUT_MS: '20000',
      STREAM_TIMEOUT_MS: '60000',
      BOOKING_TIMEOUT_MS: '30000',
      RATE_LIMIT_PER_MINUTE: '100000',
      ...options.bffEnv,
    },
  );
  return {
    schedule,
    pricing,
    search,
    searchPricing,
    booking,
    bff,
    advancePricingClock(ms) {
      clockOffsetMs += ms;
    },
    async stop() {
      await bff.stop();
      await booking.stop();
      await search?.stop();
      await searchPricing?.close();
      await pricing.stop();
      await schedule.stop();
    },
  };
}
