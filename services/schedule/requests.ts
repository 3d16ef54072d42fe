import { DateTime } from 'luxon';
import { z } from 'zod';
import { fields, orEmpty, text, visibleText } from '../../flights/fields.js';

/**
 * The request schemas of ScheduleService, one per RPC (validation only: what a well-formed
 * request is). Each field's message completes "<field> …" in the INVALID_ARGUMENT it causes.
 *
 * Schemas live at module level: zod 4 compiles a schema on its first parse, so one made per call
 * is compiled per call (measured: the largest cost of GetFlight after the store).
 */

/** The longest date range ListFlights lists, in days. */
export const MAX_LIST_DAYS = 62;

const { flightId, cabin } = fields;
/** Opaque: read (and checked) by the handler, which knows the list and query it belongs to. */
const pageToken = text().max(512, 'is not a page token this service issued');

export const listAirportsRequest = z.object({
  query: text().max(100, 'must be at most 100 characters'),
  pageSize: z.number().int().max(100, 'must be at most 100'),
  pageToken,
});

export const getAirportRequest = z.object({ iataCode: fields.iataCode });

export const getFlightRequest = z.object({ flightId });

export const listFlightsRequest = z
  .object({
    origin: orEmpty(fields.iataCode),
    destination: orEmpty(fields.iataCode),
    fromDate: fields.localDate,
    toDate: orEmpty(fields.localDate),
    includeCancelled: z.boolean(),
  })
  .transform((r) => ({ ...r, toDate: r.toDate || r.fromDate }))
  .superRefine((r, ctx) => {
    const days = DateTime.fromISO(r.toDate).diff(DateTime.fromISO(r.fromDate), 'days').days;
    if (days < 0)
      ctx.addIssue({ code: 'custom', path: ['toDate'], message: 'must not be before from_date' });
    if (days >= MAX_LIST_DAYS)
      ctx.addIssue({
        code: 'custom',
        path: ['toDate'],
        message: `range must be at most ${MAX_LIST_DAYS} days`,
      });
    // As search answers: a route from an airport to itself is a mistake, not an empty list.
    if (r.origin && r.origin === r.destination)
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'must differ from origin' });
  });

export type ListFlightsQuery = z.infer<typeof listFlightsRequest>;

/** Flights per ListFlightPages message: the default and the most. */
export const DEFAULT_PAGE_SIZE = 1000;
export const MAX_PAGE_SIZE = 5000;

/** ListFlightPages: the filters and range of ListFlights (listFlightsRequest), and this. */
export const pageSizeRequest = z
  .object({
    pageSize: z.number().int().min(0).max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`),
  })
  .transform((r) => r.pageSize || DEFAULT_PAGE_SIZE);

export const getAvailabilityRequest = z.object({
  flightIds: z
    .array(flightId)
    .min(1, 'must name at least one flight')
    .max(1000, 'must be at most 1000 flights'),
});

export const holdSeatsRequest = z.object({
  holdId: fields.clientId,
  items: z
    .array(
      z.object({
        flightId,
        cabin,
        seats: z.number().int().min(1, 'must be at least 1').max(9, 'must be at most 9'),
      }),
    )
    .min(1, 'must hold at least one flight')
    .max(8, 'must be at most 8 flights')
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((i, index) => {
        const key = `${i.flightId}/${i.cabin}`;
        if (seen.has(key))
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: 'repeats a flight and cabin of an earlier item',
          });
        seen.add(key);
      });
    }),
  ttlSeconds: z.number().int().max(3600, 'must be at most 3600'),
  /** Sell at once (held and confirmed in one transaction). */
  confirm: z.boolean().optional(),
});

/** GetHold, ConfirmHold, ReleaseHold and ReleaseSeats name a hold and nothing else. */
export const holdRefRequest = z.object({ holdId: fields.clientId });

/** "" = from now; otherwise a seq this feed issued (a decimal of at most 15 digits). */
export const watchScheduleRequest = z.object({
  cursor: text()
    .regex(/^(\d{1,15})?$/, 'is not a cursor this feed issued')
    .transform((cursor) => (cursor ? Number(cursor) : null)),
});

/** "" = from now; otherwise a transaction id the seat feed issued (seat-feed.ts). */
export const watchAvailabilityRequest = z.object({
  cursor: text()
    .regex(/^(\d{1,19})?$/, 'is not a cursor this feed issued')
    .transform((cursor) => cursor || null),
  heartbeatMs: z
    .number()
    .int()
    .refine((ms) => ms === 0 || (ms >= 100 && ms <= 60_000), 'must be 0 or 100..60000'),
});

/** Why an operator changed a flight: shown to people, so it must show what it says. */
const operatorReason = orEmpty(visibleText(text().max(200, 'must be at most 200 characters')));

export const retimeFlightRequest = z.object({
  flightId,
  // A timetable is in whole minutes: a departure at 09:05:00.123 would show its milliseconds in
  // every search, quote and booking of the flight.
  newDepartureTime: z
    .date({ error: 'is required' })
    .refine((d) => d.getTime() % 60_000 === 0, 'must be a whole minute (no seconds)'),
  reason: operatorReason,
  requestId: fields.clientId,
});

export const cancelFlightRequest = z.object({
  flightId,
  reason: operatorReason,
  requestId: fields.clientId,
});
