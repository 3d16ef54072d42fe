import type { Database } from '../../platform/db.js';
import { newBookingReference } from './domain/reference.js';

/** Where a page of a customer's bookings ends: the last booking's creation time and id. */
export interface BookingPageKey {
  createdAt: Date;
  bookingId: string;
}

export type BookingStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
export type SagaStep = 'HOLD' | 'CONFIRM' | 'RELEASE' | 'DONE';

export interface BookingBody {
  /** FlightSegment JSON from the quote. */
  segments: unknown[];
  /** Cabin enum number. */
  cabin: number;
  passengers: Array<{ givenName: string; familyName: string; type: number; dateOfBirth: string }>;
  contactEmail: string;
  /** PriceBreakdown JSON: the price locked by the confirmed quote. */
  price: unknown;
  /** What to hold at schedule: one item per flight. */
  holdItems: Array<{ flightId: string; cabin: number; seats: number }>;
}

export interface BookingRecord {
  bookingId: string;
  reference: string;
  customerId: string;
  idempotencyKey: string;
  fingerprint: string;
  status: BookingStatus;
  step: SagaStep;
  quoteId: string;
  body: BookingBody;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  booking_id: string;
  booking_reference: string;
  customer_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  status: BookingStatus;
  step: SagaStep;
  quote_id: string;
  body: BookingBody;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (r: Row): BookingRecord => ({
  bookingId: r.booking_id,
  reference: r.booking_reference,
  customerId: r.customer_id,
  idempotencyKey: r.idempotency_key,
  fingerprint: r.request_fingerprint,
  status: r.status,
  step: r.step,
  quoteId: r.quote_id,
  body: r.body,
  failureReason: r.failure_reason,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const UNIQUE_VIOLATION = '23505';

/** Another booking has the reference drawn. */
class ReferenceTaken extends Error {}

export class BookingStore {
  constructor(
    private readonly db: Database,
    private readonly leaseMs: number,
  ) {}

  /**
   * Records a new PENDING booking under a fresh booking reference, leased to the caller. Returns
   * null when the customer's idempotency key is taken (the caller then reads that booking).
   */
  async insertPending(
    b: Omit<BookingRecord, 'reference' | 'status' | 'step' | 'failureReason' | 'updatedAt'>,
  ): Promise<BookingRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insertWithReference({ ...b, reference: newBookingReference() });
      } catch (err) {
        // A reference collision (1 in ~900 million): draw another.
        if (!(err instanceof ReferenceTaken) || attempt >= 5) throw err;
      }
    }
  }

  private async insertWithReference(
    b: Omit<BookingRecord, 'status' | 'step' | 'failureReason' | 'updatedAt'>,
  ): Promise<BookingRecord | null> {
    try {
      const rows = await this.db.query<Row>(
        `INSERT INTO bookings (booking_id, booking_reference, customer_id, idempotency_key, request_fingerprint,
                               status, step, quote_id, body, lease_until, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'PENDING', 'HOLD', $6, $7, $8, $9, $9)
         ON CONFLICT (customer_id, idempotency_key) DO NOTHING
         RETURNING *`,
        [
          b.bookingId,
          b.reference,
          b.customerId,
          b.idempotencyKey,
          b.fingerprint,
          b.quoteId,
          JSON.stringify(b.body),
          new Date(b.createdAt.getTime() + this.leaseMs),
          b.createdAt,
        ],
      );
      return rows[0] ? toRecord(rows[0]) : null;
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ReferenceTaken();
      throw err;
    }
  }

  async byKey(customerId: string, idempotencyKey: string): Promise<BookingRecord | null> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM bookings WHERE customer_id = $1 AND idempotency_key = $2',
      [customerId, idempotencyKey],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async byReference(reference: string): Promise<BookingRecord | null> {
    const rows = await this.db.query<Row>('SELECT * FROM bookings WHERE booking_reference = $1', [
      reference,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async byId(bookingId: string): Promise<BookingRecord | null> {
    const rows = await this.db.query<Row>('SELECT * FROM bookings WHERE booking_id = $1', [
      bookingId,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * A customer's bookings, newest first (then by id), `limit` of them after `after`: the keyset
   * of the last booking of the previous page, or none for the first page. Served by the
   * bookings_by_customer index; a booking made meanwhile sorts before the keyset and so never
   * shifts a later page.
   */
  async listByCustomer(
    customerId: string,
    after: BookingPageKey | undefined,
    limit: number,
  ): Promise<BookingRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM bookings
       WHERE customer_id = $1
         AND ($2::timestamptz IS NULL OR created_at < $2 OR (created_at = $2 AND booking_id > $3::uuid))
       ORDER BY created_at DESC, booking_id LIMIT $4`,
      [customerId, after?.createdAt ?? null, after?.bookingId ?? null, limit],
    );
    return rows.map(toRecord);
  }

  /**
   * Moves a saga on, only from the step the caller saw: two runners of one saga (a slow
   * request and recovery) can never both apply a transition. Renews the lease.
   */
  async advance(
    bookingId: string,
    from: SagaStep,
    to: { step: SagaStep; status?: BookingStatus; failureReason?: string },
    now: Date,
  ): Promise<BookingRecord | null> {
    const rows = await this.db.query<Row>(
      `UPDATE bookings SET step = $3, status = COALESCE($4, status), failure_reason = COALESCE($5, failure_reason),
              lease_until = $6, updated_at = $7
       WHERE booking_id = $1 AND step = $2 RETURNING *`,
      [
        bookingId,
        from,
        to.step,
        to.status ?? null,
        to.failureReason ?? null,
        new Date(now.getTime() + this.leaseMs),
        now,
      ],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** CONFIRMED → CANCELLED with the seats still to give back (step RELEASE). */
  async cancel(bookingId: string, now: Date): Promise<BookingRecord | null> {
    const rows = await this.db.query<Row>(
      `UPDATE bookings SET status = 'CANCELLED', step = 'RELEASE', lease_until = $2, updated_at = $3
       WHERE booking_id = $1 AND status = 'CONFIRMED' AND step = 'DONE' RETURNING *`,
      [bookingId, new Date(now.getTime() + this.leaseMs), now],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Takes over unfinished sagas whose runner is gone (its lease ran out). */
  async claimAbandoned(now: Date, limit: number): Promise<BookingRecord[]> {
    const rows = await this.db.query<Row>(
      `UPDATE bookings SET lease_until = $2
       WHERE booking_id IN (
         SELECT booking_id FROM bookings WHERE step <> 'DONE' AND lease_until < $1
         ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, new Date(now.getTime() + this.leaseMs), limit],
    );
    return rows.map(toRecord);
  }
}
