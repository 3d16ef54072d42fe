import type { Migration } from '../../platform/db.js';

export const migrations: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE quotes (
  quote_id text PRIMARY KEY,
  -- The client's id for the request: a retried CreateQuote returns the same quote.
  request_id text UNIQUE,
  request_fingerprint text NOT NULL,
  body jsonb NOT NULL,
  total_minor bigint NOT NULL,
  currency text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  confirmed_at timestamptz
);
`,
  },
  {
    version: 2,
    sql: `
-- ConfirmQuote is a read (is the quote still good?): which quote was booked, and when, is
-- booking's record (one booking per quote). Writing confirmed_at cost every booking a round
-- trip and a commit here, and nothing read it.
ALTER TABLE quotes DROP COLUMN confirmed_at;
`,
  },
];
