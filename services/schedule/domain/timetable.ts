import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { cabinLayout, defaultAircraft, type CabinLayout } from './aircraft.js';
import { greatCircleKm } from './geo.js';
import type { ReferenceData, Route } from './reference-data.js';

export type TimetableSize = 'small' | 'world';

/**
 * One flight number operating on some days of the week over a period, as airlines publish
 * schedules (IATA SSIM). Dated flights are materialised from patterns when asked for.
 */
export interface FlightPattern {
  carrier: string;
  flightNumber: number;
  origin: string;
  destination: string;
  /** Local time at the origin, "HH:MM". */
  departureLocalTime: string;
  blockMinutes: number;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  daysOfWeek: number[];
  /** First and last local departure dates, "YYYY-MM-DD". */
  effectiveFrom: string;
  effectiveTo: string;
  aircraft: string;
  distanceKm: number;
  cabins: CabinLayout;
}

export interface TimetableOptions {
  seed: number;
  size: TimetableSize;
  /** First date the patterns operate; they run on until further notice, as the horizon rolls. */
  effectiveFrom: string;
}

/** SSIM's "until further notice": a pattern with no last date. */
export const UNTIL_FURTHER_NOTICE = '9999-12-31';

/** The development network: major hubs on every continent, and only routes between them. */
export const SMALL_HUBS = new Set([
  'ATL',
  'LAX',
  'ORD',
  'DFW',
  'DEN',
  'JFK',
  'SFO',
  'SEA',
  'MIA',
  'BOS',
  'YYZ',
  'MEX',
  'GRU',
  'LHR',
  'CDG',
  'AMS',
  'FRA',
  'MAD',
  'BCN',
  'FCO',
  'MUC',
  'ZRH',
  'IST',
  'DXB',
  'DOH',
  'DEL',
  'BOM',
  'SIN',
  'HKG',
  'PEK',
  'PVG',
  'ICN',
  'NRT',
  'HND',
  'BKK',
  'KUL',
  'SYD',
  'MEL',
  'JNB',
  'CAI',
]);

const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];

/** Taxi, climb and descent overhead plus cruise at a typical 800 km/h, rounded to 5 minutes. */
export function blockMinutesFor(distanceKm: number): number {
  return Math.max(35, Math.round((30 + (distanceKm / 800) * 60) / 5) * 5);
}

/** FNV-1a, so every route draws from its own stream and adding a route moves no other. */
function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h | 0;
}

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * How often a route flies: busy airport pairs several times a day, thin ones a few days a
 * week. Degree (routes touching an airport) stands in for the traffic data OpenFlights lacks.
 */
function frequency(
  size: TimetableSize,
  degree: (code: string) => number,
  route: Route,
  distanceKm: number,
  next: (from: number, to: number) => number,
): { perDay: number; days: number[] } {
  const score = Math.min(degree(route.origin), degree(route.destination));
  if (size === 'small')
    return { perDay: score >= 150 && distanceKm < 3000 ? 2 : 1, days: ALL_DAYS };
  if (distanceKm > 7000) return { perDay: 1, days: ALL_DAYS };
  if (score >= 150) return { perDay: 2, days: ALL_DAYS };
  if (score >= 6) return { perDay: 1, days: ALL_DAYS };
  const count = next(3, 6);
  const days = [...ALL_DAYS];
  while (days.length > count) days.splice(next(0, days.length - 1), 1);
  return { perDay: 1, days };
}

/** Generates the timetable deterministically: the same data, seed and options give the same patterns. */
export function generateTimetable(ref: ReferenceData, options: TimetableOptions): FlightPattern[] {
  const { effectiveFrom } = options;
  const effectiveTo = UNTIL_FURTHER_NOTICE;

  const degrees = new Map<string, number>();
  for (const r of ref.routes) {
    degrees.set(r.origin, (degrees.get(r.origin) ?? 0) + 1);
    degrees.set(r.destination, (degrees.get(r.destination) ?? 0) + 1);
  }
  const degree = (code: string) => degrees.get(code) ?? 0;

  const routes = ref.routes
    .filter(
      (r) =>
        options.size === 'world' || (SMALL_HUBS.has(r.origin) && SMALL_HUBS.has(r.destination)),
    )
    .sort(
      (a, b) =>
        a.carrier.localeCompare(b.carrier) ||
        a.origin.localeCompare(b.origin) ||
        a.destination.localeCompare(b.destination),
    );

  const nextNumber = new Map<string, number>();
  const patterns: FlightPattern[] = [];
  for (const route of routes) {
    const rng = xoroshiro128plus(
      hash(`${route.carrier}${route.origin}${route.destination}`, options.seed),
    );
    const next = (from: number, to: number) => uniformInt(rng, from, to);
    const distanceKm = Math.round(
      greatCircleKm(ref.airports.get(route.origin)!, ref.airports.get(route.destination)!),
    );
    const { perDay, days } = frequency(options.size, degree, route, distanceKm, next);
    const aircraft = route.equipment.length
      ? route.equipment[next(0, route.equipment.length - 1)]!
      : defaultAircraft(distanceKm);
    // Departures spread over the operating day (06:00–22:55), one bank per frequency.
    const window = (23 * 60 - 6 * 60) / perDay;
    for (let i = 0; i < perDay; i++) {
      const number = nextNumber.get(route.carrier) ?? 1;
      if (number > 9999) break;
      nextNumber.set(route.carrier, number + 1);
      const start = 6 * 60 + Math.floor(i * window);
      const minute = start + next(0, Math.floor(window / 5) - 1) * 5;
      patterns.push({
        carrier: route.carrier,
        flightNumber: number,
        origin: route.origin,
        destination: route.destination,
        departureLocalTime: hhmm(minute),
        blockMinutes: blockMinutesFor(distanceKm),
        daysOfWeek: days,
        effectiveFrom,
        effectiveTo,
        aircraft,
        distanceKm,
        cabins: cabinLayout(aircraft),
      });
    }
  }
  return patterns;
}
