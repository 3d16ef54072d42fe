import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FlightSegment } from '../../gen/ts/flights/v1/common.js';
import {
  QuoteStatus,
  type PricingServiceService,
  type Quote,
} from '../../gen/ts/flights/v1/pricing.js';
import type { FlightAvailability } from '../../gen/ts/flights/v1/schedule.js';
import {
  alreadyExists,
  dependencyUnavailable,
  ErrorReason,
  failedPrecondition,
  notFound,
} from '../../flights/errors.js';
import { fields } from '../../flights/fields.js';
import { invalidField, isUnreachable, relayed } from '../../platform/errors.js';
import { callPeer } from '../../platform/peers.js';
import type { CallContext, Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { AvailabilityCache } from './availability.js';
import {
  cabinCodeOf,
  factsOf,
  loadFactor,
  seatsAvailable,
  type FlightFacts,
} from './availability.js';
import { priceItinerary, type CabinCode, type PassengerMix } from './domain/fare-model.js';
import { toPriceProto } from './mapping.js';
import type { QuoteRecord, QuoteStore } from './quote-store.js';

export interface PricingDeps {
  store: QuoteStore;
  cache: AvailabilityCache;
  /** schedule's GetAvailability, bound to the incoming call for its deadline and cancellation. */
  availability(flightIds: string[], parent: CallContext): Promise<FlightAvailability[]>;
  now: () => Date;
  quoteTtlSeconds: number;
}

const MAX_BATCH = 500;
const itineraryFlights = z
  .array(fields.flightId)
  .min(1, 'must name at least one flight')
  .max(3, 'must be at most 3 flights (2 stops)');

const priceItineraries = z.object({
  itineraries: z
    .array(z.object({ key: z.string().max(200), flightIds: itineraryFlights }))
    .min(1, 'must contain at least one itinerary')
    .max(MAX_BATCH, `must be at most ${MAX_BATCH} itineraries`),
  passengers: fields.passengers,
  cabin: fields.cabin,
});
const createQuote = z.object({
  flightIds: itineraryFlights,
  passengers: fields.passengers,
  cabin: fields.cabin,
  requestId: fields.clientId.or(z.literal('')),
});
const quoteRef = z.object({ quoteId: z.string().uuid('must be a quote id issued by CreateQuote') });

const seats = (p: PassengerMix) => p.adults + p.children;

/** The itinerary must be a journey: each flight leaves from where the last one landed, later. */
function checkConnects(flights: FlightFacts[]): void {
  for (let i = 1; i < flights.length; i++) {
    const prev = flights[i - 1]!.segment;
    const next = flights[i]!.segment;
    if (
      prev.destination !== next.origin ||
      (next.departureTime?.getTime() ?? 0) <= (prev.arrivalTime?.getTime() ?? 0)
    )
      throw invalidField(
        `flight_ids[${i}]`,
        `does not connect: ${prev.flightId} lands at ${prev.destination}, ${next.flightId} leaves ${next.origin}`,
      );
  }
}

function checkBookable(flights: FlightFacts[], cabin: CabinCode, wanted: number): void {
  for (const f of flights) {
    if (f.cancelled)
      throw failedPrecondition(
        ErrorReason.ERROR_REASON_FLIGHT_CANCELLED,
        `flight ${f.flightId} is cancelled`,
        { flight_id: f.flightId },
      );
    const left = seatsAvailable(f, cabin);
    if (left < wanted)
      throw failedPrecondition(
        ErrorReason.ERROR_REASON_SOLD_OUT,
        `flight ${f.flightId} has ${left} ${cabin} seats left, ${wanted} wanted`,
        {
          flight_id: f.flightId,
          cabin,
          available: String(left),
        },
      );
  }
}

/** The fare model applied to flights as schedule reports them now. */
function priceFlights(
  flights: FlightFacts[],
  cabin: CabinCode,
  passengers: PassengerMix,
  now: Date,
) {
  return priceItinerary({
    segments: flights.map((f) => ({
      distanceKm: f.distanceKm,
      loadFactor: loadFactor(f, cabin),
      departure: f.departure,
    })),
    cabin,
    passengers,
    now,
  });
}

function toQuoteProto(q: QuoteRecord, now: Date): Quote {
  return {
    quoteId: q.quoteId,
    segments: q.body.segments.map((s) => FlightSegment.fromJSON(s)),
    passengers: q.body.passengers,
    cabin: Number(q.body.cabin),
    price: toPriceProto(q.body.price),
    createdAt: q.createdAt,
    expiresAt: q.expiresAt,
    status: now >= q.expiresAt ? QuoteStatus.QUOTE_STATUS_EXPIRED : QuoteStatus.QUOTE_STATUS_ACTIVE,
  };
}

export function pricingHandlers(deps: PricingDeps): Handlers<typeof PricingServiceService> {
  /** Fresh availability for quotes and confirmations: no cache, and fail closed. */
  async function freshFacts(flightIds: string[], ctx: CallContext): Promise<FlightFacts[]> {
    const answer = await callPeer(
      () => deps.availability(flightIds, ctx),
      dependencyUnavailable('schedule is unavailable; cannot check seats, try again'),
    );
    const facts = answer.map(factsOf);
    const at = deps.now().getTime();
    for (const f of facts) deps.cache.remember(f, at);
    return facts;
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
      const r = validate(priceItineraries, request);
      const cabin = cabinCodeOf(r.cabin);
      const now = deps.now();
      const { facts, degraded, error } = await deps.cache.lookup(
        r.itineraries.flatMap((i) => i.flightIds),
        (ids) => deps.availability(ids, ctx),
      );
      if (error && !isUnreachable(error)) throw relayed(error);
      if (degraded)
        ctx.log.warn({ err: error }, 'schedule unavailable; pricing from last known load factors');
      return {
        degraded,
        itineraries: r.itineraries.map(({ key, flightIds }) => {
          const flights = flightIds.map((id) => facts.get(id));
          // Never seen and schedule down: no honest price to give.
          if (flights.some((f) => !f)) return { key, price: undefined, available: false };
          const known = flights as FlightFacts[];
          const price = priceFlights(known, cabin, r.passengers, now);
          return {
            key,
            price: toPriceProto(price),
            available: known.every((f) => seatsAvailable(f, cabin) >= seats(r.passengers)),
          };
        }),
      };
    },

    async createQuote(request, ctx) {
      const r = validate(createQuote, request);
      const cabin = cabinCodeOf(r.cabin);
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([r.flightIds, r.passengers, r.cabin]))
        .digest('hex');
      if (r.requestId) {
        const existing = await deps.store.byRequestId(r.requestId);
        if (existing)
          return { quote: toQuoteProto(sameRequest(existing, fingerprint), deps.now()) };
      }
      const flights = await freshFacts(r.flightIds, ctx);
      checkConnects(flights);
      checkBookable(flights, cabin, seats(r.passengers));
      const now = deps.now();
      const price = priceFlights(flights, cabin, r.passengers, now);
      const saved = await deps.store.insert({
        quoteId: randomUUID(),
        requestId: r.requestId || null,
        fingerprint,
        body: {
          flightIds: r.flightIds,
          segments: flights.map((f) => FlightSegment.toJSON(f.segment)),
          passengers: r.passengers,
          cabin: String(r.cabin),
          price,
        },
        createdAt: now,
        expiresAt: new Date(now.getTime() + deps.quoteTtlSeconds * 1000),
        confirmedAt: null,
      });
      return { quote: toQuoteProto(sameRequest(saved, fingerprint), deps.now()) };

      function sameRequest(q: QuoteRecord, fp: string): QuoteRecord {
        if (q.fingerprint !== fp)
          throw alreadyExists(
            ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
            `request_id ${r.requestId} was used for a different quote request`,
          );
        return q;
      }
    },

    async getQuote(request) {
      const { quoteId } = validate(quoteRef, request);
      return { quote: toQuoteProto(await loadQuote(quoteId), deps.now()) };
    },

    async confirmQuote(request, ctx) {
      const { quoteId } = validate(quoteRef, request);
      const q = await loadQuote(quoteId);
      const now = deps.now();
      if (now >= q.expiresAt)
        throw failedPrecondition(
          ErrorReason.ERROR_REASON_QUOTE_EXPIRED,
          `quote ${quoteId} expired at ${q.expiresAt.toISOString()}`,
          {
            quote_id: quoteId,
            expired_at: q.expiresAt.toISOString(),
          },
        );
      const flights = await freshFacts(q.body.flightIds, ctx);
      checkBookable(flights, cabinCodeOf(Number(q.body.cabin)), seats(q.body.passengers));
      await deps.store.markConfirmed(quoteId, now);
      // The guarantee: the price quoted, whatever the flights' load factors are now.
      return { quote: toQuoteProto(q, now) };
    },
  };
}
