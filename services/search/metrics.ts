/**
 * Search's own figures on /metrics (the platform measures its RPCs): how searches end, the
 * itineraries they stream (priced or not), pricing calls, and how far the read model trails
 * schedule's change feed. Process-wide: a test reads them by scraping (test/support/metrics.ts).
 */
import { metrics } from '../../platform/metrics.js';

export const searchMetrics = {
  /** One per search that ran to an end: complete, partial (time ran out, days loading) or cancelled. */
  searches: metrics.counter('search.searches', {
    description: 'Searches by how they ended: complete, partial (with what it had), cancelled.',
    unit: '{search}',
  }),
  results: metrics.counter('search.results', {
    description: 'Itineraries streamed, by whether they carry a price (priced: true or false).',
    unit: '{itinerary}',
  }),
  unsellable: metrics.counter('search.unsellable', {
    description: 'Itineraries found but left out: pricing said they cannot be sold (sold out).',
    unit: '{itinerary}',
  }),
  pricingCalls: metrics.counter('search.pricing.calls', {
    description: 'PriceItineraries calls made for searches (one per batch of itineraries).',
    unit: '{call}',
  }),
  pricingFailures: metrics.counter('search.pricing.failures', {
    description:
      'PriceItineraries calls that failed or timed out: their itineraries went out unpriced.',
    unit: '{call}',
  }),
  feedLag: metrics.gauge('search.feed.lag', {
    description:
      "Age of the last change applied from schedule's feed, when it was applied: how far the index trails.",
    unit: 's',
  }),
};

// From 0, so the series exist before the first event (for rate() and alerts on them).
for (const outcome of ['complete', 'partial', 'cancelled'])
  searchMetrics.searches.add(0, { outcome });
for (const priced of [true, false]) searchMetrics.results.add(0, { priced });
searchMetrics.unsellable.add(0);
searchMetrics.pricingCalls.add(0);
searchMetrics.pricingFailures.add(0);
