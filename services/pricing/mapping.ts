/** Proto ↔ pricing's domain: availability in, prices and quotes out. */
import {
  FlightSegment,
  FlightStatus,
  PassengerType,
  PriceLine_Kind,
  type Cabin,
  type Flight,
  type PriceBreakdown,
} from '../../gen/ts/flights/v1/common.js';
import { QuoteStatus, type Quote } from '../../gen/ts/flights/v1/pricing.js';
import type {
  CabinAvailability,
  FlightAvailability,
  WatchAvailabilityResponse,
  WatchScheduleResponse,
} from '../../gen/ts/flights/v1/schedule.js';
import type { CabinCode } from '../../flights/codes.js';
import { cabinCode, passengerTypeProto } from '../../flights/enums.js';
import { segmentOf } from '../../flights/segments.js';
import type { LineKind, Price } from './domain/fare-model.js';
import type { CabinSeats, FlightChange, FlightHint } from './availability-cache.js';
import type { FlightFacts } from './domain/itinerary.js';
import type { QuoteRecord } from './quote-store.js';

/** A validated request's cabin (never UNSPECIFIED) as the fare model names it. */
export const cabinCodeOf = (cabin: Cabin): CabinCode => cabinCode(cabin) ?? 'economy';

/** A cabin's seats from schedule as pricing counts them. */
const seatsOf = (c: CabinAvailability): CabinSeats => ({
  capacity: c.capacity,
  used: c.sold + c.held,
  available: c.available,
});

/** A flight from schedule (GetAvailability, WatchSchedule) as pricing's facts, without seats. */
function flightChangeOf(f: Flight): FlightChange {
  return {
    flightId: f.flightId,
    distanceKm: f.distanceKm,
    departure: f.departureTime ?? new Date(0),
    cancelled: f.status === FlightStatus.FLIGHT_STATUS_CANCELLED,
    segment: segmentOf(f),
  };
}

/** One flight of schedule's GetAvailability answer as the facts pricing works from. */
export function factsOf(a: FlightAvailability): FlightFacts {
  const cabins: FlightFacts['cabins'] = new Map();
  for (const c of a.cabins) {
    const code = cabinCode(c.cabin);
    if (code) cabins.set(code, seatsOf(c));
  }
  return { ...flightChangeOf(a.flight!), cabins };
}

/** One message of either feed, as the availability cache takes it. */
export interface FeedMessage {
  cursor: string;
  /** Cabins whose seats changed (seat feed). */
  seats: Array<{ flightId: string; cabin: CabinCode; seats: CabinSeats }>;
  /** A retimed or cancelled flight (change feed). */
  flight?: FlightChange;
  /** Seat feed: every change committed before this message's poll has been sent. */
  caughtUp?: boolean;
}

export function feedMessageOfSeats(r: WatchAvailabilityResponse): FeedMessage {
  return {
    cursor: r.cursor,
    caughtUp: r.caughtUp,
    seats: r.changes.flatMap(({ flightId, seats }) => {
      const cabin = seats && cabinCode(seats.cabin);
      return cabin ? [{ flightId, cabin, seats: seatsOf(seats!) }] : [];
    }),
  };
}

export function feedMessageOfSchedule(r: WatchScheduleResponse): FeedMessage {
  const flight = r.event?.flight;
  return { cursor: r.cursor, seats: [], flight: flight && flightChangeOf(flight) };
}

const KIND: Record<LineKind, PriceLine_Kind> = {
  base_fare: PriceLine_Kind.KIND_BASE_FARE,
  tax: PriceLine_Kind.KIND_TAX,
  fee: PriceLine_Kind.KIND_FEE,
};

/** Amounts stay integers in the currency's minor unit (cents). */
export function toPriceProto(price: Price): PriceBreakdown {
  const money = (amountMinor: number) => ({ currency: price.currency, amountMinor });
  return {
    total: money(price.total),
    lines: price.lines.map((l) => ({
      kind: KIND[l.kind],
      code: l.code,
      description: l.description,
      passengerType: l.passenger
        ? passengerTypeProto(l.passenger)
        : PassengerType.PASSENGER_TYPE_UNSPECIFIED,
      segmentIndex: l.segmentIndex,
      unitAmount: money(l.unitAmount),
      quantity: l.quantity,
      amount: money(l.amount),
    })),
    fareBuckets: price.fareBuckets,
  };
}

/** A stored quote as clients see it; EXPIRED once `now` is past its guarantee. */
export function toQuoteProto(q: QuoteRecord, now: Date): Quote {
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

/** PriceItineraries' `flights` (validated) by flight id, as the availability cache takes them. */
export function flightHints(
  flights: Array<{
    flightId: string;
    departureTime: Date;
    distanceKm: number;
    aircraftCode: string;
  }>,
): Map<string, FlightHint> {
  return new Map(
    flights.map((f) => [
      f.flightId,
      {
        flightId: f.flightId,
        departure: f.departureTime,
        distanceKm: f.distanceKm,
        aircraftCode: f.aircraftCode,
      },
    ]),
  );
}
