/** gRPC ↔ pricing: each handler validates, asks the domain and the store, maps the answer. */
import { randomUUID } from 'node:crypto';
import { FlightSegment } from '../../gen/ts/flights/v1/common.js';
import type { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import type { CabinCode } from '../../flights/codes.js';
import { alreadyExists, ErrorReason, failedPrecondition, notFound } from '../../flights/errors.js';
import type { ServiceName } from '../../flights/mesh.js';
import { onSale, salesClosed } from '../../flights/sales.js';
import { invalidField } from '../../platform/errors.js';
import type { CallContext, Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { AvailabilityCache } from './availability-cache.js';
import type { PassengerMix } from './domain/fare-model.js';
import {
  brokenConnection,
  priceFlights,
  retimedSinceQuote,
  seatsAvailable,
  seatsFor,
  unsellable,
  type FlightBasis,
  type FlightFacts,
} from './domain/itinerary.js';
import { guaranteedUntil, isExpired, requestFingerprint } from './domain/quote.js';
import { cabinCodeOf, flightHints, toPriceProto, toQuoteProto } from './mapping.js';
import type { SchedulePeer } from './peers.js';
import { pricingMetrics } from './metrics.js';
import type { QuoteRecord, QuoteStore } from './quote-store.js';
import type { ConnectionRules } from '../../flights/connections.js';
import * as requests from './requests.js';

export interface PricingDeps {
  store: QuoteStore;
  cache: AvailabilityCache;
  schedule: SchedulePeer;
  now: () => Date;
  quoteTtlSeconds: number;
  /** The sales cut-off, minutes before departure (flights/sales.ts). */
  salesCutoffMinutes: number;
  /** When two flights connect (flights/connections.ts): the rule search offers itineraries by. */
  connectionRules: ConnectionRules;
}

/**
 * Whose `flights` PriceItineraries prices from: search's, which come from its read model of
 * schedule. Any other caller's are ignored (its flights are asked of schedule), so a caller
 * cannot price a flight that does not exist or at a distance it made up. Without mTLS
 * (static addresses) the mesh is open and no caller is known: every one is taken at its word.
 */
const takesHintsFrom = (caller: string | undefined) =>
  caller === undefined || caller === ('search' satisfies ServiceName);

const saleable = (flights: FlightFacts[]) =>
  flights.map((f) => ({ flightId: f.flightId, departureMs: f.departure.getTime() }));

/**
 * FAILED_PRECONDITION ITINERARY_CHANGED when a flight of the quote was retimed after it was
 * made: a booking would confirm times that no longer fly (a newcomer booked a quote made before
 * a retime, and the booking showed the old departure).
 */
function refuseRetimed(q: QuoteRecord, flights: FlightFacts[]) {
  const quoted = q.body.segments.map((json) => {
    const s = FlightSegment.fromJSON(json);
    return {
      flightId: s.flightId,
      departureMs: s.departureTime?.getTime() ?? 0,
      arrivalMs: s.arrivalTime?.getTime() ?? 0,
    };
  });
  const changed = retimedSinceQuote(quoted, flights);
  if (changed)
    throw failedPrecondition(
      ErrorReason.ERROR_REASON_ITINERARY_CHANGED,
      `flight ${changed.now.flightId} was retimed after the quote: it now departs ${new Date(changed.now.departureMs).toISOString()} (quoted ${new Date(changed.quoted.departureMs).toISOString()})`,
      {
        flight_id: changed.now.flightId,
        quoted_departure: new Date(changed.quoted.departureMs).toISOString(),
        departure: new Date(changed.now.departureMs).toISOString(),
      },
    );
}

/** FAILED_PRECONDITION with the reason a flight cannot be sold (FLIGHT_CANCELLED, SOLD_OUT). */
function refuseUnsellable(flights: FlightFacts[], cabin: CabinCode, passengers: PassengerMix) {
  const problem = unsellable(flights, cabin, seatsFor(passengers));
  if (problem?.kind === 'cancelled')
    throw failedPrecondition(
      ErrorReason.ERROR_REASON_FLIGHT_CANCELLED,
      `flight ${problem.flightId} is cancelled`,
      { flight_id: problem.flightId },
    );
  if (problem?.kind === 'sold_out')
    throw failedPrecondition(
      ErrorReason.ERROR_REASON_SOLD_OUT,
      `flight ${problem.flightId} has ${problem.left} ${cabin} seats left, ${problem.wanted} wanted`,
      { flight_id: problem.flightId, cabin, available: String(problem.left) },
    );
}

export function pricingHandlers(deps: PricingDeps): Handlers<typeof PricingServiceService> {
  /**
   * Facts for quotes and confirmations: from memory while the feeds keep it within the cache's
   * max lag, else asked of schedule, failing closed (UNAVAILABLE) when it cannot answer.
   */
  function freshFacts(flightIds: string[], ctx: CallContext): Promise<FlightFacts[]> {
    return deps.cache.current(flightIds, (ids) => deps.schedule.flightFacts(ids, ctx));
  }

  /** SALES_CLOSED when a flight departs within the cut-off (or has left), at `now`. */
  function refuseClosed(flights: FlightFacts[], now: Date): void {
    const closed = salesClosed(saleable(flights), now.getTime(), deps.salesCutoffMinutes);
    if (closed) throw closed;
  }

  async function loadQuote(quoteId: string): Promise<QuoteRecord> {
    const q = await deps.store.get(quoteId);
    if (!q)
      throw notFound(ErrorReason.ERROR_REASON_QUOTE_NOT_FOUND, `no quote ${quoteId}`, {
        quote_id: quoteId,
      });
    return q;
  }

  return {
    async priceItineraries(request, ctx) {
      const r = validate(requests.priceItineraries, request);
      const cabin = cabinCodeOf(r.cabin);
      const now = deps.now();
      const { facts, degraded, error } = await deps.cache.lookup(
        r.itineraries.flatMap((i) => i.flightIds),
        (ids) => deps.schedule.flightFacts(ids, ctx),
        takesHintsFrom(ctx.caller) ? flightHints(r.flights) : undefined,
      );
      if (degraded) {
        ctx.log.warn({ err: error }, 'schedule unavailable; pricing from last known load factors');
        pricingMetrics.degradedAnswers.add(1);
      }
      return {
        degraded,
        itineraries: r.itineraries.map(({ key, flightIds }) => {
          const flights = flightIds.map((id) => facts.get(id));
          // Never seen and schedule down: no honest price to give.
          if (flights.some((f) => !f)) return { key, price: undefined, available: false };
          const known = flights as FlightBasis[];
          return {
            key,
            price: toPriceProto(priceFlights(known, cabin, r.passengers, now)),
            available: known.every(
              (f) =>
                seatsAvailable(f, cabin) >= seatsFor(r.passengers) &&
                onSale(f.departure.getTime(), now.getTime(), deps.salesCutoffMinutes),
            ),
          };
        }),
      };
    },

    async createQuote(request, ctx) {
      const r = validate(requests.createQuote, request);
      const cabin = cabinCodeOf(r.cabin);
      const fingerprint = requestFingerprint(r.flightIds, r.passengers, r.cabin);
      const sameRequest = (q: QuoteRecord): QuoteRecord => {
        if (q.fingerprint !== fingerprint)
          throw alreadyExists(
            ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
            `request_id ${r.requestId} was used for a different quote request`,
          );
        return q;
      };
      const existing = r.requestId ? await deps.store.byRequestId(r.requestId) : null;
      if (existing) return { quote: toQuoteProto(sameRequest(existing), deps.now()) };

      const flights = await freshFacts(r.flightIds, ctx);
      const broken = brokenConnection(flights, deps.connectionRules);
      if (broken) throw invalidField(`flight_ids[${broken.index}]`, broken.description);
      const now = deps.now();
      refuseClosed(flights, now);
      refuseUnsellable(flights, cabin, r.passengers);
      const saved = await deps.store.insert({
        quoteId: randomUUID(),
        requestId: r.requestId || null,
        fingerprint,
        body: {
          flightIds: r.flightIds,
          segments: flights.map((f) => FlightSegment.toJSON(f.segment)),
          passengers: r.passengers,
          cabin: String(r.cabin),
          price: priceFlights(flights, cabin, r.passengers, now),
        },
        createdAt: now,
        expiresAt: guaranteedUntil(now, deps.quoteTtlSeconds),
      });
      pricingMetrics.quotes.add(1, { cabin });
      return { quote: toQuoteProto(sameRequest(saved), deps.now()) };
    },

    async getQuote(request) {
      const { quoteId } = validate(requests.quoteRef, request);
      return { quote: toQuoteProto(await loadQuote(quoteId), deps.now()) };
    },

    async confirmQuote(request, ctx) {
      const { quoteId } = validate(requests.quoteRef, request);
      const q = await loadQuote(quoteId);
      const now = deps.now();
      if (isExpired(q.expiresAt, now))
        throw failedPrecondition(
          ErrorReason.ERROR_REASON_QUOTE_EXPIRED,
          `quote ${quoteId} expired at ${q.expiresAt.toISOString()}`,
          { quote_id: quoteId, expired_at: q.expiresAt.toISOString() },
        );
      const flights = await freshFacts(q.body.flightIds, ctx);
      // A quote guarantees a price, not a sale: a flight closing meanwhile is not booked.
      refuseClosed(flights, now);
      refuseUnsellable(flights, cabinCodeOf(Number(q.body.cabin)), q.body.passengers);
      refuseRetimed(q, flights);
      // The guarantee: the price quoted, whatever the flights' load factors are now.
      return { quote: toQuoteProto(q, now) };
    },
  };
}
