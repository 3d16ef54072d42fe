/**
 * When a flight may be sold: one rule that search (what it offers), pricing (what it quotes) and
 * booking (what it books) all apply, on instants, so time zones, date lines and DST changes need
 * no special case. Pure: the caller passes its clock's reading.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ErrorReason, failedPrecondition } from './errors.js';

const MINUTE_MS = 60_000;

/** The sales cut-off every selling service reads from its environment (same value on each). */
export const salesEnv = {
  /** A flight leaves sale this many minutes before its departure. */
  SALES_CUTOFF_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(60),
};

/** The instant (epoch ms) a flight departing at `departureMs` leaves sale. */
export const salesCloseMs = (departureMs: number, cutoffMinutes: number): number =>
  departureMs - cutoffMinutes * MINUTE_MS;

/** True while a flight departing at `departureMs` may still be sold, at `nowMs`. */
export const onSale = (departureMs: number, nowMs: number, cutoffMinutes: number): boolean =>
  nowMs < salesCloseMs(departureMs, cutoffMinutes);

/**
 * The earliest departure still on sale at `nowMs` (epoch ms): a search offers no flight that
 * leaves before it.
 */
export const earliestOnSaleMs = (nowMs: number, cutoffMinutes: number): number =>
  nowMs + cutoffMinutes * MINUTE_MS + 1;

/** "YYYY-MM-DD": the local date at `nowMs` in an IANA zone, e.g. at the departure airport. */
export const localDate = (nowMs: number, zone: string): string =>
  DateTime.fromMillis(nowMs, { zone }).toISODate()!;

/** Whether `date` is over at the airport in `zone` at `nowMs` (before its local today). */
export const isPastLocalDate = (date: string, zone: string, nowMs: number): boolean =>
  date < localDate(nowMs, zone);

/** A flight of a request as the sales rule needs it. */
export interface SaleableFlight {
  flightId: string;
  /** Epoch ms of the departure (UTC). */
  departureMs: number;
}

/**
 * FAILED_PRECONDITION SALES_CLOSED for the first of `flights` no longer on sale at `nowMs`, with
 * the flight and the instant its sale closed in ErrorInfo metadata; undefined when all are.
 */
export function salesClosed(
  flights: readonly SaleableFlight[],
  nowMs: number,
  cutoffMinutes: number,
) {
  const closed = flights.find((f) => !onSale(f.departureMs, nowMs, cutoffMinutes));
  if (!closed) return undefined;
  const closedAt = new Date(salesCloseMs(closed.departureMs, cutoffMinutes)).toISOString();
  return failedPrecondition(
    ErrorReason.ERROR_REASON_SALES_CLOSED,
    `flight ${closed.flightId} is no longer on sale: sales closed at ${closedAt}, ${cutoffMinutes} minutes before departure`,
    {
      flight_id: closed.flightId,
      departure_time: new Date(closed.departureMs).toISOString(),
      sales_closed_at: closedAt,
    },
  );
}
