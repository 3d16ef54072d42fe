import { LRUCache } from 'lru-cache';
import type { Database } from '../../platform/db.js';
import { newBookingReference } from './domain/reference.js';

/** Where a page of a customer's bookings ends: the last booking's creation time and id. */
export interface BookingPageKey {
  createdAt: Date;
  bookingId: string;
}

export type BookingStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
/** CONFIRM is only found in rows written before HOLD came to mean "hold and confirm". */
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
  /** The fencing token of the saga's current lease: saga writes must name it (see Lease). */
  epoch: number;
  /** Transient failures of the saga so far (each retried after a backoff). */
  attempts: number;
  /** Transient failures are retried until then (the quote's price guarantee); null: always. */
  retryUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a saga runner holds: the booking and the epoch it was claimed at. */
export type Lease = Pick<BookingRecord, 'bookingId' | 'epoch'>;

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
  lease_epoch: number;
  attempts: number;
  retry_until: Date | null;
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
  epoch: Number(r.lease_epoch),
  attempts: Number(r.attempts),
  retryUntil: r.retry_until ? new Date(r.retry_until) : null,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const UNIQUE_VIOLATION = '23505';
/** Unique indexes an insert can meet (migrations.ts). */
const REFERENCE_INDEX = 'bookings_booking_reference_key';
const QUOTE_INDEX = 'bookings_one_per_quote';

/**
 * `lease_until` a number of ms from now by the database's clock: every instance compares leases
 * against the same clock, so a skewed machine clock cannot steal or keep a lease.
 */
const fromNow = (param: string) => `clock_timestamp() + ${param} * interval '1 millisecond'`;

/** Another booking has the reference drawn. */
class ReferenceTaken extends Error {}

export type NewBooking = Omit<
  BookingRecord,
  'reference' | 'status' | 'step' | 'failureReason' | 'updatedAt' | 'epoch' | 'attempts'
>;

/**
 * Bookings and their sagas' state. Saga state moves only under a lease (a runner's claim, with a
 * fencing epoch): `advance` and `retryLater` change a row only if it still carries the epoch the
 * runner was given, so of two runners of one saga (one paused past its lease, one that took
 * over) only the current one can write.
 */
export class BookingStore {
  /**
   * Bookings by reference as this process last wrote or read them, on the embedded store only:
   * there this process is the store's one writer, and every write here returns the row it left
   * (RETURNING *), so the memory is never behind the table. GetBooking then costs no statement
   * (profiled: a keyed SELECT through PGlite was most of a booking read's CPU). On PostgreSQL
   * other instances write too, so every read goes to the table.
   */
  private readonly memory: LRUCache<string, BookingRecord> | undefined;
  /** Writes issued so far: a read that raced one does not fill the memory with what it saw. */
  private writes = 0;

  constructor(
    private readonly db: Database,
    private readonly leaseMs: number,
    /** Bookings kept in memory (embedded store only). */
    memorySize = 10_000,
  ) {
    this.memory = db.kind === 'embedded' ? new LRUCache({ max: memorySize }) : undefined;
  }

  /** Runs a statement that changes bookings; what it returns is now what the table holds. */
  private async write(text: string, params: unknown[]): Promise<BookingRecord[]> {
    this.writes++;
    const records = (await this.db.query<Row>(text, params)).map(toRecord);
    for (const b of records) this.memory?.set(b.reference, b);
    return records;
  }

