/** Sorting and filtering of the results in the page: pure functions over what has arrived. */
import type { Itinerary } from '../api/types';
import { localTime } from '../format';

export type SortBy = 'price' | 'duration' | 'departure';

export interface Filters {
  /** Stop counts to show; empty shows all. */
  stops: number[];
  /** Carrier codes to show; empty shows all. */
  carriers: string[];
  /** Local departure window at the origin, "HH:MM", inclusive. */
  departFrom: string;
  departTo: string;
}

export const NO_FILTERS: Filters = {
  stops: [],
  carriers: [],
  departFrom: '00:00',
  departTo: '23:59',
};

const price = (i: Itinerary) => i.price?.total?.amount ?? Infinity;
const departs = (i: Itinerary) => Date.parse(i.departure ?? '') || 0;

const ORDER: Record<SortBy, (a: Itinerary, b: Itinerary) => number> = {
  price: (a, b) => price(a) - price(b) || a.durationMinutes - b.durationMinutes,
  duration: (a, b) => a.durationMinutes - b.durationMinutes || price(a) - price(b),
  departure: (a, b) => departs(a) - departs(b) || price(a) - price(b),
};

/** Every carrier flying any segment of these itineraries, sorted. */
export const carriersOf = (its: Itinerary[]) =>
  [...new Set(its.flatMap((i) => i.segments.map((s) => s.carrier)))].sort();

export function refine(its: Itinerary[], sortBy: SortBy, f: Filters): Itinerary[] {
  return its
    .filter((i) => f.stops.length === 0 || f.stops.includes(i.stops))
    .filter(
      (i) => f.carriers.length === 0 || i.segments.every((s) => f.carriers.includes(s.carrier)),
    )
    .filter((i) => {
      const t = i.departure ? localTime(i.departure) : '';
      return t >= f.departFrom && t <= f.departTo;
    })
    .sort(ORDER[sortBy]);
}
