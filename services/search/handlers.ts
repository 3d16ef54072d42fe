import { z } from 'zod';
import type { Cabin, PassengerCounts } from '../../gen/ts/flights/v1/common.js';
import type { PriceItinerariesResponse } from '../../gen/ts/flights/v1/pricing.js';
import {
  PriceStatus,
  SortOrder,
  type Itinerary,
  type SearchItinerariesResponse,
  type SearchServiceService,
} from '../../gen/ts/flights/v1/search.js';
import { ErrorReason, unavailable } from '../../flights/errors.js';
import { fields } from '../../flights/fields.js';
import { errorDetails } from '../../platform/errors.js';
import type { Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { FlightRecord } from './domain/flight-index.js';
import {
  searchItineraries,
  type ConnectionRules,
  type FoundItinerary,
  type SortKey,
} from './domain/itineraries.js';
import type { ScheduleReadModel } from './read-model.js';

/** Counters a test (or a metrics endpoint) can read. */
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

export interface PriceRequest {
  itineraries: Array<{ key: string; flightIds: string[] }>;
  passengers: PassengerCounts;
  cabin: Cabin;
}

export interface SearchDeps {
  model: Pick<ScheduleReadModel, 'index' | 'coverage' | 'isReady'>;
  rules: ConnectionRules;
  /** pricing's PriceItineraries, within deadlineMs, abandoned when the signal aborts. */
  price(
    request: PriceRequest,
    options: { deadlineMs: number; signal: AbortSignal },
  ): Promise<PriceItinerariesResponse>;
  /** Budget of a search whose caller set no deadline. */
  defaultBudgetMs: number;
  /** The longest one pricing call may take before its itineraries go out unpriced. */
  pricingTimeoutMs: number;
  /** Itineraries per pricing call; the first call prices fewer, so results start sooner. */
  batchSize: number;
  /** Pricing calls in flight at once. */
  pricingConcurrency: number;
  stats: SearchStats;
}

export const MAX_RESULTS = 200;
const DEFAULT_RESULTS = 50;
const FIRST_BATCH = 5;

const request = z
  .object({
    origin: fields.iataCode,
    destination: fields.iataCode,
    departureDate: fields.localDate,
    passengers: fields.passengers,
    cabin: fields.cabin,
    maxStops: z.number().int().min(0).max(2, 'must be 0, 1 or 2'),
    sort: z
      .nativeEnum(SortOrder)
      .refine((s) => s !== SortOrder.UNRECOGNIZED, 'is not a sort order'),
    maxResults: z.number().int().min(0).max(MAX_RESULTS, `must be at most ${MAX_RESULTS}`),
  })
  .refine((r) => r.origin !== r.destination, {
    path: ['destination'],
    message: 'must differ from origin',
  });

const SORTS: Record<SortOrder, SortKey> = {
  [SortOrder.SORT_ORDER_UNSPECIFIED]: 'price',
  [SortOrder.SORT_ORDER_PRICE]: 'price',
  [SortOrder.SORT_ORDER_DURATION]: 'duration',
  [SortOrder.SORT_ORDER_DEPARTURE]: 'departure',
  [SortOrder.UNRECOGNIZED]: 'price',
};

/**
 * Time kept back to stream what was found and the summary before the caller's deadline: a tenth
 * of the budget, within 100–500 ms, so a busy event loop still makes it in time.
 */
const reserveMs = (budgetMs: number) => Math.min(500, Math.max(100, budgetMs / 10));

/**
 * Days after the departure date whose flights a search with this many stops may use: each
 * connection waits at most the maximum layover after a flight of at most ~20 h, and local
 * dates may run a day ahead of UTC.
 */
const daysSpanned = (maxStops: number, rules: ConnectionRules) =>
  maxStops === 0 ? 0 : Math.ceil((maxStops * (rules.maxLayoverMinutes + 20 * 60)) / 1440) + 1;

function segment(f: FlightRecord) {
  return {
    flightId: f.flightId,
    carrierCode: f.carrier,
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departureTime: new Date(f.departureMs),
    arrivalTime: new Date(f.arrivalMs),
    departureLocal: f.departureLocal,
    arrivalLocal: f.arrivalLocal,
    durationMinutes: f.durationMinutes,
    distanceKm: f.distanceKm,
    aircraftCode: f.aircraft,
  };
}

function toItinerary(
  i: FoundItinerary,
  priced?: { price: Itinerary['price']; degraded: boolean },
): Itinerary {
  return {
    itineraryId: i.id,
    segments: i.flights.map(segment),
    departureTime: new Date(i.departureMs),
    arrivalTime: new Date(i.arrivalMs),
    durationMinutes: i.durationMinutes,
    stops: i.stops,
    price: priced?.price,
    priceStatus: !priced?.price
      ? PriceStatus.PRICE_STATUS_UNPRICED
      : priced.degraded
        ? PriceStatus.PRICE_STATUS_DEGRADED
        : PriceStatus.PRICE_STATUS_PRICED,
  };
}

/** The ranked itineraries in pricing batches: a small first one, then batchSize each. */
function batches(all: FoundItinerary[], batchSize: number): FoundItinerary[][] {
  const out: FoundItinerary[][] = [];
  const first = Math.min(FIRST_BATCH, batchSize);
  if (all.length) out.push(all.slice(0, first));
  for (let i = first; i < all.length; i += batchSize) out.push(all.slice(i, i + batchSize));
  return out;
}

type Priced = { response: PriceItinerariesResponse } | { error: unknown };

/** Waits for a promise, the time `at`, or the signal, whichever comes first. */
function until<T>(p: Promise<T>, at: number, signal: AbortSignal): Promise<T | 'late' | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const done = (v: T | 'late' | 'aborted') => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done('aborted');
    const timer = setTimeout(() => done('late'), Math.max(0, at - Date.now()));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(done, () => done('late'));
  });
}

