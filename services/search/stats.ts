/** Counters of the search service that a test (or a metrics endpoint) can read. */
export interface SearchStats {
  searches: number;
  /** Searches the caller cancelled; their work stopped there. */
  cancelled: number;
  /** Searches that ended early (deadline, or schedule still loading) with summary.partial. */
  partial: number;
  pricingBatches: number;
  /** Pricing calls that failed or timed out (their itineraries went out unpriced). */
  pricingFailures: number;
  /** Itineraries streamed without a price. */
  unpriced: number;
  /** Itineraries pricing said cannot be sold (sold out): not streamed. */
  unsellable: number;
}

export const newSearchStats = (): SearchStats => ({
  searches: 0,
  cancelled: 0,
  partial: 0,
  pricingBatches: 0,
  pricingFailures: 0,
  unpriced: 0,
  unsellable: 0,
});
