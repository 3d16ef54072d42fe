/**
 * The names the domain code and the HTTP API use for cabins and passenger types: plain strings,
 * no generated code, so pure domain modules can use them.
 */

/** The four cabins, cheapest first. */
export const CABIN_CODES = ['economy', 'premium_economy', 'business', 'first'] as const;
export type CabinCode = (typeof CABIN_CODES)[number];

/** Passenger types; fare rules and seating depend on them (an infant takes no seat). */
export const PASSENGER_KINDS = ['adult', 'child', 'infant'] as const;
export type PassengerKind = (typeof PASSENGER_KINDS)[number];
