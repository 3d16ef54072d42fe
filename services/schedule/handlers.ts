import type {
  ListFlightPagesResponse,
  ListFlightsResponse,
  ScheduleServiceService,
} from '../../gen/ts/flights/v1/schedule.js';
import { Flight } from '../../gen/ts/flights/v1/common.js';
import { cabinCode } from '../../flights/enums.js';
import { alreadyExists, ErrorReason, failedPrecondition, notFound } from '../../flights/errors.js';
import { invalidField, type DomainError } from '../../platform/errors.js';
import type { PageTokens } from '../../platform/page-tokens.js';
import type { Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { Catalog, OperatedFlight } from './catalog.js';
import type { ChangeFeedStore } from './change-feed-store.js';
import { cabinAvailability } from './domain/availability.js';
import {
  MAX_RETIME_HOURS,
  retimed,
  changeRequest,
  withinRetimeReach,
  type FlightOverride,
} from './domain/flight-changes.js';
import type { HoldFailure, HoldItem, HoldRecord } from './domain/holds.js';
import type { Outcome } from './domain/outcome.js';
import {
  airportKeyOf,
  airportListScope,
  airportPageKey,
  compareToKey,
} from './domain/airport-search.js';
import { pageAfter } from './domain/paging.js';
import { followFeed, startCursor, type FeedOptions } from './feed.js';
import type { HoldStore } from './hold-store.js';
import type { InventoryStore } from './inventory-store.js';
import { followSeats, type SeatFeed, type SeatFeedOptions } from './seat-feed.js';
import {
  toAirportProto,
  toCabinAvailabilityProto,
  toFlightProto,
  toHoldProto,
  toWatchResponse,
} from './mapping.js';
import { listings } from './listings.js';
import type { OverrideView } from './override-view.js';
import * as requests from './requests.js';

export interface ScheduleDeps {
  catalog: Catalog;
  holds: HoldStore;
  inventory: InventoryStore;
  /** Retimes and cancellations, in memory. */
  overrides: OverrideView;
  feed: ChangeFeedStore;
  /** Signs and reads ListAirports page tokens. */
  pageTokens: PageTokens;
  now: () => Date;
  defaultHoldTtlSeconds: number;
  feedOptions: FeedOptions;
  /** WatchAvailability's source; its heartbeat is the caller's when the caller names one. */
  seatFeed: SeatFeed;
  seatFeedOptions: SeatFeedOptions;
}

/** The status, ErrorInfo reason and message of each way a hold operation can fail. */
function holdError(f: HoldFailure): DomainError {
  switch (f.kind) {
    case 'hold-not-found':
      return notFound(ErrorReason.ERROR_REASON_HOLD_NOT_FOUND, `no hold ${f.holdId}`, {
        hold_id: f.holdId,
      });
    case 'idempotency-conflict':
      return failedPrecondition(
        ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
        `hold ${f.holdId} already exists with other items`,
        { hold_id: f.holdId },
      );
    case 'sold-out':
      return failedPrecondition(
        ErrorReason.ERROR_REASON_SOLD_OUT,
        `only ${f.available} ${f.cabin} seat(s) left on ${f.flightId}, ${f.requested} wanted`,
        {
          flight_id: f.flightId,
          cabin: f.cabin,
          available: String(f.available),
          requested: String(f.requested),
        },
      );
    case 'hold-expired':
      return failedPrecondition(
        ErrorReason.ERROR_REASON_HOLD_EXPIRED,
        `hold ${f.holdId} expired at ${f.expiresAt.toISOString()}`,
        { hold_id: f.holdId },
      );
    case 'hold-state-conflict':
      return failedPrecondition(
        ErrorReason.ERROR_REASON_HOLD_STATE_CONFLICT,
        {
          confirm: `hold ${f.holdId} is ${f.status} and cannot be confirmed`,
          release: `hold ${f.holdId} is confirmed: use ReleaseSeats to give sold seats back`,
          hold: `hold ${f.holdId} was released before it was made: its id cannot hold seats`,
        }[f.wanted],
        { hold_id: f.holdId, status: f.status },
      );
  }
}

/** A hold as the response carries it, or the error its failure maps to. */
function holdResponse(outcome: Outcome<HoldRecord, HoldFailure>) {
  if (!outcome.ok) throw holdError(outcome.failure);
  return { hold: toHoldProto(outcome.value) };
}

const cursorAhead = ({ cursor, head }: { cursor: number | string; head: number | string }) =>
  failedPrecondition(
    ErrorReason.ERROR_REASON_CURSOR_EXPIRED,
    `cursor ${cursor} is ahead of this feed (head ${head}): reload with ListFlights`,
    { cursor: String(cursor), head: String(head) },
  );

const flightNotFound = (id: string) =>
  notFound(ErrorReason.ERROR_REASON_FLIGHT_NOT_FOUND, `no flight ${id}`, { flight_id: id });

const flightCancelled = (id: string) =>
  failedPrecondition(ErrorReason.ERROR_REASON_FLIGHT_CANCELLED, `flight ${id} is cancelled`, {
    flight_id: id,
  });

export function scheduleHandlers(deps: ScheduleDeps): Handlers<typeof ScheduleServiceService> {
  const { catalog, holds, inventory, overrides, feed } = deps;

  /** The flight as it operates now, or FLIGHT_NOT_FOUND. */
  function operated(id: string): OperatedFlight {
    const flight = catalog.scheduled(id);
    if (!flight) throw flightNotFound(id);
    return catalog.operated(flight, overrides.get(id));
  }

  /** IDEMPOTENCY_CONFLICT: the request id was spent on another change. */
  const idConflict = (requestId: string) =>
    alreadyExists(
      ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
      `request_id ${requestId} was used for a different change`,
    );

  /**
   * The answer to a request whose id was used before: the flight as it is now for a retry of
   * the same request (it was applied, or changed nothing, then), IDEMPOTENCY_CONFLICT for
   * another; undefined for an unused id. Asked before the checks only a new change must pass:
   * a retry of a retime whose new time has since passed, or of a flight cancelled since, was
   * refused as if it had failed (a newcomer's retry after a timeout).
   */
  async function earlierAnswer(
    request: { id: string; fingerprint: string },
    flightId: string,
  ): Promise<{ flight: Flight } | undefined> {
    const earlier = await feed.priorRequest(request);
    if (earlier === 'conflict') throw idConflict(request.id);
    if (!earlier) return undefined;
    await overrides.reread(flightId);
    return { flight: toFlightProto(operated(flightId), catalog) };
  }

  /**
   * Applies a retime or cancellation (once per request id) and answers with the flight now;
   * ALREADY_EXISTS IDEMPOTENCY_CONFLICT when the id was used for another change.
   */
  async function change(
    request: { id: string; fingerprint: string },
    flight: OperatedFlight,
    next: Pick<FlightOverride, 'status' | 'departureUtc' | 'arrivalUtc'>,
    reason: string,
  ): Promise<{ flight: Flight }> {
    const timetabled = catalog.scheduled(flight.flightId)!;
    const override: FlightOverride = {
      flightId: flight.flightId,
      departureDate: flight.departureDate,
      version: flight.version + 1,
      ...next,
    };
    const applied = await feed.applyChange(
      request,
      override,
      {
        type: next.status,
        reason,
        flight: (version) =>
          Flight.toJSON(
            toFlightProto(catalog.operated(timetabled, { ...override, version }), catalog),
          ),
        timetabled,
      },
      deps.now(),
    );
    // Applied now (the view has it already) or by an earlier try of the same request, maybe
    // through another instance: either way, answer with the flight as it is.
    if (applied === 'conflict') throw idConflict(request.id);
    if (applied === 'cancelled') {
      await overrides.reread(flight.flightId);
      throw flightCancelled(flight.flightId);
    }
    // Replayed or unchanged: the flight as stored, which another instance may have changed.
    if (typeof applied === 'string') await overrides.reread(flight.flightId);
    return { flight: toFlightProto(operated(flight.flightId), catalog) };
  }

  const { listing, columnPages } = listings(catalog, overrides);

  return {
    async listAirports(request) {
      const r = validate(requests.listAirportsRequest, request);
      const scope = airportListScope(r.query);
      const after = deps.pageTokens.read(scope, r.pageToken, airportPageKey);
      const ranked = catalog.searchAirports(r.query);
      const { items, more } = pageAfter(ranked, r.pageSize, after, compareToKey);
      const last = items.at(-1);
      return {
        airports: items.map((x) => toAirportProto(x.airport)),
        nextPageToken: more && last ? deps.pageTokens.issue(scope, airportKeyOf(last)) : '',
      };
    },

    async getAirport(request) {
      const { iataCode } = validate(requests.getAirportRequest, request);
      const airport = catalog.airport(iataCode);
      if (!airport)
        throw notFound(ErrorReason.ERROR_REASON_AIRPORT_NOT_FOUND, `no airport ${iataCode}`, {
          iata_code: iataCode,
        });
      return { airport: toAirportProto(airport) };
    },

    async getFlight(request) {
      const r = validate(requests.getFlightRequest, request);
      return { flight: toFlightProto(operated(r.flightId), catalog) };
    },

    async *listFlights(request, ctx): AsyncGenerator<ListFlightsResponse> {
      const r = validate(requests.listFlightsRequest, request);
      const { cursor, flights } = await listing(r);
      for (const f of flights) {
        if (ctx.signal.aborted) return;
        yield { flight: toFlightProto(f, catalog), cursor };
      }
    },

    async *listFlightPages(request, ctx): AsyncGenerator<ListFlightPagesResponse> {
      const r = validate(requests.listFlightsRequest, request);
      const pageSize = validate(requests.pageSizeRequest, request);
      if (request.columns || request.packed) {
        yield* columnPages(r, pageSize, ctx.signal, request.packed);
        return;
      }
      const { cursor, flights } = await listing(r);
      let page: Flight[] = [];
      for (const f of flights) {
        if (ctx.signal.aborted) return;
        page.push(toFlightProto(f, catalog));
        if (page.length === pageSize) {
          yield { flights: page, cursor, columns: undefined, packed: undefined };
          page = [];
        }
      }
      if (page.length > 0) yield { flights: page, cursor, columns: undefined, packed: undefined };
    },

    async getAvailability(request) {
      const r = validate(requests.getAvailabilityRequest, request);
      const ids = [...new Set(r.flightIds)];
      const flights = new Map<string, OperatedFlight>();
      for (const id of ids) flights.set(id, operated(id));
      // Holds past their time count as free seats (inventory-store.ts), without a write.
      const seats = await inventory.seats(ids, deps.now());
      return {
        flights: r.flightIds.map((id) => {
          const f = flights.get(id)!;
          return {
            flight: toFlightProto(f, catalog),
            cabins: cabinAvailability(f, seats.get(id) ?? []).map(toCabinAvailabilityProto),
          };
        }),
      };
    },

    async holdSeats(request) {
      const r = validate(requests.holdSeatsRequest, request);
      const items: HoldItem[] = [];
      for (const [index, item] of r.items.entries()) {
        const flight = operated(item.flightId);
        const code = cabinCode(item.cabin)!;
        if (flight.cabins[code] === 0) {
          throw invalidField(
            `items[${index}].cabin`,
            `flight ${item.flightId} (${flight.aircraft}) has no ${code.replace('_', ' ')} cabin`,
          );
        }
        if (flight.status === 'CANCELLED') throw flightCancelled(item.flightId);
        items.push({ flightId: item.flightId, cabin: code, seats: item.seats });
      }
      const ttlSeconds = r.ttlSeconds || deps.defaultHoldTtlSeconds;
      return holdResponse(
        await holds.holdSeats(r.holdId, items, ttlSeconds, deps.now(), r.confirm ?? false),
      );
    },

    async getHold(request) {
      const r = validate(requests.holdRefRequest, request);
      return holdResponse(await holds.getHold(r.holdId));
    },

    async confirmHold(request) {
      const r = validate(requests.holdRefRequest, request);
      return holdResponse(await holds.confirmHold(r.holdId, deps.now()));
    },

    async releaseHold(request) {
      const r = validate(requests.holdRefRequest, request);
      return holdResponse(await holds.releaseHold(r.holdId, deps.now()));
    },

    async releaseSeats(request) {
      const r = validate(requests.holdRefRequest, request);
      return holdResponse(await holds.releaseSeats(r.holdId, deps.now()));
    },

    async *watchSchedule(request, ctx) {
      const r = validate(requests.watchScheduleRequest, request);
      const start = await startCursor(feed, r.cursor);
      if (!start.ok) throw cursorAhead(start.failure);
      for await (const tick of followFeed(feed, start.value, ctx.signal, deps.feedOptions)) {
        yield toWatchResponse(tick);
      }
    },

    async *watchAvailability(request, ctx) {
      const r = validate(requests.watchAvailabilityRequest, request);
      const start = await deps.seatFeed.start(r.cursor);
      if (!start.ok) throw cursorAhead(start.failure);
      const options = { ...deps.seatFeedOptions };
      if (r.heartbeatMs) options.heartbeatMs = r.heartbeatMs;
      for await (const tick of followSeats(deps.seatFeed, start.value, ctx.signal, options)) {
        yield {
          cursor: tick.cursor,
          caughtUp: tick.caughtUp,
          // A row of a flight the timetable no longer has (past the horizon) interests nobody.
          changes: tick.rows.flatMap((row) => {
            const flight = catalog.scheduled(row.flightId);
            if (!flight) return [];
            const operatedNow = catalog.operated(flight, overrides.get(row.flightId));
            const seats = cabinAvailability(operatedNow, [row]).find((c) => c.cabin === row.cabin);
            return seats
              ? [{ flightId: row.flightId, seats: toCabinAvailabilityProto(seats) }]
              : [];
          }),
        };
      }
    },

    async retimeFlight(request) {
      const r = validate(requests.retimeFlightRequest, request);
      const flight = operated(r.flightId);
      const asked = changeRequest(r.requestId, r.flightId, 'RETIMED', r.newDepartureTime, r.reason);
      const answered = await earlierAnswer(asked, r.flightId);
      if (answered) return answered;
      if (flight.status === 'CANCELLED') throw flightCancelled(r.flightId);
      const scheduled = catalog.scheduled(r.flightId)!;
      if (!withinRetimeReach(scheduled.departureUtc, r.newDepartureTime)) {
        throw invalidField(
          'new_departure_time',
          `must be within ${MAX_RETIME_HOURS} hours of the scheduled departure`,
        );
      }
      if (r.newDepartureTime.getTime() < deps.now().getTime())
        throw invalidField('new_departure_time', 'must not be in the past');
      const times = retimed(r.newDepartureTime, flight.durationMinutes);
      return change(asked, flight, times, r.reason);
    },

    async cancelFlight(request) {
      const r = validate(requests.cancelFlightRequest, request);
      const flight = operated(r.flightId);
      const { departureUtc, arrivalUtc } = flight;
      return change(
        changeRequest(r.requestId, r.flightId, 'CANCELLED', null, r.reason),
        flight,
        { status: 'CANCELLED', departureUtc, arrivalUtc },
        r.reason,
      );
    },
  };
}
