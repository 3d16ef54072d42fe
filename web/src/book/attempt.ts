/**
 * The Idempotency-Key of a booking attempt. An attempt is one quote booked for one set of
 * passenger details: sending it again (a double click, a retry after a network error, a click
 * after a reload) reuses its key, so the BFF answers with the same booking instead of making a
 * second. Changed details are a new attempt with a new key (the same key with another body
 * would be refused as a conflict). Kept in sessionStorage: one tab, survives reloads.
 */
import { randomKey } from '../api/http';
import type { BookingBody } from '../api/types';

const KEY = 'flight-mesh:booking-attempt';

export function attemptKey(body: BookingBody): string {
  const fingerprint = JSON.stringify(body);
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as {
      fingerprint: string;
      key: string;
    } | null;
    if (saved?.fingerprint === fingerprint) return saved.key;
  } catch {
    // an unreadable entry is a new attempt
  }
  const key = `web-${randomKey()}`;
  sessionStorage.setItem(KEY, JSON.stringify({ fingerprint, key }));
  return key;
}
