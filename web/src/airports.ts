/**
 * Airports by code, fetched once each from GET /api/v1/airports and kept for the page's life:
 * the results, the map and the zone labels all need coordinates and time zones of the codes
 * an itinerary names.
 */
import { useEffect, useState } from 'react';
import { api } from './api/http';
import type { Airport } from './api/types';

const known = new Map<string, Promise<Airport | undefined>>();

export function findAirports(q: string, signal?: AbortSignal): Promise<Airport[]> {
  return api<{ airports: Airport[] }>(
    `/api/v1/airports?q=${encodeURIComponent(q)}&limit=8`,
    signal ? { signal } : {},
  ).then((r) => {
    for (const a of r.airports) if (!known.has(a.code)) known.set(a.code, Promise.resolve(a));
    return r.airports;
  });
}

export function airport(code: string): Promise<Airport | undefined> {
  let found = known.get(code);
  if (!found) {
    found = api<{ airports: Airport[] }>(`/api/v1/airports?q=${encodeURIComponent(code)}&limit=10`)
      .then((r) => r.airports.find((a) => a.code === code))
      .catch(() => {
        known.delete(code); // try again next time
        return undefined;
      });
    known.set(code, found);
  }
  return found;
}

/** The airports named by these codes, as they arrive. */
export function useAirports(codes: string[]): Record<string, Airport> {
  const [byCode, setByCode] = useState<Record<string, Airport>>({});
  const key = [...new Set(codes)].sort().join(',');
  useEffect(() => {
    let live = true;
    for (const code of key ? key.split(',') : [])
      void airport(code).then((a) => {
        if (live && a) setByCode((m) => (m[a.code] ? m : { ...m, [a.code]: a }));
      });
    return () => {
      live = false;
    };
  }, [key]);
  return byCode;
}
