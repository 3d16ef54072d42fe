import type { Itinerary, SearchSummary } from '../../gen/ts/flights/v1/search.js';
import type { SearchPlan } from './domain/search-plan.js';
import { searchMetrics } from './metrics.js';

/**
 * What one search tells its caller at the end of the stream (how many, whether partial, notes in
 * the order they were found out), and the service counters it moves on the way.
 */
export class SearchReport {
  private readonly notes: string[] = [];
  private partial = false;
  private degraded = false;
  private pricingFailed = false;
  /** Itineraries streamed so far. */
  sent = 0;

  /** The plan's notes, and whether it already is partial (time ran out, days still loading). */
  planned(plan: SearchPlan): void {
    this.notes.push(...plan.notes);
    if (plan.partial) this.partial = true;
  }

  /** Notes pricing's first failure; true the first time (the caller logs it then). */
  pricingUnavailable(reason: string): boolean {
    if (this.pricingFailed) return false;
    this.pricingFailed = true;
    this.notes.push(`prices unavailable (pricing: ${reason})`);
    return true;
  }

  /** Pricing answered from its last known load factors (schedule was slow). */
  pricesDegraded(): void {
    this.degraded = true;
  }

  /** The search's time ran out while pricing: `count` itineraries go out unpriced. */
  timeRanOut(count: number): void {
    this.partial = true;
    this.notes.push(`time ran out while pricing: ${count} itineraries sent unpriced`);
  }

  /** Itineraries pricing said cannot be sold, left out of the stream. */
  unsellable(count: number): void {
    searchMetrics.unsellable.add(count);
  }

  /** One itinerary went out. */
  streamed(itinerary: Itinerary): void {
    this.sent++;
    searchMetrics.results.add(1, { priced: Boolean(itinerary.price) });
  }

  /** The last message of the stream, `elapsedMs` after the search started. */
  summary(elapsedMs: number): SearchSummary {
    if (this.degraded) this.notes.push('some prices from last known load factors (schedule slow)');
    searchMetrics.searches.add(1, { outcome: this.partial ? 'partial' : 'complete' });
    return {
      resultCount: this.sent,
      partial: this.partial,
      note: this.notes.join('; '),
      elapsedMs,
    };
  }
}
