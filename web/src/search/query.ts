/** A search as the traveller asked for it, and its place in the page's URL (so reload keeps it). */
import { CABINS, type Cabin } from '../api/types';

export interface SearchQuery {
  origin: string;
  destination: string;
  /** Local departure date at the origin, YYYY-MM-DD. */
  date: string;
  adults: number;
  children: number;
  infants: number;
  cabin: Cabin;
  maxStops: number;
}

export const toParams = (q: SearchQuery) =>
  new URLSearchParams({
    origin: q.origin,
    destination: q.destination,
    date: q.date,
    adults: String(q.adults),
    children: String(q.children),
    infants: String(q.infants),
    cabin: q.cabin,
    maxStops: String(q.maxStops),
  });

/**
 * A count from the URL: decimal digits within min..max, else the fallback — an absent parameter
 * too (Number(null) is 0, which made a link without maxStops a search for direct flights only).
 */
const count = (v: string | null, min: number, max: number, fallback: number) => {
  if (v === null || !/^\d{1,2}$/.test(v)) return fallback;
  const n = Number(v);
  return n >= min && n <= max ? n : fallback;
};

/** The query in a URL's search part, or undefined when it names no complete search. */
export function fromParams(search: string): SearchQuery | undefined {
  const p = new URLSearchParams(search);
  const origin = p.get('origin') ?? '';
  const destination = p.get('destination') ?? '';
  const date = p.get('date') ?? '';
  if (!origin || !destination || !date) return undefined;
  // Any case, as a link may be typed: the API's cabins are lower case.
  const cabin = p.get('cabin')?.toLowerCase() as Cabin;
  return {
    origin,
    destination,
    date,
    adults: count(p.get('adults'), 1, 9, 1),
    children: count(p.get('children'), 0, 9, 0),
    infants: count(p.get('infants'), 0, 9, 0),
    cabin: CABINS.includes(cabin) ? cabin : 'economy',
    // The API's default when absent or not 0–2.
    maxStops: count(p.get('maxStops'), 0, 2, 1),
  };
}

export const sameQuery = (a: SearchQuery | undefined, b: SearchQuery | undefined) =>
  (a && toParams(a).toString()) === (b && toParams(b).toString());
