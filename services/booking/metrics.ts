/**
 * Booking's own figures on /metrics (the platform measures its RPCs): how bookings end, by
 * reason (the booking funnel's bottom), each saga step's result, and sagas taken over by
 * recovery. A booking is counted once, by whoever moves it to its end (a retried request that
 * finds it settled counts nothing); a request refused before any booking was recorded (pricing
 * would not confirm its quote) counts each time, since nothing is kept for its key.
 */
import { status } from '@grpc/grpc-js';
import { metrics } from '../../platform/metrics.js';
import type { BookingRecord } from './booking-store.js';

const bookings = metrics.counter('booking.bookings', {
  description:
    'Bookings that reached an end: confirmed, or failed with the ErrorInfo reason (SOLD_OUT, QUOTE_EXPIRED, …).',
  unit: '{booking}',
});
const cancellations = metrics.counter('booking.cancellations', {
  description: 'Confirmed bookings cancelled, their seats given back.',
  unit: '{booking}',
});
const steps = metrics.counter('booking.saga.steps', {
  description:
    'Saga steps run, by step (HOLD, CONFIRM, RELEASE) and result: ok, failed (on to RELEASE), retry (recovery tries again).',
  unit: '{step}',
});
const takeovers = metrics.counter('booking.saga.takeovers', {
  description:
    'Sagas run by recovery (their runner died or paused past its lease, or a retry came due), by the status they were left in.',
  unit: '{saga}',
});

// Every series a dashboard reads starts at 0, so it exists (for rate() and for alerts on it)
// before the first event: Prometheus's own advice for counters with known labels.
for (const step of ['HOLD', 'CONFIRM', 'RELEASE'])
  for (const result of ['ok', 'failed', 'retry']) steps.add(0, { step, result });
for (const status of ['CONFIRMED', 'FAILED', 'CANCELLED']) takeovers.add(0, { status });
bookings.add(0, { outcome: 'confirmed', reason: '' });
cancellations.add(0);

export const bookingMetrics = {
  step(step: 'HOLD' | 'CONFIRM' | 'RELEASE', result: 'ok' | 'failed' | 'retry'): void {
    steps.add(1, { step, result });
  },
  /**
   * A booking refused before its saga began: its quote could not be confirmed, or was booked.
   * `why` is the reason, or the error it came as (see refusalReason).
   */
  refused(why: string | unknown): void {
    bookings.add(1, {
      outcome: 'failed',
      reason: typeof why === 'string' ? why : refusalReason(why),
    });
  },
  /** The booking as the saga left it at DONE. */
  ended(b: BookingRecord): void {
    if (b.status === 'CONFIRMED') bookings.add(1, { outcome: 'confirmed', reason: '' });
    else if (b.status === 'FAILED')
      bookings.add(1, { outcome: 'failed', reason: b.failureReason ?? 'UNKNOWN' });
    else if (b.status === 'CANCELLED') cancellations.add(1);
  },
  takenOver(b: BookingRecord): void {
    takeovers.add(1, { status: b.status });
  },
};

/**
 * The `reason` label of a refusal that came as an error: its ErrorInfo reason, else its gRPC
 * status name (a call the caller's deadline cut short is DEADLINE_EXCEEDED, not UNKNOWN, as a
 * newcomer's `X-Request-Timeout: 1` showed), else UNKNOWN.
 */
export function refusalReason(err: unknown): string {
  const { reason, code } = (err ?? {}) as { reason?: unknown; code?: unknown };
  if (typeof reason === 'string' && reason) return reason;
  if (typeof code === 'number' && status[code]) return status[code];
  return 'UNKNOWN';
}
