import type {
  Itinerary,
  SearchItinerariesResponse,
  SearchServiceService,
} from '../../gen/ts/flights/v1/search.js';
import { ErrorReason, unavailable } from '../../flights/errors.js';
import { earliestOnSaleMs } from '../../flights/sales.js';
import { errorDetails } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { ConnectionRules } from '../../flights/connections.js';
import type { SortKey } from './domain/ranking.js';
import { planSearch, searchBudget, type IndexView } from './domain/search-plan.js';
import { pricedItineraries, toItinerary, toSearchQuery } from './mapping.js';
import type { PricingPeer } from './peers.js';
import { priceInBatches, type BatchOutcome } from './pricing-pipeline.js';
import { searchItinerariesRequest } from './requests.js';
import { SearchReport } from './summary.js';
import { searchMetrics } from './metrics.js';

export interface SearchDeps {
  /** The read model: its index, what of the window it holds, and whether the first days are in. */
  model: IndexView & { readonly isReady: boolean };
  rules: ConnectionRules;
  pricing: PricingPeer;
  /** Budget of a search whose caller set no deadline, ms. */
  defaultBudgetMs: number;
  /** The longest one pricing call may take, ms, before its itineraries go out unpriced. */
  pricingTimeoutMs: number;
  /** Itineraries per pricing call; the first call prices fewer, so results start sooner. */
  batchSize: number;
  /** Pricing calls in flight at once. */
  pricingConcurrency: number;
  /** The sales cut-off, minutes before departure (flights/sales.ts). */
  salesCutoffMinutes: number;
  /** The clock the cut-off is read on, epoch ms. */
  now: () => number;
}

/** The itineraries to stream for one batch's outcome, noting what the summary must say. */
function itinerariesOf(
  outcome: BatchOutcome,
  sort: SortKey,
  report: SearchReport,
  log: Logger,
): Itinerary[] {
  switch (outcome.kind) {
    case 'priced': {
      if (outcome.response.degraded) report.pricesDegraded();
      const { itineraries, unsellable } = pricedItineraries(outcome.batch, outcome.response, sort);
      report.unsellable(unsellable);
      return itineraries;
    }
    case 'unpriced':
      if (outcome.failure !== undefined) {
        const e = errorDetails(outcome.failure);
        if (report.pricingUnavailable(e.message || String(e.code)))
          log.warn(
            { err: e.message, code: e.code },
            'pricing unavailable; streaming unpriced itineraries',
          );
      }
      return outcome.batch.map((i) => toItinerary(i));
    case 'late':
      report.timeRanOut(outcome.rest.length);
      return outcome.rest.map((i) => toItinerary(i));
  }
}

export function searchHandlers(deps: SearchDeps): Handlers<typeof SearchServiceService> {
  return {
    /**
     * Finds the best max_results itineraries (synchronously: milliseconds even for 2 stops on the
     * world schedule), then prices them in batches, a few calls in flight, and streams each batch
     * as it is priced. Ends before the caller's deadline: what is found but not priced in time
     * goes out unpriced, with summary.partial. Stops at once when the caller cancels.
     */
    async *searchItineraries(req, ctx): AsyncGenerator<SearchItinerariesResponse> {
      const request = validate(searchItinerariesRequest, req);
      // Health says NOT_SERVING until then; a caller that came anyway may retry elsewhere.
      if (!deps.model.isReady)
        throw unavailable(
          ErrorReason.ERROR_REASON_DEPENDENCY_UNAVAILABLE,
          'search is still loading the schedule',
        );
      const budget = searchBudget(Date.now(), ctx.deadline?.getTime(), deps.defaultBudgetMs);
      const report = new SearchReport();
      let finished = false;
      try {
        const query = toSearchQuery(request, earliestOnSaleMs(deps.now(), deps.salesCutoffMinutes));
        const plan = planSearch(
          deps.model,
          query,
          deps.rules,
          () => ctx.signal.aborted || Date.now() >= budget.searchUntilMs,
        );
        if (ctx.signal.aborted) return;
        report.planned(plan);
        const outcomes = priceInBatches(plan.itineraries, {
          pricing: deps.pricing,
          passengers: request.passengers,
          cabin: request.cabin,
          batchSize: deps.batchSize,
          concurrency: deps.pricingConcurrency,
          callTimeoutMs: deps.pricingTimeoutMs,
          cutoffMs: budget.cutoffMs,
          signal: ctx.signal,
        });
        for await (const outcome of outcomes)
          for (const itinerary of itinerariesOf(outcome, query.sort, report, ctx.log)) {
            yield { itinerary };
            report.streamed(itinerary);
          }
        if (ctx.signal.aborted) return;
        finished = true;
        yield { summary: report.summary(Date.now() - budget.startedMs) };
      } finally {
        if (!finished && ctx.signal.aborted) {
          searchMetrics.searches.add(1, { outcome: 'cancelled' });
          ctx.log.info(
            { elapsed_ms: Date.now() - budget.startedMs, sent: report.sent },
            'search cancelled by the caller; work stopped',
          );
        }
      }
    },
  };
}
