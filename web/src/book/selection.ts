/**
 * What the traveller picked, kept in sessionStorage so the booking page survives a reload: the
 * itinerary and the search it came from (passengers, cabin), the quote once there is one, and
 * the booking once it is made.
 */
import type { Booking, Itinerary, Quote } from '../api/types';
import type { SearchQuery } from '../search/query';

export interface Selection {
  itinerary: Itinerary;
  query: SearchQuery;
  quote?: Quote;
  booking?: Booking;
}

const KEY = 'flight-mesh:selection';

export function saveSelection(s: Selection): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function loadSelection(): Selection | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Selection) : undefined;
  } catch {
    return undefined;
  }
}

export function clearSelection(): void {
  sessionStorage.removeItem(KEY);
}
