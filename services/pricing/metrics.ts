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
  /** One per PriceItineraries answer marked degraded. */
  degradedAnswers: metrics.counter('pricing.degraded_answers', {
    description:
      'Itinerary prices answered from last known availability: schedule was unreachable.',
    unit: '{answer}',
  }),
};

// From 0, so the series exist before the first event (for rate() and alerts on them).
pricingMetrics.degradedAnswers.add(0);
