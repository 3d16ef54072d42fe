import { createHash, randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { z } from 'zod';
import { PassengerType, PriceBreakdown, FlightSegment } from '../../gen/ts/flights/v1/common.js';
import type { BookingServiceService } from '../../gen/ts/flights/v1/booking.js';
import type { Quote } from '../../gen/ts/flights/v1/pricing.js';
import { passengerKind } from '../../flights/enums.js';
import {
  alreadyExists,
  dependencyUnavailable,
  ErrorReason,
  failedPrecondition,
  notFound,
} from '../../flights/errors.js';
import { fields } from '../../flights/fields.js';
import { DomainError, invalidArgument } from '../../platform/errors.js';
import { callPeer } from '../../platform/peers.js';
import type { CallContext, Handlers } from '../../platform/server.js';
import { validate } from '../../platform/validation.js';
import { ReferenceTaken, type BookingRecord, type BookingStore } from './booking-store.js';
import { actingCustomer } from './customer.js';
import { passengerViolations } from './domain/passengers.js';
import { newBookingReference, REFERENCE_PATTERN } from './domain/reference.js';
import { toBookingProto } from './mapping.js';
import type { BookingSaga } from './saga.js';

export interface BookingDeps {
  store: BookingStore;
  saga: BookingSaga;
  confirmQuote(quoteId: string, parent: CallContext): Promise<Quote>;
  now: () => Date;
}

const name = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');
const customerId = z.string().min(1, 'is required').max(128, 'must be at most 128 characters');
const reference = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(REFERENCE_PATTERN, 'must be a 6-character booking reference'));

const createBooking = z.object({
  idempotencyKey: fields.clientId,
  quoteId: z.string().uuid('must be a quote id issued by pricing'),
  customerId,
  passengers: z
    .array(
      z.object({
        givenName: name,
        familyName: name,
        type: z
          .nativeEnum(PassengerType)
          .refine((t) => passengerKind(t) !== undefined, 'must be adult, child or infant'),
        dateOfBirth: fields.localDate,
      }),
    )
    .min(1, 'must name at least one passenger')
    .max(18, 'must be at most 18 passengers'),
  contactEmail: z.string().email('must be an e-mail address').max(254),
});
const getBooking = z.object({
  bookingReference: reference,
  customerId: customerId.or(z.literal('')),
});
const listBookings = z.object({
  customerId,
  pageSize: z.number().int().max(100, 'must be at most 100'),
  pageToken: z.string().regex(/^\d*$/, 'is not a page token this service issued'),
});
const cancelBooking = getBooking.extend({
  reason: z.string().max(200, 'must be at most 200 characters'),
});

/** The request as the edge's verified customer makes it (customer.ts), before validation. */
const asCustomer = <R extends { customerId: string }>(request: R, ctx: CallContext): R => ({
  ...request,
  customerId: actingCustomer(request.customerId, ctx.metadata),
});

const FAILED_CODES: Record<string, status> = { DEPENDENCY_UNAVAILABLE: status.UNAVAILABLE };

/** A failed booking answers as the error that failed it, every time it is asked (idempotency). */
function outcome(b: BookingRecord): { booking: ReturnType<typeof toBookingProto> } {
  if (b.failureReason && b.status !== 'CANCELLED') {
    throw new DomainError(
      FAILED_CODES[b.failureReason] ?? status.FAILED_PRECONDITION,
      b.failureReason,
      `booking ${b.reference} failed: ${b.failureReason}`,
      { metadata: { booking_reference: b.reference, booking_status: b.status } },
    );
  }
  return { booking: toBookingProto(b) };
}

