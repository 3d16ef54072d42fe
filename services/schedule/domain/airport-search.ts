import { z } from 'zod';
import type { Airport } from './reference-data.js';

/**
 * Letters that carry their accent inside the letter itself, so canonical decomposition leaves
 * them whole ("ø" is not "o" plus a mark). Written by hand: a transliteration library would also
 * turn every other script into Latin, which would make a Cyrillic or CJK query match the wrong
 * things; these few letters are the ones people type plain in airport and city names.
 */
const WHOLE_LETTERS: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  ı: 'i',
  þ: 'th',
};
const WHOLE = new RegExp(`[${Object.keys(WHOLE_LETTERS).join('')}]`, 'g');
const MARKS = /\p{M}/gu;
const SPACES = /[\s\p{Pd}]+/gu;

/**
 * Text as a person types it when looking something up: case, accents, normalisation form
 * (NFC or NFD), dashes and runs of spaces make no difference. "São Paulo", "SAO PAULO" and
 * "Sa\u0303o Paulo" all fold to "sao paulo".
 */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(WHOLE, (c) => WHOLE_LETTERS[c]!)
    .replace(SPACES, ' ')
    .trim();
}

/** An airport with its code, city and name folded once, when the catalog is built. */
export interface SearchableAirport {
  airport: Airport;
  code: string;
  city: string;
  name: string;
}

export const searchable = (airport: Airport): SearchableAirport => ({
  airport,
  code: fold(airport.iata),
  city: fold(airport.city),
  name: fold(airport.name),
});

/**
 * How well an airport matches a folded query, best first: 0 the exact code, 1 a city that starts
 * with the query, 2 a name that does, 3 a city that contains it, 4 a name that does; -1 no match.
 * The ranks are what a page token remembers, so they are numbers, not an order of calls.
 */
export function matchRank(a: SearchableAirport, q: string): number {
  if (a.code === q) return 0;
  if (a.city.startsWith(q)) return 1;
  if (a.name.startsWith(q)) return 2;
  if (a.city.includes(q)) return 3;
  if (a.name.includes(q)) return 4;
  return -1;
}

/** One airport in a ranked answer: its rank and code are the keyset of a page. */
export interface RankedAirport {
  rank: number;
  airport: Airport;
}

/**
 * The airports matching `query` (any case, accents, normalisation form), ranked by matchRank and
 * then by code; every airport (rank 0) for an empty query.
 */
export function rankAirports(
  airports: readonly SearchableAirport[],
  query: string,
): RankedAirport[] {
  const q = fold(query);
  const ranked: RankedAirport[] = [];
  for (const a of airports) {
    const rank = q ? matchRank(a, q) : 0;
    if (rank >= 0) ranked.push({ rank, airport: a.airport });
  }
  return ranked.sort((x, y) => x.rank - y.rank || compareCodes(x.airport.iata, y.airport.iata));
}

/** IATA codes are A–Z: plain code-unit order, the same in every locale. */
export const compareCodes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What a ListAirports page token remembers: the last airport's rank and code. */
export const airportPageKey = z.object({
  r: z.number().int().min(0).max(4),
  c: z.string().regex(/^[A-Z]{3}$/),
});
export type AirportPageKey = z.infer<typeof airportPageKey>;

export const airportKeyOf = (x: RankedAirport): AirportPageKey => ({
  r: x.rank,
  c: x.airport.iata,
});

/** Order of a ranked airport against a page key, for pageAfter. */
export const compareToKey = (x: RankedAirport, k: AirportPageKey): number =>
  x.rank - k.r || compareCodes(x.airport.iata, k.c);

/** The list a page token belongs to: airports for this query, as folded (so NFC = NFD). */
export const airportListScope = (query: string): string => `airports\n${fold(query)}`;
