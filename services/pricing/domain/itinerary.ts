/**
 * An itinerary's flights as schedule reports them now, and what pricing asks of them: does it
 * connect, can it still be sold, what does it cost. Pure: no gRPC, no clock of its own.
 */
import type { FlightSegment } from '../../../gen/ts/flights/v1/common.js';
import type { CabinCode } from '../../../flights/codes.js';
import { connectionProblem, type ConnectionRules } from '../../../flights/connections.js';
import { priceItinerary, type PassengerMix, type Price } from './fare-model.js';

/** What a fare and a seat check need of one dated flight. */
export interface FlightBasis {
  flightId: string;
  distanceKm: number;
  departure: Date;
  cancelled: boolean;
  cabins: Map<CabinCode, { capacity: number; used: number; available: number }>;
}

/** What pricing knows about one dated flight from schedule's availability. */
export interface FlightFacts extends FlightBasis {
  /** The flight as a quote shows it. */
  segment: FlightSegment;
}

/** Seats a party needs: infants travel on a lap. */
export const seatsFor = (p: PassengerMix): number => p.adults + p.children;

/** Share of a cabin sold or held; a cabin the aircraft lacks counts as full. */
export function loadFactor(facts: FlightBasis, cabin: CabinCode): number {
  const c = facts.cabins.get(cabin);
  return c && c.capacity > 0 ? c.used / c.capacity : 1;
}

export function seatsAvailable(facts: FlightBasis, cabin: CabinCode): number {
  return facts.cancelled ? 0 : (facts.cabins.get(cabin)?.available ?? 0);
}

/**
 * Where an itinerary is not a journey: the index of the first flight that does not connect from
 * the one before under `rules` (flights/connections.ts, the rule search offers itineraries by:
 * from where it landed, after the airport's minimum connection time, within the longest
 * layover), with why. undefined when every flight connects.
 */
export function brokenConnection(
  flights: FlightFacts[],
  rules: ConnectionRules,
): { index: number; description: string } | undefined {
  const connecting = (s: FlightSegment) => ({
    flightId: s.flightId,
    origin: s.origin,
    destination: s.destination,
    departureMs: s.departureTime?.getTime() ?? 0,
    arrivalMs: s.arrivalTime?.getTime() ?? 0,
  });
  for (let i = 1; i < flights.length; i++) {
    const prev = flights[i - 1]!.segment;
    const next = flights[i]!.segment;
    const problem = connectionProblem(connecting(prev), connecting(next), rules);
    if (problem)
      return {
        index: i,
        description: `does not connect: ${problem}`,
      };
  }
  return undefined;
}

/** A flight as a quote showed it: its id and its times (epoch ms). */
export interface QuotedTimes {
  flightId: string;
  departureMs: number;
  arrivalMs: number;
}

/**
 * The first flight whose times are not what the quote showed (schedule retimed it since), with
 * the times it has now; undefined when every flight flies as quoted.
 */
export function retimedSinceQuote(
  quoted: QuotedTimes[],
  flights: FlightFacts[],
): { quoted: QuotedTimes; now: QuotedTimes } | undefined {
  for (const [i, q] of quoted.entries()) {
    const s = flights[i]?.segment;
    if (!s) continue;
    const now = {
      flightId: s.flightId,
      departureMs: s.departureTime?.getTime() ?? 0,
      arrivalMs: s.arrivalTime?.getTime() ?? 0,
    };
    if (now.departureMs !== q.departureMs || now.arrivalMs !== q.arrivalMs)
      return { quoted: q, now };
  }
  return undefined;
}

/** Why an itinerary cannot be sold now. */
export type Unsellable =
  | { kind: 'cancelled'; flightId: string }
  | { kind: 'sold_out'; flightId: string; cabin: CabinCode; left: number; wanted: number };

/** The first flight that is cancelled or has fewer than `wanted` seats left in the cabin. */
export function unsellable(
  flights: FlightFacts[],
  cabin: CabinCode,
  wanted: number,
): Unsellable | undefined {
  for (const f of flights) {
    if (f.cancelled) return { kind: 'cancelled', flightId: f.flightId };
    const left = seatsAvailable(f, cabin);
    if (left < wanted) return { kind: 'sold_out', flightId: f.flightId, cabin, left, wanted };
  }
  return undefined;
}

/** The fare model applied to flights as schedule reports them now. */
export function priceFlights(
  flights: FlightBasis[],
  cabin: CabinCode,
  passengers: PassengerMix,
  now: Date,
): Price {
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
