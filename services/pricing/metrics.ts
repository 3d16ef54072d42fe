/**
 * Pricing's own figures on /metrics (the platform measures its RPCs): quotes made, the top of
 * the booking funnel, and answers priced from last known availability because schedule could not
 * be asked (degraded).
 */
import { metrics } from '../../platform/metrics.js';

export const pricingMetrics = {
  /** One per new quote (a retried request_id that finds its quote is not counted again). */
  quotes: metrics.counter('pricing.quotes', {
    description: 'Quotes made, by cabin.',
    unit: '{quote}',
  }),
  /**
   * Flights looked up for a price or quote, by where their facts came from: `memory` (fetched
   * before, kept fresh by the feeds), `hint` (search's copy and pricing's whole inventory) or
   * `schedule` (a GetAvailability call). The share of `schedule` is what the feeds save.
   */
  flightLookups: metrics.counter('pricing.flight_lookups', {
    description: 'Flights looked up for a price or a quote, by source: memory, hint or schedule.',
    unit: '{flight}',
  }),
  /** One per PriceItineraries answer marked degraded. */
  degradedAnswers: metrics.counter('pricing.degraded_answers', {
    description:
      'Itinerary prices answered from last known availability: schedule was unreachable.',
    unit: '{answer}',
  }),
};

// From 0, so the series exist before the first event (for rate() and alerts on them).
pricingMetrics.degradedAnswers.add(0);
for (const source of ['memory', 'hint', 'schedule'])
  pricingMetrics.flightLookups.add(0, { source });