  /**
   * Records a new PENDING booking under a fresh booking reference, leased to the caller (epoch
   * 1). Returns null when the customer's idempotency key is taken or the quote is booked by
   * another booking not FAILED (the caller reads by key to tell which: a twin of this request
   * can meet either index first).
   */
  async insertPending(b: NewBooking): Promise<BookingRecord | null> {
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
    b: NewBooking & { reference: string },
  ): Promise<BookingRecord | null> {
    try {
      const rows = await this.write(
        `INSERT INTO bookings (booking_id, booking_reference, customer_id, idempotency_key, request_fingerprint,
                               status, step, quote_id, body, lease_until, lease_epoch, retry_until,
                               created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'PENDING', 'HOLD', $6, $7, ${fromNow('$8')}, 1, $9, $10, $10)
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
          this.leaseMs,
          b.retryUntil,
          b.createdAt,
        ],
      );
      return rows[0] ?? null;
    } catch (err) {
      const { code, constraint } = err as { code?: string; constraint?: string };
      if (code !== UNIQUE_VIOLATION) throw err;
      if (constraint === QUOTE_INDEX) return null;
      if (constraint === REFERENCE_INDEX) throw new ReferenceTaken();
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

  /** The booking that holds a quote: the one of its bookings not FAILED, if any. */
  async byQuote(quoteId: string): Promise<BookingRecord | null> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM bookings WHERE quote_id = $1 AND status <> 'FAILED' AND NOT quote_rebooked`,
      [quoteId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The booking, from memory when this process holds it (see `memory`). */
  async byReference(reference: string): Promise<BookingRecord | null> {
    const kept = this.memory?.get(reference);
    if (kept) return kept;
    const writesBefore = this.writes;
    const rows = await this.db.query<Row>('SELECT * FROM bookings WHERE booking_reference = $1', [
      reference,
    ]);
    const b = rows[0] ? toRecord(rows[0]) : null;
    if (b && this.writes === writesBefore) this.memory?.set(reference, b);
    return b;
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
   * Moves a saga on from the step its runner saw, under the runner's lease (fenced: null when
   * another runner has claimed the saga since, or it moved on). Renews the lease.
   */
  async advance(
    lease: Lease,
    from: SagaStep,
    to: { step: SagaStep; status?: BookingStatus; failureReason?: string },
    now: Date,
  ): Promise<BookingRecord | null> {
    const rows = await this.write(
      `UPDATE bookings SET step = $4, status = COALESCE($5, status), failure_reason = COALESCE($6, failure_reason),
              lease_until = ${fromNow('$7')}, updated_at = $8
       WHERE booking_id = $1 AND lease_epoch = $2 AND step = $3 RETURNING *`,
      [
        lease.bookingId,
        lease.epoch,
        from,
        to.step,
        to.status ?? null,
        to.failureReason ?? null,
        this.leaseMs,
        now,
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Gives the saga up for now after a transient failure (fenced like advance): one more attempt
   * counted, `error` noted, and the lease ends in `delayMs`, when any runner may claim it again.
   */
  async retryLater(
    lease: Lease,
    from: SagaStep,
    delayMs: number,
    error: string,
  ): Promise<BookingRecord | null> {
    const rows = await this.write(
      `UPDATE bookings SET attempts = attempts + 1, last_error = $4, lease_until = ${fromNow('$5')}
       WHERE booking_id = $1 AND lease_epoch = $2 AND step = $3 RETURNING *`,
      [lease.bookingId, lease.epoch, from, error, Math.round(delayMs)],
    );
    return rows[0] ?? null;
  }

  /**
   * CONFIRMED → CANCELLED with the seats still to give back (step RELEASE), leased to the
   * caller under a new epoch.
   */
  async cancel(bookingId: string, now: Date): Promise<BookingRecord | null> {
    const rows = await this.write(
      `UPDATE bookings SET status = 'CANCELLED', step = 'RELEASE', lease_epoch = lease_epoch + 1,
              lease_until = ${fromNow('$2')}, attempts = 0, retry_until = NULL, updated_at = $3
       WHERE booking_id = $1 AND status = 'CONFIRMED' AND step = 'DONE' RETURNING *`,
      [bookingId, this.leaseMs, now],
    );
    return rows[0] ?? null;
  }

  /** Takes over one unfinished saga whose lease has run out (a new epoch); null if it has not. */
  async claim(bookingId: string): Promise<BookingRecord | null> {
    const rows = await this.write(
      `UPDATE bookings SET lease_epoch = lease_epoch + 1, lease_until = ${fromNow('$2')}
       WHERE booking_id = $1 AND step <> 'DONE' AND lease_until < clock_timestamp() RETURNING *`,
      [bookingId, this.leaseMs],
    );
    return rows[0] ?? null;
  }

  /** Takes over up to `limit` unfinished sagas whose lease ran out (runner gone, or retry due). */
  async claimAbandoned(limit: number): Promise<BookingRecord[]> {
    return this.write(
      `UPDATE bookings SET lease_epoch = lease_epoch + 1, lease_until = ${fromNow('$1')}
       WHERE booking_id IN (
         SELECT booking_id FROM bookings WHERE step <> 'DONE' AND lease_until < clock_timestamp()
         ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.leaseMs, limit],
    );
  }

  /**
   * The heartbeat: extends the leases still held (same epoch, saga unfinished) by a full lease
   * from now. Returns the ids whose lease was extended; the others were lost.
   */
  async renew(leases: Lease[]): Promise<Set<string>> {
    if (leases.length === 0) return new Set();
    const rows = await this.db.query<{ booking_id: string }>(
      `UPDATE bookings AS b SET lease_until = ${fromNow('$3')}
       FROM unnest($1::uuid[], $2::bigint[]) AS held(booking_id, epoch)
       WHERE b.booking_id = held.booking_id AND b.lease_epoch = held.epoch AND b.step <> 'DONE'
       RETURNING b.booking_id`,
      [leases.map((l) => l.bookingId), leases.map((l) => l.epoch), this.leaseMs],
    );
    return new Set(rows.map((r) => r.booking_id));
  }
}
