import { formatLocal, type FlightRecord } from './flight-index.js';

/** Flights for the search's unit tests: a small world of five airports, flights by number. */

export const MINUTE = 60_000;
export const DAY0 = Date.parse('2026-12-01T00:00:00Z');
export const CODES = ['AAA', 'BBB', 'CCC', 'DDD', 'LHR'];

export interface World {
  /** UTC offset of each airport, minutes (UTC−12 … UTC+14, half hours included). */
  offsets: Record<string, number>;
  defaultMct: number;
  hubMct: Record<string, number>;
  maxLayover: number;
}

export interface RawFlight {
  origin: string;
  destination: string;
  /** Departure, minutes after 2026-12-01T00:00Z. */
  dep: number;
  block: number;
  km: number;
}

export function record(world: World, r: RawFlight, n: number): FlightRecord {
  const departureMs = DAY0 + r.dep * MINUTE;
  const arrivalMs = departureMs + r.block * MINUTE;
  const depOffset = world.offsets[r.origin]!;
  const date = new Date(departureMs + depOffset * MINUTE).toISOString().slice(0, 10);
  return {
    flightId: `ZZ${n}-${date}`,
    carrier: 'ZZ',
    flightNumber: n,
    origin: r.origin,
    destination: r.destination,
    departureDate: date,
    departureMs,
    arrivalMs,
    departureLocal: formatLocal(departureMs, depOffset),
    arrivalLocal: formatLocal(arrivalMs, world.offsets[r.destination]!),
    durationMinutes: r.block,
    distanceKm: r.km,
    aircraft: '320',
    version: 1,
  };
}

/** ZZ<n> from AAA to BBB on 2026-12-01, an hour long unless told otherwise. */
export function zzFlight(n: number, over: Partial<FlightRecord>): FlightRecord {
  return {
    flightId: `ZZ${n}-2026-12-01`,
    carrier: 'ZZ',
    flightNumber: n,
    origin: 'AAA',
    destination: 'BBB',
    departureDate: '2026-12-01',
    departureMs: DAY0,
    arrivalMs: DAY0 + 60 * MINUTE,
    departureLocal: '2026-12-01T00:00:00+00:00',
    arrivalLocal: '2026-12-01T01:00:00+00:00',
    durationMinutes: 60,
    distanceKm: 100,
    aircraft: '320',
    version: 1,
    ...over,
  };
}