export function searchHandlers(deps: SearchDeps): Handlers<typeof SearchServiceService> {
  const { stats } = deps;
  return {
    /**
     * Finds the best max_results itineraries (synchronously: milliseconds even for 2 stops on the
     * world schedule), then prices them in batches, a few calls in flight, and streams each batch
     * as it is priced. Ends before the caller's deadline: what is found but not priced in time
     * goes out unpriced, with summary.partial. Stops at once when the caller cancels.
     */
    async *searchItineraries(req, ctx): AsyncGenerator<SearchItinerariesResponse> {
      const r = validate(request, req);
      // Health says NOT_SERVING until then; a caller that came anyway may retry elsewhere.
      if (!deps.model.isReady)
        throw unavailable(
          ErrorReason.ERROR_REASON_DEPENDENCY_UNAVAILABLE,
          'search is still loading the schedule',
        );
      const started = Date.now();
      // The caller's deadline when it set one (never run past it), else the default budget.
      const deadline = ctx.deadline?.getTime() ?? started + deps.defaultBudgetMs;
      const cutoff = deadline - reserveMs(deadline - started);
      stats.searches++;
      const notes: string[] = [];
      let partial = false;
      let finished = false;
      let sent = 0;
      // Aborted when the caller cancels or this search ends: in-flight pricing calls stop.
      const work = new AbortController();
      const onCancel = () => work.abort();
      ctx.signal.addEventListener('abort', onCancel, { once: true });

      try {
        const coverage = deps.model.coverage(r.departureDate, daysSpanned(r.maxStops, deps.rules));
        if (coverage.state === 'loading') {
          partial = true;
          notes.push(
            `schedule after ${coverage.loadedThrough} still loading: some connections may be missing`,
          );
        } else if (coverage.state === 'outside') {
          notes.push(
            `${r.departureDate} is outside the schedule held (${coverage.from} to ${coverage.to})`,
          );
        }

        for (const [field, code] of [
          ['from', r.origin],
          ['to', r.destination],
        ] as const)
          if (deps.model.index.airportId(code) < 0)
            notes.push(`no flights ${field} ${code} in the schedule held`);

        // The search itself gets at most half of the time left, pricing the rest.
        const searchUntil = started + (cutoff - started) / 2;
        const found = searchItineraries(
          deps.model.index,
          {
            origin: r.origin,
            destination: r.destination,
            date: r.departureDate,
            maxStops: r.maxStops,
          },
          deps.rules,
          {
            sort: SORTS[r.sort],
            limit: r.maxResults || DEFAULT_RESULTS,
            shouldStop: () => ctx.signal.aborted || Date.now() >= searchUntil,
          },
        );
        if (ctx.signal.aborted) return;
        if (!found.complete) {
          partial = true;
          notes.push('time ran out while finding connections: better ones may exist');
        }

        const groups = batches(found.itineraries, deps.batchSize);
        const price = async (batch: FoundItinerary[]): Promise<Priced> => {
          stats.pricingBatches++;
          try {
            const response = await deps.price(
              {
                itineraries: batch.map((i) => ({
                  key: i.id,
                  flightIds: i.flights.map((f) => f.flightId),
                })),
                passengers: r.passengers,
                cabin: r.cabin,
              },
              {
                deadlineMs: Math.max(1, Math.min(deps.pricingTimeoutMs, cutoff - Date.now())),
                signal: work.signal,
              },
            );
            return { response };
          } catch (error) {
            return { error };
          }
        };

        const inFlight: Array<Promise<Priced>> = [];
        let launched = 0;
        let pricingDown = false;
        let degraded = false;
        for (let next = 0; next < groups.length; next++) {
          while (
            !pricingDown &&
            launched < groups.length &&
            inFlight.length < deps.pricingConcurrency
          )
            inFlight.push(price(groups[launched++]!));
          const batch = groups[next]!;
          let out: Itinerary[];
          if (next < launched) {
            const result = await until(inFlight.shift()!, cutoff, ctx.signal);
            if (result === 'aborted') return;
            if (result === 'late' || ('error' in result && Date.now() >= cutoff - 10)) {
              // Our own time is up: what is found goes out now, unpriced.
              work.abort();
              const rest = groups.slice(next).flat();
              partial = true;
              notes.push(`time ran out while pricing: ${rest.length} itineraries sent unpriced`);
              for (const i of rest) {
                yield { itinerary: toItinerary(i) };
                sent++;
                stats.unpriced++;
              }
              break;
            }
            if ('error' in result) {
              if (ctx.signal.aborted) return;
              stats.pricingFailures++;
              if (!pricingDown) {
                pricingDown = true;
                const e = errorDetails(result.error);
                ctx.log.warn(
                  { err: e.message, code: e.code },
                  'pricing unavailable; streaming unpriced itineraries',
                );
                notes.push(`prices unavailable (pricing: ${e.message || e.code})`);
              }
              out = batch.map((i) => toItinerary(i));
            } else {
              const res = result.response;
              if (res.degraded) degraded = true;
              const byKey = new Map(res.itineraries.map((p) => [p.key, p]));
              out = [];
              for (const i of batch) {
                const p = byKey.get(i.id);
                if (p && !p.available) {
                  stats.unsellable++;
                  continue;
                }
                out.push(
                  toItinerary(i, p?.price ? { price: p.price, degraded: res.degraded } : undefined),
                );
              }
              if (SORTS[r.sort] === 'price')
                out.sort(
                  (a, b) =>
                    (a.price?.total?.amountMinor ?? Infinity) -
                    (b.price?.total?.amountMinor ?? Infinity),
                );
            }
          } else {
            out = batch.map((i) => toItinerary(i)); // pricing is down: not asked again
          }
          for (const itinerary of out) {
            yield { itinerary };
            sent++;
            if (!itinerary.price) stats.unpriced++;
          }
        }
        if (degraded) notes.push('some prices from last known load factors (schedule slow)');
        if (partial) stats.partial++;
        finished = true;
        yield {
          summary: {
            resultCount: sent,
            partial,
            note: notes.join('; '),
            elapsedMs: Date.now() - started,
          },
        };
      } finally {
        ctx.signal.removeEventListener('abort', onCancel);
        work.abort();
        if (!finished && ctx.signal.aborted) {
          stats.cancelled++;
          ctx.log.info(
            { elapsed_ms: Date.now() - started, sent },
            'search cancelled by the caller; work stopped',
          );
        }
      }
    },
  };
}
