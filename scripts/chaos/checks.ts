/**
 * The invariants the chaos suite checks once the mesh has settled, each a PASS/FAIL line with
 * its numbers: read from the services' own databases and through the BFF as each customer.
 */
import pg from 'pg';
import type { BookingRecord } from './load.js';

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Waits (up to `timeoutMs`) until nothing is PENDING and no hold is HELD; true if it settled. */
export async function waitSettled(
  urls: { schedule: string; booking: string },
  timeoutMs: number,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [p] = await query<{ n: string }>(
      urls.booking,
      `SELECT count(*) AS n FROM bookings WHERE status = 'PENDING'`,
    );
    const [h] = await query<{ n: string }>(
      urls.schedule,
      `SELECT count(*) AS n FROM holds WHERE status = 'HELD'`,
    );
    if (Number(p!.n) === 0 && Number(h!.n) === 0) return true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return false;
}

export async function runChecks(
  urls: { schedule: string; booking: string },
  records: BookingRecord[],
  read: (
    customer: string,
    reference: string,
  ) => Promise<{ status: number; bookingStatus?: string }>,
): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, pass: boolean, detail: string) =>
    checks.push({ name, pass, detail });

  const oversold = await query<{ n: string }>(
    urls.schedule,
    `SELECT count(*) AS n FROM inventory WHERE sold + held > capacity`,
  );
  check('0 oversold', Number(oversold[0]!.n) === 0, `${oversold[0]!.n} cabins over capacity`);

  const sold = await query<{ flight_id: string; sold: string }>(
    urls.schedule,
    `SELECT flight_id, sum(sold) AS sold FROM inventory GROUP BY flight_id`,
  );
  const confirmed = await query<{ flight_id: string; seats: string }>(
    urls.booking,
    `SELECT item->>'flightId' AS flight_id, sum((item->>'seats')::int) AS seats
       FROM bookings, jsonb_array_elements(body->'holdItems') AS item
      WHERE status = 'CONFIRMED' GROUP BY 1`,
  );
  const byFlight = new Map(confirmed.map((r) => [r.flight_id, Number(r.seats)]));
  const mismatched = sold.filter((r) => Number(r.sold) !== (byFlight.get(r.flight_id) ?? 0));
  const totalSold = sold.reduce((s, r) => s + Number(r.sold), 0);
  check(
    'seats sold == passengers of CONFIRMED bookings per flight',
    mismatched.length === 0,
    `${sold.length} flights, ${totalSold} seats sold, ${mismatched.length} flights differ`,
  );

  const seenConfirmed = records.filter((r) => r.outcome === 'confirmed' && r.reference);
  let unreadable = 0;
  const answers = new Map<string, number>();
  for (const r of seenConfirmed) {
    const answer = await read(r.customer, r.reference!);
    if (answer.status !== 200 || answer.bookingStatus !== 'confirmed') {
      unreadable++;
      const k = `${answer.status} ${answer.bookingStatus ?? ''}`.trim();
      answers.set(k, (answers.get(k) ?? 0) + 1);
    }
  }
  check(
    'every booking a client saw confirmed exists, is CONFIRMED and readable by its owner',
    unreadable === 0,
    `${seenConfirmed.length} seen confirmed, ${unreadable} missing or not CONFIRMED` +
      (answers.size ? ` (${[...answers].map(([k, n]) => `${n}× ${k}`).join(', ')})` : ''),
  );

  const perKey = await query<{ idempotency_key: string; n: string }>(
    urls.booking,
    `SELECT idempotency_key, count(*) AS n FROM bookings GROUP BY 1 HAVING count(*) > 1`,
  );
  const refsDiffer = records.filter(
    (r) => new Set(r.attempts.map((a) => a.reference).filter(Boolean)).size > 1,
  ).length;
  check(
    'one booking per Idempotency-Key, the same reference on every retry',
    perKey.length === 0 && refsDiffer === 0,
    `${records.length} keys, ${perKey.length} with several bookings, ${refsDiffer} with differing references`,
  );

  const [pending] = await query<{ n: string }>(
    urls.booking,
    `SELECT count(*) AS n FROM bookings WHERE status = 'PENDING'`,
  );
  const [held] = await query<{ n: string }>(
    urls.schedule,
    `SELECT count(*) AS n FROM holds WHERE status = 'HELD'`,
  );
  check(
    'nothing PENDING and no live hold once settled',
    Number(pending!.n) === 0 && Number(held!.n) === 0,
    `${pending!.n} PENDING bookings, ${held!.n} HELD holds`,
  );

  const attempts = records.flatMap((r) => r.attempts);
  const fiveHundreds = attempts.filter((a) => a.status === 500).length;
  check(
    '0 HTTP 500s',
    fiveHundreds === 0,
    `${attempts.length} booking requests, ${fiveHundreds} answered 500`,
  );

  const pendingAnswers = records.filter((r) => r.outcome === 'pending').length;
  check(
    '0 answers still pending because an instance died',
    pendingAnswers === 0,
    `${records.filter((r) => r.outcome).length} final answers, ${pendingAnswers} pending`,
  );
  return checks;
}
