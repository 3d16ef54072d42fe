import type { Migration } from '../../platform/db.js';

export const migrations: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE inventory (
  flight_id text NOT NULL,
  cabin text NOT NULL,
  capacity integer NOT NULL CHECK (capacity >= 0),
  sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  PRIMARY KEY (flight_id, cabin),
  -- The database itself refuses an oversold cabin, whatever the code above it does.
  CONSTRAINT not_oversold CHECK (sold + held <= capacity)
);

CREATE TABLE holds (
  hold_id text PRIMARY KEY,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX holds_due ON holds (expires_at) WHERE status = 'HELD';

CREATE TABLE hold_items (
  hold_id text NOT NULL REFERENCES holds (hold_id),
  flight_id text NOT NULL,
  cabin text NOT NULL,
  seats integer NOT NULL CHECK (seats > 0),
  PRIMARY KEY (hold_id, flight_id, cabin)
);

CREATE INDEX hold_items_flight ON hold_items (flight_id, cabin);

-- Operational changes to the generated timetable: a retimed or cancelled dated flight.
CREATE TABLE flight_overrides (
  flight_id text PRIMARY KEY,
  departure_date text NOT NULL,
  status text NOT NULL,
  departure_utc timestamptz NOT NULL,
  arrival_utc timestamptz NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX flight_overrides_date ON flight_overrides (departure_date);

-- The change feed. seq is the cursor; writers take an advisory lock so seqs commit in order
-- and a reader never skips an event that commits late.
CREATE TABLE schedule_events (
  seq bigserial PRIMARY KEY,
  request_id text NOT NULL UNIQUE,
  flight_id text NOT NULL,
  type text NOT NULL,
  reason text NOT NULL,
  flight jsonb NOT NULL,
  occurred_at timestamptz NOT NULL
);
`,
  },
  {
    version: 2,
    sql: `
-- The seat feed (WatchAvailability, seat-feed.ts): each inventory row remembers the transaction
-- that last changed it. A trigger, so that every statement that moves seats (hold-store.ts,
-- inventory-store.ts) is covered without knowing about the feed.
ALTER TABLE inventory ADD COLUMN changed_xid xid8;

-- (One line: migrations are split into statements at a semicolon that ends a line.)
CREATE FUNCTION inventory_stamp_xid() RETURNS trigger LANGUAGE plpgsql
  AS $$ BEGIN NEW.changed_xid := pg_current_xact_id(); RETURN NEW; END $$;

CREATE TRIGGER inventory_stamp_xid BEFORE INSERT OR UPDATE ON inventory
  FOR EACH ROW EXECUTE FUNCTION inventory_stamp_xid();

CREATE INDEX inventory_changed_xid ON inventory (changed_xid);
`,
  },
  {
    version: 3,
    sql: `
-- HoldSeats is one statement in its own transaction (hold-store.ts, HOLD_SQL): when a cabin is
-- short of seats it calls this, and the error undoes the whole statement, hold row and items
-- included, as a ROLLBACK did when it was one statement between BEGIN and COMMIT. A function,
-- not an expression in the statement, so that PostgreSQL cannot evaluate it while planning.
CREATE FUNCTION hold_short_of_seats() RETURNS int LANGUAGE plpgsql VOLATILE
  AS $$ BEGIN RAISE EXCEPTION 'a cabin is short of seats' USING ERRCODE = 'FM001'; END $$;
`,
  },
  {
    version: 4,
    sql: `
-- What a change's request asked for (domain/flight-changes.ts changeFingerprint), so a request
-- id used again for another change is refused instead of answered as the first one. Events from
-- before have none: a retry of one of those is taken as the same request, as it was then.
ALTER TABLE schedule_events ADD COLUMN request_fingerprint text;
`,
  },
  {
    version: 5,
    sql: `
-- Requests that changed nothing (a retime to the time the flight already departs, a cancellation
-- of a cancelled flight): no event in the feed, but their request id is spent all the same, so a
-- retry of one is answered as it was, and the id used again for another change is refused.
CREATE TABLE schedule_requests (
  request_id text PRIMARY KEY,
  request_fingerprint text NOT NULL,
  flight_id text NOT NULL,
  recorded_at timestamptz NOT NULL
);
`,
  },
];
