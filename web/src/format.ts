/**
 * Display helpers. Local times are shown as the API gives them: the airport's own wall clock
 * ("2026-12-01T08:25:00-05:00" → 08:25), never converted to the browser's zone.
 */
import type { Money, Segment } from './api/types';

const fractionDigits = new Map<string, number>();
/** The currency's ISO-4217 exponent (USD 2, JPY 0), as Intl knows it. */
function exponent(currency: string): number {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    fractionDigits.set(currency, digits);
  }
  return digits;
}

/** { amount: 53037, currency: 'USD' } (minor units) → "$530.37". */
export function formatMoney(m: Money | null | undefined): string {
  if (!m) return '—';
  const digits = exponent(m.currency);
  return new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).format(
    m.amount / 10 ** digits,
  );
}

/** "2026-12-01T08:25:00-05:00" → "08:25" (the airport's local clock). */
export const localTime = (iso: string) => iso.slice(11, 16);
/** "2026-12-01T08:25:00-05:00" → "2026-12-01" (the local date). */
export const localDate = (iso: string) => iso.slice(0, 10);

/** "2026-12-01" → "Tue 1 Dec 2026". */
export function formatDate(date: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`));
}

/** Local calendar days from the departure's date to the arrival's (the "+1" of an overnight). */
export function dayOffset(departure: string, arrival: string): number {
  const day = (iso: string) => Date.parse(`${localDate(iso)}T00:00:00Z`);
  return Math.round((day(arrival) - day(departure)) / 86_400_000);
}

/** 425 → "7h 05m". */
export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

/** "-05:00" of an ISO local time, as "UTC−05:00". */
const offsetLabel = (iso: string) => {
  const offset = iso.slice(19);
  return offset === 'Z' || offset === '+00:00' ? 'UTC' : `UTC${offset.replace('-', '−')}`;
};

/**
 * The zone of a local time: the short name of the airport's IANA zone at that instant ("EST",
 * "GMT+1"), or its UTC offset when the zone is not known yet.
 */
export function zoneLabel(iso: string, timeZone?: string): string {
  if (!timeZone) return offsetLabel(iso);
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
      .formatToParts(new Date(iso))
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? offsetLabel(iso);
  } catch {
    return offsetLabel(iso);
  }
}

export interface Layover {
  airport: string;
  minutes: number;
}

/** The connections between consecutive segments: where, and for how long. */
export function layovers(segments: Segment[]): Layover[] {
  return segments.slice(1).map((next, i) => {
    const prev = segments[i]!;
    return {
      airport: prev.destination,
      minutes: Math.round((Date.parse(next.departure) - Date.parse(prev.arrival)) / 60_000),
    };
  });
}

/** "1 stop", "Direct". */
export const stopsLabel = (stops: number) =>
  stops === 0 ? 'Direct' : `${stops} stop${stops === 1 ? '' : 's'}`;

/** mm:ss of a countdown, from ms. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
