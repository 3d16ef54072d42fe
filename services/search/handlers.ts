import { z } from 'zod';
import type { Cabin, PassengerCounts, PriceBreakdown } from '../../gen/ts/flights/v1/common.js';
import type { PriceItinerariesResponse } from '../../gen/ts/flights/v1/pricing.js';
import {
  PriceStatus,
  SortOrder,
  type Itinerary,
  type SearchItinerariesResponse,
  type SearchServiceService,
} from '../../gen/ts/flights/v1/search.js';
import type { CallContext, Handlers } from '../../platform/server.js';
import { fields, validate } from '../../platform/validation.js';
import type { IndexedFlight } from './domain/flight-index.js';
import {
  findItineraries,
  itineraryKey,
  type ConnectionRules,
  type FoundItinerary,
} from './domain/itineraries.js';
import type { ScheduleReadModel } from './read-model.js';

export interface SearchStats {
  searches: number;
  cancelled: number;
  partial: number;
  pricingBatches: number;
}

export interface SearchDeps {
  model: ScheduleReadModel;
  rules: ConnectionRules;
  /** pricing's PriceItineraries with a deadline of its own, under the caller's. */
  price(
    request: {
      itineraries: Array<{ key: string; flightIds: string[] }>;
      passengers: PassengerCounts;
      cabin: Cabin;
    },
    ctx: CallContext,
    deadlineMs: number,
  ): Promise<PriceItinerariesResponse>;
  /** Budget of a search whose caller set no deadline. */
  defaultBudgetMs: number;
  batchSize: number;
  stats: SearchStats;
}

/**
 * Time kept back to stream what was found and the summary before the caller's deadline: a
 * tenth of the budget, within 100–500 ms, so a busy event loop still makes it in time.
 */
const reserveMs = (budgetMs: number) => Math.min(500, Math.max(100, budgetMs / 10));

const request = z
  .object({
    origin: fields.iataCode,
    destination: fields.iataCode,
    departureDate: fields.localDate,
    passengers: fields.passengers,
    cabin: fields.cabin,
    maxStops: z.number().int().max(2, 'must be 0, 1 or 2'),
    sort: z
      .nativeEnum(SortOrder)
      .refine((s) => s !== SortOrder.UNRECOGNIZED, 'is not a sort order'),
    maxResults: z.number().int().max(100, 'must be at most 100'),
  })
  .refine((r) => r.origin !== r.destination, {
    path: ['destination'],
    message: 'must differ from origin',
  });

function segment(f: IndexedFlight) {
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
  price: PriceBreakdown | undefined,
  priceStatus: PriceStatus,
): Itinerary {
  return {
    itineraryId: itineraryKey(i.flights),
    segments: i.flights.map(segment),
    departureTime: new Date(i.departureMs),
    arrivalTime: new Date(i.arrivalMs),
    durationMinutes: i.durationMinutes,
    stops: i.stops,
    price,
    priceStatus,
  };
}

/** Candidates in the order asked for; by price, fewer stops and shorter first until priced. */
function rank(candidates: FoundItinerary[], sort: SortOrder): FoundItinerary[] {
  const byDeparture = (a: FoundItinerary, b: FoundItinerary) =>
    a.departureMs - b.departureMs || a.durationMinutes - b.durationMinutes;
  const byDuration = (a: FoundItinerary, b: FoundItinerary) =>
    a.durationMinutes - b.durationMinutes || a.departureMs - b.departureMs;
  if (sort === SortOrder.SORT_ORDER_DEPARTURE) return candidates.sort(byDeparture);
  if (sort === SortOrder.SORT_ORDER_DURATION) return candidates.sort(byDuration);
  return candidates.sort((a, b) => a.stops - b.stops || byDuration(a, b));
}