export function bookingHandlers(deps: BookingDeps): Handlers<typeof BookingServiceService> {
  const { store, saga } = deps;

  /** A twin request is running this booking's saga: wait for it to settle, within our deadline. */
  async function settled(b: BookingRecord, ctx: CallContext): Promise<BookingRecord> {
    let current = b;
    const until = (ctx.deadline?.getTime() ?? Date.now() + 10_000) - 250;
    while (
      current.step !== 'DONE' &&
      current.step !== 'RELEASE' &&
      Date.now() < until &&
      !ctx.signal.aborted
    ) {
      await new Promise((r) => setTimeout(r, 50));
      current = (await store.byId(b.bookingId))!;
    }
    return current;
  }

  function sameRequest(b: BookingRecord, fingerprint: string): BookingRecord {
    if (b.fingerprint !== fingerprint)
      throw alreadyExists(
        ErrorReason.ERROR_REASON_IDEMPOTENCY_CONFLICT,
        `idempotency_key ${b.idempotencyKey} was used for a different booking request`,
      );
    return b;
  }

  async function insertWithFreshReference(
    b: Omit<Parameters<BookingStore['insertPending']>[0], 'reference'>,
  ): Promise<BookingRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.insertPending({ ...b, reference: newBookingReference() });
      } catch (err) {
        if (!(err instanceof ReferenceTaken) || attempt >= 5) throw err;
      }
    }
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
      const r = validate(createBooking, asCustomer(request, ctx));
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([r.quoteId, r.passengers, r.contactEmail.toLowerCase()]))
        .digest('hex');
      const existing = await store.byKey(r.customerId, r.idempotencyKey);
      if (existing) return outcome(await settled(sameRequest(existing, fingerprint), ctx));

      const quote = await callPeer(
        () => deps.confirmQuote(r.quoteId, ctx),
        dependencyUnavailable('pricing is unavailable; nothing was booked, try again'),
      );
      const segments = quote.segments;
      const travelDate = segments[0]!.departureLocal.slice(0, 10);
      const violations = passengerViolations(
        r.passengers.map((p) => ({ ...p, kind: passengerKind(p.type)! })),
        quote.passengers!,
        travelDate,
      );
      if (violations.length) throw invalidArgument(violations);

      const seated = quote.passengers!.adults + quote.passengers!.children;
      const created = await insertWithFreshReference({
        bookingId: randomUUID(),
        customerId: r.customerId,
        idempotencyKey: r.idempotencyKey,
        fingerprint,
        quoteId: r.quoteId,
        body: {
          segments: segments.map((s) => FlightSegment.toJSON(s)),
          cabin: quote.cabin,
          passengers: r.passengers,
          contactEmail: r.contactEmail,
          price: PriceBreakdown.toJSON(quote.price!),
          holdItems: segments.map((s) => ({
            flightId: s.flightId,
            cabin: quote.cabin,
            seats: seated,
          })),
        },
        createdAt: deps.now(),
      });
      if (!created) {
        // A twin request with the same key got there first.
        const twin = (await store.byKey(r.customerId, r.idempotencyKey))!;
        return outcome(await settled(sameRequest(twin, fingerprint), ctx));
      }
      ctx.log.info(
        { booking_id: created.bookingId, booking_reference: created.reference },
        'booking recorded; holding seats',
      );
      return outcome(await saga.run(created, ctx));
    },

    async getBooking(request, ctx) {
      const r = validate(getBooking, asCustomer(request, ctx));
      return { booking: toBookingProto(await owned(r.bookingReference, r.customerId)) };
    },

    async listBookings(request, ctx) {
      const r = validate(listBookings, asCustomer(request, ctx));
      const size = r.pageSize || 20;
      const offset = r.pageToken ? Number(r.pageToken) : 0;
      const rows = await store.listByCustomer(r.customerId, offset, size + 1);
      return {
        bookings: rows.slice(0, size).map(toBookingProto),
        nextPageToken: rows.length > size ? String(offset + size) : '',
      };
    },

    async cancelBooking(request, ctx) {
      const r = validate(cancelBooking, asCustomer(request, ctx));
      for (;;) {
        const b = await owned(r.bookingReference, r.customerId);
        if (b.status === 'CANCELLED')
          return { booking: toBookingProto(b.step === 'DONE' ? b : await saga.run(b)) };
        if (b.status !== 'CONFIRMED' || b.step !== 'DONE')
          throw failedPrecondition(
            ErrorReason.ERROR_REASON_BOOKING_STATE_CONFLICT,
            b.status === 'PENDING'
              ? `booking ${b.reference} is still being made; try again shortly`
              : `booking ${b.reference} is ${b.status} and cannot be cancelled`,
            { booking_reference: b.reference, status: b.status },
          );
        const cancelled = await store.cancel(b.bookingId, deps.now());
        if (cancelled) {
          return { booking: toBookingProto(await saga.run(cancelled)) };
        }
      }
    },
  };
}
