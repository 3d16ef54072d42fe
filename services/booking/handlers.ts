/** gRPC ↔ booking: each handler validates, asks the saga and the store, maps the answer. */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { BookingServiceService } from '../../gen/ts/flights/v1/booking.js';
import { passengerKind } from '../../flights/enums.js';
import {
  alreadyExists,
  DEPENDENCY_UNAVAILABLE,
  ErrorReason,
  failedPrecondition,
  notFound,
} from '../../flights/errors.js';
import { salesClosed } from '../../flights/sales.js';
import { DomainError, invalidArgument } from '../../platform/errors.js';
import type { PageTokens } from '../../platform/page-tokens.js';
import type { CallContext, Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import type { BookingRecord, BookingStore } from './booking-store.js';
import { actingCustomer } from './customer.js';
import { passengerViolations } from './domain/passengers.js';
import { requestFingerprint } from './domain/request.js';
import { bookingListScope, bookingPageKey, keyOfToken, tokenOfKey } from './paging.js';
import { bookingBody, retryUntil, toBookingProto } from './mapping.js';
import { bookingMetrics } from './metrics.js';
import type { QuotePeer } from './peers.js';
import * as requests from './requests.js';
import { isSettled, type BookingSaga } from './saga.js';

export interface BookingDeps {
  store: BookingStore;
  saga: BookingSaga;
  pricing: QuotePeer;
  /** Signs and reads ListBookings page tokens. */
  pageTokens: PageTokens;
  now: () => Date;
  /** How long a saga may retry transient failures at most, in ms (never past the quote's expiry). */
  retryLimitMs: number;
  /** The sales cut-off, minutes before departure (flights/sales.ts). */
  salesCutoffMinutes: number;
}

/** Time kept back from the caller's deadline to send the answer, in ms. */
const ANSWER_MARGIN_MS = 250;

/** The request as the edge's verified customer makes it (customer.ts), before validation. */
const asCustomer = <R extends { customerId: string }>(request: R, ctx: CallContext): R => ({
  ...request,
  customerId: actingCustomer(request.customerId, ctx.metadata),
});

/**
 * A failed booking answers as the error that failed it, every time it is asked (idempotency).
 * Always FAILED_PRECONDITION, never UNAVAILABLE: the outcome is final, and an answer that invites
 * a retry with the same key would replay the same failure forever. (A schedule that stayed
 * unreachable fails a booking only once the quote's price guarantee is over: DEPENDENCY_UNAVAILABLE
 * here means "get a new quote".) A booking not settled yet answers PENDING.
 */
function outcome(b: BookingRecord): { booking: ReturnType<typeof toBookingProto> } {
  if (b.failureReason && b.status !== 'CANCELLED') {
    throw new DomainError(
      status.FAILED_PRECONDITION,
      b.failureReason,
      b.failureReason === DEPENDENCY_UNAVAILABLE
        ? `booking ${b.reference} failed: the seats could not be held while the quote was valid (a service was unavailable); nothing was booked, ask for a new quote`
        : `booking ${b.reference} failed: ${b.failureReason}`,
      { metadata: { booking_reference: b.reference, booking_status: b.status } },
    );
  }
  return { booking: toBookingProto(b) };
}

/** Until when (epoch ms) a request may wait for its saga before answering with it PENDING. */
const answerBy = (ctx: CallContext) =>
  (ctx.deadline?.getTime() ?? Date.now() + 10_000) - ANSWER_MARGIN_MS;

export function bookingHandlers(deps: BookingDeps): Handlers<typeof BookingServiceService> {
  const { store, saga } = deps;

  /** The booking a retried request made, once its saga has settled (within our deadline). */
  async function replay(b: BookingRecord, fingerprint: string, ctx: CallContext) {
    if (b.fingerprint !== fingerprint)
      throw alreadyExists(
        ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
        `idempotency_key ${b.idempotencyKey} was used for a different booking request`,
      );
    return outcome(await saga.settled(b, answerBy(ctx), ctx.signal));
  }

  /**
   * FAILED_PRECONDITION QUOTE_ALREADY_BOOKED: the quote is booked under another key. The holding
   * booking's reference is in the metadata for its own customer only (to anyone else a booking
   * is not there).
   */
  async function quoteAlreadyBooked(quoteId: string, customer: string) {
    const holder = await store.byQuote(quoteId);
    const mine = holder && holder.customerId === customer;
    return failedPrecondition(
      ErrorReason.ERROR_REASON_QUOTE_ALREADY_BOOKED,
      mine
        ? `quote ${quoteId} is already booked as ${holder.reference}`
        : `quote ${quoteId} is already booked`,
      mine ? { quote_id: quoteId, booking_reference: holder.reference } : { quote_id: quoteId },
    );
  }

  async function owned(ref: string, customer: string): Promise<BookingRecord> {
    const b = await store.byReference(ref);
    // Another customer's booking looks exactly like a missing one.
    if (!b || (customer && b.customerId !== customer))
      throw notFound(ErrorReason.ERROR_REASON_BOOKING_NOT_FOUND, `no booking ${ref}`, {
        booking_reference: ref,
      });
    return b;
  }

  return {
    async createBooking(request, ctx) {
      const r = validate(requests.createBooking, asCustomer(request, ctx));
      const fingerprint = requestFingerprint(r.quoteId, r.passengers, r.contactEmail);
      const existing = await store.byKey(r.customerId, r.idempotencyKey);
      if (existing) return replay(existing, fingerprint, ctx);

      const quote = await deps.pricing.confirmQuote(r.quoteId, ctx).catch((err: unknown) => {
        bookingMetrics.refused(err);
        throw err;
      });
      // Pricing refuses to confirm a closed flight; booking holds the same line on its own clock.
      const closed = salesClosed(
        quote.segments.map((s) => ({
          flightId: s.flightId,
          departureMs: s.departureTime!.getTime(),
        })),
        deps.now().getTime(),
        deps.salesCutoffMinutes,
      );
      if (closed) throw closed;
      const violations = passengerViolations(
        r.passengers.map((p) => ({ ...p, kind: passengerKind(p.type)! })),
        quote.passengers!,
        quote.segments[0]!.departureLocal.slice(0, 10),
      );
      if (violations.length) throw invalidArgument(violations);

      const created = await store.insertPending({
        bookingId: randomUUID(),
        customerId: r.customerId,
        idempotencyKey: r.idempotencyKey,
        fingerprint,
        quoteId: r.quoteId,
        body: bookingBody(quote, r),
        retryUntil: retryUntil(quote.expiresAt, deps.now(), deps.retryLimitMs),
        createdAt: deps.now(),
      });
      if (!created) {
        // A twin request with the same key got there first, or another booking has the quote.
        const twin = await store.byKey(r.customerId, r.idempotencyKey);
        if (twin) return replay(twin, fingerprint, ctx);
        bookingMetrics.refused('QUOTE_ALREADY_BOOKED');
        throw await quoteAlreadyBooked(r.quoteId, r.customerId);
      }
      ctx.log.info(
        { booking_id: created.bookingId, booking_reference: created.reference },
        'booking recorded; holding seats',
      );
      // The saga runs to its end whatever happens to this call; the answer waits for it within
      // the budget (then it is PENDING, and a retry or GetBooking gives the outcome later).
      const until = answerBy(ctx);
      const after = await saga.runWithin(created, until);
      return outcome(isSettled(after) ? after : await saga.settled(after, until, ctx.signal));
    },

    async getBooking(request, ctx) {
      const r = validate(requests.getBooking, asCustomer(request, ctx));
      return { booking: toBookingProto(await owned(r.bookingReference, r.customerId)) };
    },

    async listBookings(request, ctx) {
      const r = validate(requests.listBookings, asCustomer(request, ctx));
      const size = r.pageSize || 20;
      const scope = bookingListScope(r.customerId);
      const after = deps.pageTokens.read(scope, r.pageToken, bookingPageKey);
      const rows = await store.listByCustomer(r.customerId, after && keyOfToken(after), size + 1);
      const page = rows.slice(0, size);
      const last = page.at(-1);
      return {
        bookings: page.map(toBookingProto),
        nextPageToken:
          rows.length > size && last ? deps.pageTokens.issue(scope, tokenOfKey(last)) : '',
      };
    },

    async cancelBooking(request, ctx) {
      const r = validate(requests.cancelBooking, asCustomer(request, ctx));
      for (;;) {
        const b = await owned(r.bookingReference, r.customerId);
        // Its seats are going back under the runner of that cancellation (or recovery).
        if (b.status === 'CANCELLED') return { booking: toBookingProto(b) };
        if (b.status !== 'CONFIRMED' || b.step !== 'DONE')
          throw failedPrecondition(
            ErrorReason.ERROR_REASON_BOOKING_STATE_CONFLICT,
            b.status === 'PENDING'
              ? `booking ${b.reference} is still being made; try again shortly`
              : `booking ${b.reference} is ${b.status} and cannot be cancelled`,
            { booking_reference: b.reference, status: b.status },
          );
        // Cancelled by someone else meanwhile: go round and answer as that cancellation did.
        const cancelled = await store.cancel(b.bookingId, deps.now());
        if (cancelled) return { booking: toBookingProto(await saga.run(cancelled)) };
      }
    },
  };
}
