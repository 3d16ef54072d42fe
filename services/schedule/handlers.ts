import { DateTime } from 'luxon';
import { z } from 'zod';
import { Flight } from '../../gen/ts/flights/v1/common.js';
import type { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { type ListFlightsResponse } from '../../gen/ts/flights/v1/schedule.js';
import { ErrorReason, failedPrecondition, notFound } from '../../flights/errors.js';
import { fields } from '../../flights/fields.js';
import { invalidField } from '../../platform/errors.js';
import type { Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { Catalog, OperatedFlight } from './catalog.js';
import { watchFeed, type FeedOptions } from './feed.js';
import { cabinCode, cabinProto } from '../../flights/enums.js';
import { toAirportProto, toFlightProto, toHoldProto } from './mapping.js';
import type { FlightOverride, ScheduleStore } from './store.js';

export interface ScheduleDeps {
  catalog: Catalog;
  store: ScheduleStore;
  now: () => Date;
  defaultHoldTtlSeconds: number;
  feed: FeedOptions;
}

const MAX_LIST_DAYS = 62;
const MAX_RETIME_HOURS = 72;

const { flightId, cabin } = fields;
const pageToken = z.string().regex(/^\d*$/, 'is not a page token this service issued');

const listAirports = z.object({
  query: z.string().max(100, 'must be at most 100 characters'),
  pageSize: z.number().int().max(100, 'must be at most 100'),
  pageToken,
});
const listFlights = z
  .object({
    origin: fields.iataCode.or(z.literal('')),
    destination: fields.iataCode.or(z.literal('')),
    fromDate: fields.localDate,
    toDate: fields.localDate.or(z.literal('')),
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
  });
// Schemas live at module level: zod 4 compiles a schema on its first parse, so one made per call
// is compiled per call (measured: the largest cost of GetFlight after the store).
const airportRef = z.object({ iataCode: fields.iataCode });
const flightRef = z.object({ flightId });
const availability = z.object({
  flightIds: z
    .array(flightId)
    .min(1, 'must name at least one flight')
    .max(1000, 'must be at most 1000 flights'),
});
const holdSeats = z.object({
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
});
const holdRef = z.object({ holdId: fields.clientId });
const retime = z.object({
  flightId,
  newDepartureTime: z.date({ error: 'is required' }),
  reason: z.string().max(200),
  requestId: fields.clientId,
});
const cancel = z.object({ flightId, reason: z.string().max(200), requestId: fields.clientId });

/** Page tokens are offsets into a stable ordering: opaque to clients, cheap to check. */
function page<T>(items: T[], size: number, token: string) {
  const offset = token ? Number(token) : 0;
  const end = offset + (size || 20);
  return { items: items.slice(offset, end), next: end < items.length ? String(end) : '' };
}

export function scheduleHandlers(deps: ScheduleDeps): Handlers<typeof ScheduleServiceService> {
  const { catalog, store } = deps;

  async function operated(id: string): Promise<OperatedFlight> {
    const flight = catalog.scheduled(id);
    if (!flight)
      throw notFound(ErrorReason.ERROR_REASON_FLIGHT_NOT_FOUND, `no flight ${id}`, {
        flight_id: id,
      });
    return catalog.operated(flight, await store.override(id));
  }

  async function change(
    requestId: string,
    flight: OperatedFlight,
    next: Pick<FlightOverride, 'status' | 'departureUtc' | 'arrivalUtc'>,
    reason: string,
  ): Promise<Flight> {
    const override: FlightOverride = {
      flightId: flight.flightId,
      departureDate: flight.departureDate,
      version: flight.version + 1,
      ...next,
    };
    await store.applyChange(
      requestId,
      override,
      {
        type: next.status,
        reason,
        flight: (version) =>
          Flight.toJSON(toFlightProto(catalog.operated(flight, { ...override, version }), catalog)),
      },
      deps.now(),
    );
    // Applied now or by an earlier try of the same request: either way, answer with the flight as it is.
    return toFlightProto(await operated(flight.flightId), catalog);
  }

  return {
    async listAirports(request) {
      const r = validate(listAirports, request);
      const { items, next } = page(catalog.searchAirports(r.query), r.pageSize, r.pageToken);
      return { airports: items.map(toAirportProto), nextPageToken: next };
    },

    async getAirport(request) {
      const { iataCode } = validate(airportRef, request);
      const airport = catalog.airport(iataCode);
      if (!airport)
        throw notFound(ErrorReason.ERROR_REASON_AIRPORT_NOT_FOUND, `no airport ${iataCode}`, {
          iata_code: iataCode,
        });
      return { airport: toAirportProto(airport) };
    },

    async getFlight(request) {
      const r = validate(flightRef, request);
      return { flight: toFlightProto(await operated(r.flightId), catalog) };
    },

    async *listFlights(request, ctx): AsyncGenerator<ListFlightsResponse> {
      const r = validate(listFlights, request);
      // The cursor is read before the overrides: a change racing with this listing has a later
      // seq, so a client that watches from this cursor sees it again (and versions dedupe it).
      const cursor = String(await store.head());
      const overrides = await store.overridesBetween(r.fromDate, r.toDate);
      for (
        let date = DateTime.fromISO(r.fromDate);
        date.toISODate()! <= r.toDate;
        date = date.plus({ days: 1 })
      ) {
        const day = date.toISODate()!;
        const flights = [
          ...catalog.scheduledFlights({
            fromDate: day,
            toDate: day,
            origin: r.origin || undefined,
            destination: r.destination || undefined,
          }),
        ];
        flights.sort(
          (a, b) =>
            a.departureUtc.getTime() - b.departureUtc.getTime() ||
            a.flightId.localeCompare(b.flightId),
        );
        for (const f of flights) {
          if (ctx.signal.aborted) return;
          const op = catalog.operated(f, overrides.get(f.flightId));
          if (op.status === 'CANCELLED' && !r.includeCancelled) continue;
          yield { flight: toFlightProto(op, catalog), cursor };
        }
      }
    },

    async getAvailability(request) {
      const r = validate(availability, request);
      const ids = [...new Set(r.flightIds)];
      const flights = new Map<string, OperatedFlight>();
      const overrides = await store.overrides(ids);
      for (const id of ids) {
        const f = catalog.scheduled(id);
        if (!f)
          throw notFound(ErrorReason.ERROR_REASON_FLIGHT_NOT_FOUND, `no flight ${id}`, {
            flight_id: id,
          });
        flights.set(id, catalog.operated(f, overrides.get(id)));
      }
      await store.expireDue(
        deps.now(),
        ids.map((id) => ({ flightId: id, cabin: 'economy', seats: 1 })),
      );
      const seats = await store.seats(ids);
      return {
        flights: r.flightIds.map((id) => {
          const f = flights.get(id)!;
          const used = seats.get(id) ?? [];
          return {
            flight: toFlightProto(f, catalog),
            cabins: (['economy', 'premium_economy', 'business', 'first'] as const)
              .filter((c) => f.cabins[c] > 0)
              .map((c) => {
                const row = used.find((u) => u.cabin === c);
                const capacity = f.cabins[c];
                const sold = row?.sold ?? 0;
                const held = row?.held ?? 0;
                const available =
                  f.status === 'CANCELLED' ? 0 : Math.max(0, capacity - sold - held);
                return { cabin: cabinProto(c), capacity, sold, held, available };
              }),
          };
        }),
      };
    },

    async holdSeats(request) {
      const r = validate(holdSeats, request);
      const items = [];
      for (const [index, item] of r.items.entries()) {
        const flight = await operated(item.flightId);
        const code = cabinCode(item.cabin)!;
        if (flight.cabins[code] === 0) {
          throw invalidField(
            `items[${index}].cabin`,
            `flight ${item.flightId} (${flight.aircraft}) has no ${code.replace('_', ' ')} cabin`,
          );
        }
        if (flight.status === 'CANCELLED') {
          throw failedPrecondition(
            ErrorReason.ERROR_REASON_FLIGHT_CANCELLED,
            `flight ${item.flightId} is cancelled`,
            { flight_id: item.flightId },
          );
        }
        items.push({ flightId: item.flightId, cabin: code, seats: item.seats });
      }
      const hold = await store.holdSeats(
        r.holdId,
        items,
        r.ttlSeconds || deps.defaultHoldTtlSeconds,
        deps.now(),
      );
      return { hold: toHoldProto(hold) };
    },

    async getHold(request) {
      const r = validate(holdRef, request);
      return { hold: toHoldProto(await store.getHold(r.holdId)) };
    },

    async confirmHold(request) {
      const r = validate(holdRef, request);
      return { hold: toHoldProto(await store.confirmHold(r.holdId, deps.now())) };
    },

    async releaseHold(request) {
      const r = validate(holdRef, request);
      return { hold: toHoldProto(await store.releaseHold(r.holdId, deps.now())) };
    },

    async releaseSeats(request) {
      const r = validate(holdRef, request);
      return { hold: toHoldProto(await store.releaseSeats(r.holdId, deps.now())) };
    },

    watchSchedule(request, ctx) {
      return watchFeed(store, request.cursor, ctx.signal, deps.feed);
    },

    async retimeFlight(request) {
      const r = validate(retime, request);
      const flight = await operated(r.flightId);
      if (flight.status === 'CANCELLED') {
        throw failedPrecondition(
          ErrorReason.ERROR_REASON_FLIGHT_CANCELLED,
          `flight ${r.flightId} is cancelled`,
          { flight_id: r.flightId },
        );
      }
      const scheduled = catalog.scheduled(r.flightId)!;
      const shiftHours =
        Math.abs(r.newDepartureTime.getTime() - scheduled.departureUtc.getTime()) / 3_600_000;
      if (shiftHours > MAX_RETIME_HOURS) {
        throw invalidField(
          'new_departure_time',
          `must be within ${MAX_RETIME_HOURS} hours of the scheduled departure`,
        );
      }
      const departureUtc = r.newDepartureTime;
      const arrivalUtc = new Date(departureUtc.getTime() + flight.durationMinutes * 60_000);
      const updated = await change(
        r.requestId,
        flight,
        { status: 'RETIMED', departureUtc, arrivalUtc },
        r.reason,
      );
      return { flight: updated };
    },

    async cancelFlight(request) {
      const r = validate(cancel, request);
      const flight = await operated(r.flightId);
      if (flight.status === 'CANCELLED') return { flight: toFlightProto(flight, catalog) };
      const updated = await change(
        r.requestId,
        flight,
        { status: 'CANCELLED', departureUtc: flight.departureUtc, arrivalUtc: flight.arrivalUtc },
        r.reason,
      );
      return { flight: updated };
    },
  };
}
