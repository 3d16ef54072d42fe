import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import pLimit from 'p-limit';
import { HoldStatus } from '../../gen/ts/flights/v1/schedule.js';
import { DEPENDENCY_UNAVAILABLE } from '../../flights/errors.js';
import { retryDelayMs } from '../../platform/backoff.js';
import { DomainError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { BookingRecord, BookingStore, Lease, SagaStep } from './booking-store.js';
import { bookingMetrics } from './metrics.js';
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

/** The definite reason a schedule call said no, or undefined when it could not be asked. */
function definiteReason(err: unknown): string | undefined {
  const reason = err instanceof DomainError ? err.reason : undefined;
  return reason && DEFINITE.has(reason) ? reason : undefined;
}

/** A booking whose outcome is known: done, or failed and giving its seats back. */
export const isSettled = (b: BookingRecord): boolean => b.step === 'DONE' || b.step === 'RELEASE';

export interface SagaOptions {
  /** Backoff of retries after transient failures: first and longest wait, in ms. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** How many recovered sagas run at once. */
  recoveryConcurrency: number;
  /** How often a request waiting for another runner's saga looks at it again, in ms. */
  pollMs: number;
}

/** What one step did: moved the saga on, left it for a later try, or found its lease gone. */
type StepResult =
  | { kind: 'moved'; booking: BookingRecord }
  | { kind: 'later'; booking: BookingRecord }
  | { kind: 'fenced' };

/**
 * The booking saga, orchestrated here: hold the seats and confirm the hold → CONFIRMED; a
 * definite "no" gives the seats back (compensation) → FAILED. A transient failure (schedule
 * down, slow, paused) is retried with backoff while the quote's price guarantee lasts
 * (`retryUntil`), then compensated. Every schedule call is idempotent (the hold id is the
 * booking id) and a released hold id can never hold seats again (schedule keeps a tombstone),
 * so a saga cut short anywhere is finished by whoever claims it next.
 *
 * Runners hold a lease with a fencing epoch (booking-store.ts): this instance's heartbeat
 * (`heartbeat()`) keeps the leases of the sagas it runs; a runner that was paused past its
 * lease finds its next write refused and stops.
 */
export class BookingSaga {
  /** Sagas this instance runs now, by booking id: their epoch and when the lease was renewed. */
  private readonly running = new Map<string, { epoch: number; renewedAt: number }>();

  constructor(
    private readonly store: BookingStore,
    private readonly seats: SeatInventory,
    private readonly leaseMs: number,
    private readonly options: SagaOptions,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /**
   * Runs a saga this instance has claimed as far as it can go now; returns the booking as it
   * stands after: done, compensating, or still PENDING (a retry is due later, or another runner
   * took the saga over).
   */
  async run(claimed: BookingRecord): Promise<BookingRecord> {
    const id = claimed.bookingId;
    this.hold(claimed);
    try {
      let current = claimed;
      while (current.step !== 'DONE') {
        const result = await this.step(current);
        if (result.kind === 'later') return result.booking;
        if (result.kind === 'fenced') {
          this.log.warn(
            { booking_id: id, epoch: claimed.epoch },
            'saga lease lost to another runner; this runner stops',
          );
          return (await this.store.byId(id))!;
        }
        current = result.booking;
      }
      return current;
    } finally {
      if (this.running.get(id)?.epoch === claimed.epoch) this.running.delete(id);
    }
  }

  /**
   * The booking once it has settled (isSettled), or as it is when `until` (epoch ms) passes or
   * `signal` aborts. Runs the saga itself whenever it may: the lease of a runner that died
   * (another instance, paused or killed) or a retry that is due is claimed here at once.
   */
  async settled(
    booking: BookingRecord,
    until: number,
    signal: AbortSignal,
  ): Promise<BookingRecord> {
    let current = booking;
    while (!isSettled(current) && Date.now() < until && !signal.aborted) {
      const claimed = await this.store.claim(current.bookingId);
      if (claimed) {
        current = await this.runWithin(claimed, until);
        continue;
      }
      try {
        await sleep(this.options.pollMs, undefined, { signal });
      } catch {
        break; // the caller gave up
      }
      current = (await this.store.byId(current.bookingId))!;
    }
    return current;
  }

  /**
   * Runs a claimed saga, answering by `until` (epoch ms) at the latest: the booking as it is
   * then, while the saga goes on in the background under this instance's lease.
   */
  async runWithin(claimed: BookingRecord, until: number): Promise<BookingRecord> {
    const running = this.run(claimed);
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(0, until - Date.now()));
    });
    const first = await Promise.race([running, outOfTime]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    running.catch((err: unknown) =>
      this.log.warn({ err, booking_id: claimed.bookingId }, 'saga failed; recovery will go on'),
    );
    return (await this.store.byId(claimed.bookingId))!;
  }

  private async step(b: BookingRecord): Promise<StepResult> {
    const id = b.bookingId;
    switch (b.step) {
      case 'HOLD': {
        let held: HoldStatus;
        try {
          held = await this.seats.holdSeats(id, b.body.holdItems);
        } catch (err) {
          return this.failed(b, err);
        }
        if (held !== HoldStatus.HOLD_STATUS_HELD && held !== HoldStatus.HOLD_STATUS_CONFIRMED) {
          bookingMetrics.step('HOLD', 'failed');
          return this.compensate(
            b,
            held === HoldStatus.HOLD_STATUS_EXPIRED ? 'HOLD_EXPIRED' : 'HOLD_STATE_CONFLICT',
          );
        }
        bookingMetrics.step('HOLD', 'ok');
        // Held and sold in one call (HoldSeats with confirm): CONFIRMED. HELD comes only from a
        // schedule that holds without selling; its hold is confirmed here. Nothing is recorded
        // between hold and confirm: a saga cut short here holds again, which answers with the
        // hold already made (and sells it if it is only HELD).
        if (held === HoldStatus.HOLD_STATUS_HELD) {
          try {
            await this.seats.confirmHold(id);
          } catch (err) {
            return this.failed(b, err, 'CONFIRM');
          }
          bookingMetrics.step('CONFIRM', 'ok');
        }
        return this.moved(
          await this.store.advance(b, 'HOLD', { step: 'DONE', status: 'CONFIRMED' }, this.now()),
        );
      }
      case 'CONFIRM':
        try {
          await this.seats.confirmHold(id);
        } catch (err) {
          return this.failed(b, err);
        }
        bookingMetrics.step('CONFIRM', 'ok');
        return this.moved(
          await this.store.advance(b, 'CONFIRM', { step: 'DONE', status: 'CONFIRMED' }, this.now()),
        );
      case 'RELEASE':
        try {
          await this.seats.releaseSeats(id);
        } catch (err) {
          // NOT_FOUND: a schedule without release tombstones had no hold to give back.
          if (!(err instanceof DomainError && err.code === status.NOT_FOUND)) {
            bookingMetrics.step('RELEASE', 'retry');
            return this.later(b, 'RELEASE', err);
          }
        }
        bookingMetrics.step('RELEASE', 'ok');
        return this.moved(
          await this.store.advance(
            b,
            'RELEASE',
            { step: 'DONE', status: b.status === 'PENDING' ? 'FAILED' : b.status },
            this.now(),
          ),
        );
      case 'DONE':
        return { kind: 'moved', booking: b };
    }
  }

  private moved(b: BookingRecord | null): StepResult {
    if (!b) return { kind: 'fenced' };
    // Counted by the runner whose write moved it to its end, once (a fenced one wrote nothing).
    if (b.step === 'DONE') bookingMetrics.ended(b);
    this.renewed(b);
    return { kind: 'moved', booking: b };
  }

  /**
   * A schedule call failed: compensate a definite "no"; retry anything else while we may.
   * `step` is the saga step the call belongs to (the HOLD step confirms too), for the metrics.
   */
  private failed(b: BookingRecord, err: unknown, step: SagaStep = b.step): Promise<StepResult> {
    const reason = definiteReason(err);
    // The price guarantee is over: the booking cannot be made at the quoted price any more.
    const tooLate = Boolean(b.retryUntil && this.now() >= b.retryUntil);
    if (step !== 'DONE') bookingMetrics.step(step, reason || tooLate ? 'failed' : 'retry');
    if (reason) return this.compensate(b, reason, err);
    if (tooLate) return this.compensate(b, DEPENDENCY_UNAVAILABLE, err);
    return this.later(b, b.step, err);
  }

  private async later(b: BookingRecord, step: SagaStep, err: unknown): Promise<StepResult> {
    const delay = retryDelayMs(
      b.attempts + 1,
      this.options.retryInitialMs,
      this.options.retryMaxMs,
    );
    const error = err instanceof Error ? err.message : String(err);
    this.log.warn(
      { booking_id: b.bookingId, step, attempts: b.attempts + 1, retry_in_ms: delay, err },
      'saga step failed transiently; retrying later',
    );
    const after = await this.store.retryLater(b, step, delay, error);
    return after ? { kind: 'later', booking: after } : { kind: 'fenced' };
  }

  /** A definite failure: the booking fails with `reason`, and its seats go back (RELEASE). */
  private async compensate(b: BookingRecord, reason: string, err?: unknown): Promise<StepResult> {
    this.log.info(
      { booking_id: b.bookingId, step: b.step, reason, err },
      'booking failed; releasing seats',
    );
    return this.moved(
      await this.store.advance(b, b.step, { step: 'RELEASE', failureReason: reason }, this.now()),
    );
  }

  private hold(b: Lease): void {
    this.running.set(b.bookingId, { epoch: b.epoch, renewedAt: Date.now() });
  }

  private renewed(b: Lease): void {
    const held = this.running.get(b.bookingId);
    if (held?.epoch === b.epoch) held.renewedAt = Date.now();
  }

  /**
   * Keeps the leases of the sagas this instance runs (call every third of a lease or so): those
   * not renewed for a third of a lease are extended by a full lease, in one statement. A saga
   * whose lease is found lost is dropped here; its runner is fenced at its next write.
   */
  async heartbeat(): Promise<void> {
    const due = Date.now() - this.leaseMs / 3;
    const leases: Lease[] = [];
    for (const [bookingId, { epoch, renewedAt }] of this.running)
      if (renewedAt <= due) leases.push({ bookingId, epoch });
    if (leases.length === 0) return;
    const kept = await this.store.renew(leases);
    const at = Date.now();
    for (const l of leases) {
      const held = this.running.get(l.bookingId);
      if (held?.epoch !== l.epoch) continue;
      if (kept.has(l.bookingId)) held.renewedAt = at;
      else this.running.delete(l.bookingId);
    }
  }

  /**
   * Finishes sagas nobody runs (their runner died or was paused past its lease) and retries that
   * are due: claims them in batches and runs them, a few at a time. Returns how many.
   */
  async recover(batch = 50): Promise<number> {
    const limit = pLimit(this.options.recoveryConcurrency);
    let total = 0;
    for (;;) {
      const claimed = await this.store.claimAbandoned(batch);
      for (const b of claimed) this.hold(b); // leases kept from the claim on, queued or not
      await Promise.all(
        claimed.map((b) =>
          limit(async () => {
            const after = await this.run(b);
            bookingMetrics.takenOver(after);
            this.log.info(
              { booking_id: b.bookingId, from: b.step, status: after.status, step: after.step },
              'recovered booking saga',
            );
          }),
        ),
      );
      total += claimed.length;
      if (claimed.length < batch) return total;
    }
  }
}
