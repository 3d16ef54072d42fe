import type { Migration } from '../../platform/db.js';

export const migrations: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE bookings (
  booking_id uuid PRIMARY KEY,
  booking_reference text NOT NULL UNIQUE,
  customer_id text NOT NULL,
  idempotency_key text NOT NULL,
  request_fingerprint text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED')),
  -- The saga's next step, durable so a crash loses nothing: HOLD → CONFIRM → DONE, or
  -- RELEASE (give the seats back) → DONE after a failure or a cancellation.
  step text NOT NULL CHECK (step IN ('HOLD', 'CONFIRM', 'RELEASE', 'DONE')),
  quote_id text NOT NULL,
  body jsonb NOT NULL,
  failure_reason text,
  -- Whoever runs the saga holds it until then; recovery takes over sagas whose lease ran out.
  lease_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (customer_id, idempotency_key)
);

CREATE INDEX bookings_unfinished ON bookings (lease_until) WHERE step <> 'DONE';
CREATE INDEX bookings_by_customer ON bookings (customer_id, created_at DESC, booking_id);
`,
  },
  {
    version: 2,
    sql: `
-- Fencing: every claim of a saga (a new booking, a takeover) bumps the epoch, and every saga
-- write names the epoch its runner holds, so a runner that lost its lease cannot write again.
ALTER TABLE bookings ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 1;

-- Transient failures are retried, with backoff, until retry_until (the quote's price guarantee);
-- lease_until is then the time of the next try.
ALTER TABLE bookings ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN retry_until timestamptz;
ALTER TABLE bookings ADD COLUMN last_error text;
`,
  },
  {
    version: 3,
    sql: `
-- A quote is booked once: a second booking of it under another idempotency key is refused by
-- this index (QUOTE_ALREADY_BOOKED). A FAILED booking gave its seats back and frees its quote.
-- Bookings made before the rule that share a quote stay as they were, marked, outside the index.
ALTER TABLE bookings ADD COLUMN quote_rebooked boolean NOT NULL DEFAULT false;
UPDATE bookings b SET quote_rebooked = true
 WHERE b.status <> 'FAILED'
   AND EXISTS (SELECT 1 FROM bookings o
                WHERE o.quote_id = b.quote_id AND o.status <> 'FAILED'
                  AND (o.created_at, o.booking_id) < (b.created_at, b.booking_id));
CREATE UNIQUE INDEX bookings_one_per_quote ON bookings (quote_id)
  WHERE status <> 'FAILED' AND NOT quote_rebooked;
`,
  },
];