export function searchHandlers(deps: SearchDeps): Handlers<typeof SearchServiceService> {
  return {
    async *searchItineraries(req, ctx): AsyncGenerator<SearchItinerariesResponse> {
      const r = validate(request, req);
      const started = Date.now();
      const deadline = Math.min(
        ctx.deadline?.getTime() ?? Infinity,
        started + deps.defaultBudgetMs,
      );
      const RESERVE_MS = reserveMs(deadline - started);
      deps.stats.searches++;
      const maxResults = r.maxResults || 20;
      let partial = false;
      const notes: string[] = [];

      const found = findItineraries(
        deps.model.index,
        {
          origin: r.origin,
          destination: r.destination,
          date: r.departureDate,
          maxStops: r.maxStops,
        },
        deps.rules,
        () => ctx.signal.aborted || Date.now() > deadline - RESERVE_MS,
      );
      if (ctx.signal.aborted) return cancelled();
      if (Date.now() > deadline - RESERVE_MS) {
        partial = true;
        notes.push('time ran out while finding connections');
      }
      const candidates = rank(found.flat(), r.sort).slice(0, maxResults);

      let sent = 0;
      let pricingDown = false;
      let degraded = false;
      for (let i = 0; i < candidates.length; i += deps.batchSize) {
        if (ctx.signal.aborted) return cancelled();
        const left = deadline - Date.now() - RESERVE_MS;
        if (left <= 0) {
          partial = true;
          notes.push(`time ran out after ${sent} of ${candidates.length} itineraries`);
          break;
        }
        const batch = candidates.slice(i, i + deps.batchSize);
        let priced: PriceItinerariesResponse | undefined;
        if (!pricingDown) {
          try {
            deps.stats.pricingBatches++;
            priced = await deps.price(
              {
                itineraries: batch.map((c) => ({
                  key: itineraryKey(c.flights),
                  flightIds: c.flights.map((f) => f.flightId),
                })),
                passengers: r.passengers,
                cabin: r.cabin,
              },
              ctx,
              left,
            );
          } catch (err) {
            if (ctx.signal.aborted) return cancelled();
            if (Date.now() >= deadline - RESERVE_MS) {
              // Our own budget ran out while pricing: end with what is already out.
              partial = true;
              notes.push(`time ran out after ${sent} of ${candidates.length} itineraries`);
              break;
            }
            // Better an unpriced answer than none: the caller can price what it picks.
            pricingDown = true;
            ctx.log.warn(
              { err: (err as Error).message },
              'pricing unavailable; streaming unpriced itineraries',
            );
            notes.push('prices unavailable');
          }
        }
        if (priced?.degraded) degraded = true;
        const prices = new Map(priced?.itineraries.map((p) => [p.key, p]));
        const out = batch.flatMap((c) => {
          const p = prices.get(itineraryKey(c.flights));
          if (p && !p.available) return []; // sold out in this cabin: nothing to sell
          const statusOf = !p?.price
            ? PriceStatus.PRICE_STATUS_UNPRICED
            : priced?.degraded
              ? PriceStatus.PRICE_STATUS_DEGRADED
              : PriceStatus.PRICE_STATUS_PRICED;
          return [toItinerary(c, p?.price, statusOf)];
        });
        if (r.sort === SortOrder.SORT_ORDER_PRICE || r.sort === SortOrder.SORT_ORDER_UNSPECIFIED)
          out.sort(
            (a, b) =>
              (a.price?.total?.amountMinor ?? Infinity) - (b.price?.total?.amountMinor ?? Infinity),
          );
        for (const itinerary of out) {
          yield { itinerary };
          sent++;
        }
      }
      if (degraded) notes.push('some prices from last known load factors (schedule slow)');
      if (partial) deps.stats.partial++;
      yield {
        summary: {
          resultCount: sent,
          partial,
          note: notes.join('; '),
          elapsedMs: Date.now() - started,
        },
      };

      function cancelled(): void {
        deps.stats.cancelled++;
        ctx.log.info(
          { elapsed_ms: Date.now() - started },
          'search cancelled by the caller; work stopped',
        );
      }
    },
  };
}
