/**
 * Every call pricing makes to another service, typed, in one place. Failures come back the
 * platform way (platform/peers.ts): PeerUnavailable (UNAVAILABLE, DEPENDENCY_UNAVAILABLE) when
 * schedule could not answer, schedule's own error relayed when it answered "no".
 */
import { status } from '@grpc/grpc-js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { dependencyUnavailable, ErrorReason, reasonName } from '../../flights/errors.js';
import type { ServiceName } from '../../flights/mesh.js';
import { errorDetails } from '../../platform/errors.js';
import { callPeer } from '../../platform/peers.js';
import type { Runtime } from '../../platform/runtime.js';
import { LONGEST_CALL_MS, type CallContext } from '../../platform/server.js';
import type { FlightFacts } from './domain/itinerary.js';
import { factsOf, feedMessageOfSchedule, feedMessageOfSeats, type FeedMessage } from './mapping.js';

export type { FeedMessage };

/** What a failed feed call means to the feeds' follower. */
export interface FeedFailure {
  /** Schedule does not know the cursor (e.g. it restarted on a fresh database). */
  cursorExpired: boolean;
  /** The call's own deadline passed: not a fault, the feed just resumes. */
  deadlineExceeded: boolean;
  /** For logs: the status code's name and the message. */
  message: string;
}

export interface SchedulePeer {
  /**
   * The facts (distance, times, status, seats per cabin) of these flights now, from schedule's
   * GetAvailability, within the incoming call's deadline and cancelled with it.
   */
  flightFacts(flightIds: string[], parent: CallContext): Promise<FlightFacts[]>;
  /** The seat feed from `cursor` ('' = now), heartbeats every `heartbeatMs`, until `signal`. */
  watchAvailability(
    cursor: string,
    heartbeatMs: number,
    signal: AbortSignal,
  ): AsyncIterable<FeedMessage>;
  /** The change feed (retimes, cancellations) from `cursor` ('' = now), until `signal`. */
  watchSchedule(cursor: string, signal: AbortSignal): AsyncIterable<FeedMessage>;
  failure(err: unknown): FeedFailure;
}

export interface PricingPeers {
  schedule: SchedulePeer;
}

/** A feed call still gets a deadline; when it passes the feed just resumes from the cursor. */
const FEED_CALL_MS = LONGEST_CALL_MS;
const CURSOR_EXPIRED = reasonName(ErrorReason.ERROR_REASON_CURSOR_EXPIRED);

/** @param deadlineMs deadline of a call to schedule (the caller's own wins when sooner). */
export function pricingPeers(
  client: Runtime<Record<string, never>, ServiceName>['client'],
  deadlineMs: number,
): PricingPeers {
  const schedule = client('schedule', ScheduleServiceService, { defaultDeadlineMs: deadlineMs });
  return {
    schedule: {
      async flightFacts(flightIds, parent) {
        const { flights } = await callPeer(
          () => schedule.getAvailability({ flightIds }, { parent }),
          dependencyUnavailable('schedule is unavailable; cannot check seats, try again'),
          parent,
        );
        return flights.map(factsOf);
      },
      // The feeds wait for schedule to be reachable (waitForReady) instead of failing at once:
      // every process of a mesh starts together, and a feed retried with backoff while schedule
      // starts only logged a warning per attempt. An outage is still logged once, when the open
      // stream breaks; the feeds' idle timer bounds each wait.
      async *watchAvailability(cursor, heartbeatMs, signal) {
        const call = schedule.watchAvailability(
          { cursor, heartbeatMs },
          { deadlineMs: FEED_CALL_MS, signal, waitForReady: true },
        );
        for await (const r of call) yield feedMessageOfSeats(r);
      },
      async *watchSchedule(cursor, signal) {
        const call = schedule.watchSchedule(
          { cursor },
          { deadlineMs: FEED_CALL_MS, signal, waitForReady: true },
        );
        for await (const r of call) yield feedMessageOfSchedule(r);
      },
      failure(err) {
        const details = errorDetails(err);
        return {
          cursorExpired: details.reason === CURSOR_EXPIRED,
          deadlineExceeded: details.code === status.DEADLINE_EXCEEDED,
          message: `${status[details.code] ?? details.code}: ${details.message}`,
        };
      },
    },
  };
}
