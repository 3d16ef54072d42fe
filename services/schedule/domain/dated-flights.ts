import { isCalendarDate } from '../../../flights/calendar.js';
import { FLIGHT_ID, formatFlightId } from '../../../flights/flight-id.js';
import { DateTime } from 'luxon';
import type { CabinLayout } from './aircraft.js';
import type { Places } from './reference-data.js';
import type { DayDepartures } from './day-departures.js';
import { describe, fromLocal, toLocal } from './zone-clock.js';
import type { FlightPattern } from './timetable.js';

/** One operation of a pattern on a date: the row a passenger books. */
export interface DatedFlight {
  /** "BA117-2026-12-01": carrier, number and local departure date, unique for a flight. */
  flightId: string;
  carrier: string;
  flightNumber: number;
  origin: string;
  destination: string;
  /** Local departure date at the origin. */
  departureDate: string;
  departureUtc: Date;
  arrivalUtc: Date;
  /** ISO-8601 local times with the UTC offset in force at each end. */
  departureLocal: string;
  arrivalLocal: string;
  /** Local arrival date at the destination (may be a day before or after departure). */
  arrivalDate: string;
  durationMinutes: number;
  distanceKm: number;
  aircraft: string;
  cabins: CabinLayout;
}

export interface FlightId {
  carrier: string;
  flightNumber: number;
  departureDate: string;
}

export function parseFlightId(flightId: string): FlightId | null {
  const m = FLIGHT_ID.exec(flightId);
  if (!m || !isCalendarDate(m[3]!)) return null;
  return { carrier: m[1]!, flightNumber: Number(m[2]), departureDate: m[3]! };
}

/**
 * The pattern's flight on a local date, or null when it does not operate that day. A
 * departure inside a spring-forward gap moves forward by the gap, as luxon (and airlines) do.
 */
export function datedFlightFor(
  pattern: FlightPattern,
  ref: Places,
  date: string,
): DatedFlight | null {
  if (date < pattern.effectiveFrom || date > pattern.effectiveTo) return null;
  const origin = ref.airports.get(pattern.origin);
  const destination = ref.airports.get(pattern.destination);
  if (!origin || !destination) return null;
  const departure = fromLocal(origin.timeZone, date, pattern.departureLocalTime);
  if (!departure || !pattern.daysOfWeek.includes(departure.weekday)) return null;
  const arrival = toLocal(destination.timeZone, departure.utcMs + pattern.blockMinutes * 60_000);
  return {
    flightId: formatFlightId(pattern.carrier, pattern.flightNumber, date),
    carrier: pattern.carrier,
    flightNumber: pattern.flightNumber,
    origin: pattern.origin,
    destination: pattern.destination,
    departureDate: date,
    departureUtc: new Date(departure.utcMs),
    arrivalUtc: new Date(arrival.utcMs),
    departureLocal: departure.iso,
    arrivalLocal: arrival.iso,
    arrivalDate: arrival.date,
    durationMinutes: pattern.blockMinutes,
    distanceKm: pattern.distanceKm,
    aircraft: pattern.aircraft,
    cabins: pattern.cabins,
  };
}

/** The i-th flight of a day's departures as a DatedFlight (the pattern is `day.pattern[i]`'s). */
export function datedFlightAt(day: DayDepartures, i: number, pattern: FlightPattern): DatedFlight {
  const departure = describe(day.departureMs[i]!, day.departureOffset[i]!);
  const arrival = describe(day.arrivalMs[i]!, day.arrivalOffset[i]!);
  return {
    flightId: formatFlightId(pattern.carrier, pattern.flightNumber, day.date),
    carrier: pattern.carrier,
    flightNumber: pattern.flightNumber,
    origin: pattern.origin,
    destination: pattern.destination,
    departureDate: day.date,
    departureUtc: new Date(departure.utcMs),
    arrivalUtc: new Date(arrival.utcMs),
    departureLocal: departure.iso,
    arrivalLocal: arrival.iso,
    arrivalDate: arrival.date,
    durationMinutes: pattern.blockMinutes,
    distanceKm: pattern.distanceKm,
    aircraft: pattern.aircraft,
    cabins: pattern.cabins,
  };
}

export interface FlightRange {
  fromDate: string;
  toDate: string;
  origin?: string;
  destination?: string;
}

/** Dated flights departing (local date) in the range, date by date, in pattern order. */
export function* datedFlights(
  patterns: FlightPattern[],
  ref: Places,
  range: FlightRange,
): Generator<DatedFlight> {
  const selected = patterns.filter(
    (p) =>
      (!range.origin || p.origin === range.origin) &&
      (!range.destination || p.destination === range.destination),
  );
  const last = DateTime.fromISO(range.toDate, { zone: 'utc' });
  for (
    let day = DateTime.fromISO(range.fromDate, { zone: 'utc' });
    day <= last;
    day = day.plus({ days: 1 })
  ) {
    const date = day.toISODate()!;
    for (const pattern of selected) {
      const flight = datedFlightFor(pattern, ref, date);
      if (flight) yield flight;
    }
  }
}
