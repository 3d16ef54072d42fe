/**
 * Every call booking makes to another service, typed, in one place. Failures come back the
 * platform way (platform/peers.ts): PeerUnavailable (UNAVAILABLE, DEPENDENCY_UNAVAILABLE) when
 * the peer could not answer, the peer's own error (code, reason, details) when it answered "no".
 */
import { PricingServiceService, type Quote } from '../../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService, type HoldStatus } from '../../gen/ts/flights/v1/schedule.js';
import { dependencyUnavailable } from '../../flights/errors.js';
import type { ServiceName } from '../../flights/mesh.js';
import { callPeer } from '../../platform/peers.js';
import type { Runtime } from '../../platform/runtime.js';
import type { CallContext } from '../../platform/server.js';
import type { BookingBody } from './booking-store.js';

export interface QuotePeer {
  /** Pricing's ConfirmQuote: the quote at its locked price, or why not (QUOTE_EXPIRED, SOLD_OUT…). */
  confirmQuote(quoteId: string, parent: CallContext): Promise<Quote>;
}

/**
 * The three schedule operations the saga needs; every one is idempotent by hold id. They run on
 * their own deadline, not the request's: a saga is durable work that goes on when the client
 * that started it has its answer or has gone (the trace still links them).
 */
export interface SeatInventory {
  /**
   * Holds and sells the seats in one call (HoldSeats with confirm): CONFIRMED, or HELD from a
   * schedule that holds only (then confirmHold sells them), or the status of a hold of this id
   * that ended otherwise (EXPIRED, RELEASED, …).
   */
  holdSeats(holdId: string, items: BookingBody['holdItems']): Promise<HoldStatus>;
  confirmHold(holdId: string): Promise<void>;
  /**
   * Gives back held or sold seats (HELD → RELEASED, CONFIRMED → RETURNED); an id with no hold
   * yet is released for good (a later hold of it is refused).
   */
  releaseSeats(holdId: string): Promise<void>;
}

export interface BookingPeers {
  pricing: QuotePeer;
  schedule: SeatInventory;
}

export interface BookingPeersOptions {
  /** Deadline of a call to pricing or schedule, in ms (the caller's own wins when sooner). */
  deadlineMs: number;
  /** How long schedule keeps seats held for a saga that does not come back, in seconds. */
  holdTtlSeconds: number;
}

export function bookingPeers(
  client: Runtime<Record<string, never>, ServiceName>['client'],
  options: BookingPeersOptions,
): BookingPeers {
  const deadlines = { defaultDeadlineMs: options.deadlineMs };
  const pricing = client('pricing', PricingServiceService, deadlines);
  const schedule = client('schedule', ScheduleServiceService, deadlines);
  const scheduleDown = dependencyUnavailable('schedule is unavailable; try again');
  return {
    pricing: {
      async confirmQuote(quoteId, parent) {
        const { quote } = await callPeer(
          () => pricing.confirmQuote({ quoteId }, { parent }),
          dependencyUnavailable('pricing is unavailable; nothing was booked, try again'),
          parent,
        );
        return quote!;
      },
    },
    schedule: {
      async holdSeats(holdId, items) {
        const { hold } = await callPeer(
          () =>
            schedule.holdSeats({
              holdId,
              items,
              ttlSeconds: options.holdTtlSeconds,
              confirm: true,
            }),
          scheduleDown,
        );
        return hold!.status;
      },
      async confirmHold(holdId) {
        await callPeer(() => schedule.confirmHold({ holdId }), scheduleDown);
      },
      async releaseSeats(holdId) {
        await callPeer(() => schedule.releaseSeats({ holdId }), scheduleDown);
      },
    },
  };
}
