import { status } from '@grpc/grpc-js';
import type { z } from 'zod';
import type { Cabin, PassengerCounts } from '../../gen/ts/flights/v1/common.js';
import {
  PricingServiceService,
  type PriceItinerariesResponse,
} from '../../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { ErrorReason, reasonName } from '../../flights/errors.js';
import type { ServiceName } from '../../flights/mesh.js';
import type { ServiceClient } from '../../platform/clients.js';
import { errorDetails } from '../../platform/errors.js';
import type { Runtime } from '../../platform/service.js';
import { LONGEST_CALL_MS } from '../../platform/server.js';
import type { FlightRecord } from './domain/flight-index.js';
import {
  feedMessage,
  listedPage,
  toFlightToPrice,
  type FeedMessage,
  type ListedPage,
} from './mapping.js';

/**
 * Every call search makes to another service, typed, in one place: schedule's listing and change
 * feed (the read model), and pricing's PriceItineraries (the pricing pipeline).
 *
 * No peer error ever reaches search's own caller, so platform's callPeer (relay or UNAVAILABLE)
 * has nothing to do here: a failed schedule call is retried by the read model, a failed pricing
 * call means unpriced itineraries.
 */

/** A listing call's limit: a world day takes about a second; a busy machine, more. */
const LIST_CALL_MS = 10 * 60_000;
/** Flights per ListFlightPages message: schedule's most. */
const PAGE = 5000;
/**
 * The HTTP/2 flow-control window of the connection to schedule (bytes; grpc-js's default is
 * 64 KiB). A page is ~245 KB: with the default window schedule could send a quarter of one and
 * then wait for search's event loop, busy putting the previous page into the index, to ask for
 * more, so the two took turns instead of working at once. 8 MiB lets schedule send a few days
 * ahead; the memory is only used when search falls behind.
 */
const SCHEDULE_WINDOW_BYTES = 8 * 1024 * 1024;
/** A feed call still gets a deadline; when it passes the feed just resumes from the cursor. */
const FEED_CALL_MS = LONGEST_CALL_MS;

export interface SchedulePeer {
  /**
   * Every flight departing fromDate…toDate (local dates at the origin, "YYYY-MM-DD"), cancelled
   * ones included, in pages, each with the feed cursor the listing is consistent at. Ends early,
   * with the call's error, when `signal` aborts or the call fails.
   */
  listFlights(fromDate: string, toDate: string, signal: AbortSignal): AsyncIterable<ListedPage>;
  /** The changes after `cursor`, and heartbeats, until the call ends (30 min at most). */
  watchSchedule(cursor: string, signal: AbortSignal): AsyncIterable<FeedMessage>;
}

/** What a failed schedule call means to the read model. */
export interface ScheduleFailure {
  /** Schedule's feed does not know the cursor (e.g. it restarted on a fresh database). */
  cursorExpired: boolean;
  /** The call's own deadline passed: not a fault, the feed just resumes. */
  deadlineExceeded: boolean;
  /** For logs: the status code's name and the message. */
  code: string;
  message: string;
}

const CURSOR_EXPIRED = reasonName(ErrorReason.ERROR_REASON_CURSOR_EXPIRED);

export function scheduleFailure(err: unknown): ScheduleFailure {
  const details = errorDetails(err);
  return {
    cursorExpired: details.reason === CURSOR_EXPIRED,
    deadlineExceeded: details.code === status.DEADLINE_EXCEEDED,
    code: status[details.code] ?? String(details.code),
    message: details.message,
  };
}

export function schedulePeer(client: ServiceClient<typeof ScheduleServiceService>): SchedulePeer {
  return {
    async *listFlights(fromDate, toDate, signal) {
      // Pages of packed columns, not a message per flight: a world day (~65k flights) is 14
      // messages, with no object per flight on either side and no number encoded or decoded one
      // at a time (see the README's read model). `columns` too, for a schedule without `packed`.
      for await (const page of client.listFlightPages(
        {
          origin: '',
          destination: '',
          fromDate,
          toDate,
          includeCancelled: true,
          pageSize: PAGE,
          columns: true,
          packed: true,
        },
        // Waits for schedule to listen (every process of a mesh starts at once): the listing
        // starts within a second of schedule being ready, not after the read model's retry
        // backoff (up to 5 s) runs out.
        { deadlineMs: LIST_CALL_MS, signal, waitForReady: true },
      ))
        yield listedPage(page);
    },
    // Waits for schedule to be reachable, as pricing's feeds do: an outage is logged once, when
    // the open stream breaks, not once per reconnect attempt (the idle limit bounds each wait).
    async *watchSchedule(cursor, signal) {
      for await (const r of client.watchSchedule(
        { cursor },
        { deadlineMs: FEED_CALL_MS, signal, waitForReady: true },
      ))
        yield feedMessage(r);
    },
  };
}

export interface PriceRequest {
  /** Each itinerary by a key of the caller's choosing (search uses the itinerary id). */
  itineraries: Array<{ key: string; flightIds: string[] }>;
  passengers: PassengerCounts;
  cabin: Cabin;
  /**
   * The itineraries' flights as the read model holds them: pricing prices them without asking
   * schedule once its own copy of the seats is whole (services/pricing availability-cache.ts).
   */
  flights: FlightRecord[];
}

export interface PricingPeer {
  /**
   * pricing's PriceItineraries within `deadlineMs`, abandoned when `signal` aborts. The deadline
   * and signal are the search's own, not the incoming call's: search gives up on pricing early
   * (and streams unpriced) to finish within its caller's time. Rejects with pricing's error.
   */
  priceItineraries(
    request: PriceRequest,
    options: { deadlineMs: number; signal: AbortSignal },
  ): Promise<PriceItinerariesResponse>;
}

export function pricingPeer(client: ServiceClient<typeof PricingServiceService>): PricingPeer {
  return {
    priceItineraries: (request, options) =>
      client.priceItineraries(
        {
          ...request,
          // A flight without an aircraft type or a distance is left to pricing to look up.
          flights: request.flights
            .filter((f) => f.aircraft && f.distanceKm > 0)
            .map(toFlightToPrice),
        },
        options,
      ),
  };
}

export interface SearchPeers {
  schedule: SchedulePeer;
  pricing: PricingPeer;
}

/** Search's peers through the runtime's clients; a pricing call's default limit is `pricingTimeoutMs`. */
export function searchPeers(
  client: Runtime<z.ZodRawShape, ServiceName>['client'],
  pricingTimeoutMs: number,
): SearchPeers {
  return {
    schedule: schedulePeer(
      client('schedule', ScheduleServiceService, {
        defaultDeadlineMs: 10_000,
        channelOptions: { 'grpc-node.flow_control_window': SCHEDULE_WINDOW_BYTES },
      }),
    ),
    pricing: pricingPeer(
      client('pricing', PricingServiceService, { defaultDeadlineMs: pricingTimeoutMs }),
    ),
  };
}
