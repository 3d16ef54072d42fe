import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { HoldStatus } from '../../gen/ts/flights/v1/schedule.js';
import { DEPENDENCY_UNAVAILABLE } from '../../flights/errors.js';
import { DomainError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { CallContext } from '../../platform/server.js';
import type { BookingRecord, BookingStore } from './booking-store.js';
import type { SeatInventory } from './peers.js';

/** Answers from schedule that are a definite "no", as opposed to "could not ask". */
const DEFINITE = new Set([
  'SOLD_OUT',
  'FLIGHT_CANCELLED',
  'FLIGHT_NOT_FOUND',
  'HOLD_EXPIRED',
  'HOLD_STATE_CONFLICT',
  'IDEMPOTENCY_CONFLICT',
]);

/** The reason a booking failed, from a schedule call's failure (see peers.ts). */
function failureReason(err: unknown): string {
  const reason = err instanceof DomainError ? err.reason : undefined;
  return reason && DEFINITE.has(reason) ? reason : DEPENDENCY_UNAVAILABLE;
}

/**
 * The booking saga, orchestrated here: hold the seats → confirm the hold → CONFIRMED; any
 * failure after the hold request gives the seats back (compensation) → FAILED. Every step is
 * recorded before and after it runs, and every schedule call is idempotent (the hold id is the
 * booking id), so a saga cut short by a crash is finished by whoever picks it up next.
 */
export class BookingSaga {
  constructor(
    private readonly store: BookingStore,
    private readonly seats: SeatInventory,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /** Runs the saga as far as it can go now; returns the booking as it stands after. */
  async run(booking: BookingRecord, parent?: CallContext): Promise<BookingRecord> {
    let current = booking;
    while (current.step !== 'DONE') {
      const next = await this.step(current, parent);
      if (next === 'stuck') return current;
      // Someone else (recovery, a twin request) moved this saga on: go on from where they are.
      current = next ?? (await this.store.byId(current.bookingId))!;
    }
    return current;
  }

  /**
   * Waits while another runner (a twin request) moves this saga on, until it is done or
   * compensating, `until` (epoch ms) passes or `signal` aborts; returns the booking as it is then.
   */
  async settled(
    booking: BookingRecord,
    until: number,
    signal: AbortSignal,
  ): Promise<BookingRecord> {
    let current = booking;
    while (current.step !== 'DONE' && current.step !== 'RELEASE' && Date.now() < until) {
      try {
        await sleep(50, undefined, { signal });
      } catch {
        break; // the caller gave up
      }
      current = (await this.store.byId(booking.bookingId))!;
    }
    return current;
  }

  private async step(
    b: BookingRecord,
    parent?: CallContext,
  ): Promise<BookingRecord | null | 'stuck'> {
    const id = b.bookingId;
    switch (b.step) {
      case 'HOLD': {
        let held: HoldStatus;
        try {
          held = await this.seats.holdSeats(id, b.body.holdItems, parent);
        } catch (err) {
          // Even a failed or unanswered hold request goes through RELEASE: it may have landed.
          return this.fail(b, failureReason(err), err);
        }
        if (held === HoldStatus.HOLD_STATUS_HELD || held === HoldStatus.HOLD_STATUS_CONFIRMED)
          return this.store.advance(id, 'HOLD', { step: 'CONFIRM' }, this.now());
        return this.fail(
          b,
          held === HoldStatus.HOLD_STATUS_EXPIRED ? 'HOLD_EXPIRED' : 'HOLD_STATE_CONFLICT',
        );
      }
      case 'CONFIRM':
        try {
          await this.seats.confirmHold(id, parent);
        } catch (err) {
          return this.fail(b, failureReason(err), err);
        }
        return this.store.advance(id, 'CONFIRM', { step: 'DONE', status: 'CONFIRMED' }, this.now());
      case 'RELEASE':
        try {
          await this.seats.releaseSeats(id);
        } catch (err) {
          // NOT_FOUND: no hold was ever made, so there is nothing to give back.
          if (!(err instanceof DomainError && err.code === status.NOT_FOUND)) {
            this.log.warn({ err, booking_id: id }, 'releasing seats failed; recovery will retry');
            return 'stuck';
          }
        }
        return this.store.advance(
          id,
          'RELEASE',
          { step: 'DONE', status: b.status === 'PENDING' ? 'FAILED' : b.status },
          this.now(),
        );
      case 'DONE':
        return b;
    }
  }

  private fail(b: BookingRecord, reason: string, err?: unknown) {
    this.log.info(
      { booking_id: b.bookingId, step: b.step, reason, err },
      'booking failed; releasing seats',
    );
    return this.store.advance(
      b.bookingId,
      b.step,
      { step: 'RELEASE', failureReason: reason },
      this.now(),
    );
  }

  /** Finishes sagas whose runner died (crash, restart): on start and then periodically. */
  async recover(batch = 50): Promise<number> {
    let total = 0;
    for (;;) {
      const abandoned = await this.store.claimAbandoned(this.now(), batch);
      for (const b of abandoned) {
        const after = await this.run(b);
        this.log.info(
          { booking_id: b.bookingId, from: b.step, status: after.status, step: after.step },
          'recovered booking saga',
        );
      }
      total += abandoned.length;
      if (abandoned.length < batch) return total;
    }
  }
}
