/**
 * Customers booking through the BFF the way a careful client does: one Idempotency-Key per
 * booking, the same key and body on every retry, retrying network errors, timeouts and 5xx
 * (after Retry-After when given), and recording every answer for the invariants.
 */
export interface Attempt {
  status: number | 'network' | 'timeout';
  reference?: string;
  bookingStatus?: string;
}

export interface BookingRecord {
  key: string;
  customer: string;
  flightId: string;
  seats: number;
  attempts: Attempt[];
  /** The last answer's booking status (lower case) when it was a 2xx. */
  outcome?: string;
  reference?: string;
}

export interface LoadOptions {
  bffUrl: string;
  flights: string[];
  token(customer: string): Promise<string>;
  /** Stop starting new bookings at this time (ms since epoch). */
  until: number;
  clients: number;
  /** Per-request timeout, ms. */
  requestTimeoutMs: number;
  maxAttempts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{
  status: number | 'network' | 'timeout';
  json?: Record<string, unknown>;
  retryAfterS?: number;
}> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const retryAfter = Number(res.headers.get('retry-after'));
    return {
      status: res.status,
      json,
      retryAfterS: Number.isFinite(retryAfter) ? retryAfter : undefined,
    };
  } catch (err) {
    return { status: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
  }
}

async function bookOne(options: LoadOptions, customer: string, n: number): Promise<BookingRecord> {
  const flightId = options.flights[n % options.flights.length]!;
  const seats = 1 + (n % 3);
  const record: BookingRecord = {
    key: `chaos-${customer}-${n}-${Date.now()}`,
    customer,
    flightId,
    seats,
    attempts: [],
  };
  const token = await options.token(customer);
  // A quote first (retried the same way; a quote is side-effect free).
  let quoteId: string | undefined;
  for (let i = 0; i < options.maxAttempts && !quoteId; i++) {
    const q = await post(
      `${options.bffUrl}/api/v1/quotes`,
      { flightIds: [flightId], passengers: { adults: seats }, cabin: 'economy' },
      {},
      options.requestTimeoutMs,
    );
    if (q.status === 201 || q.status === 200) quoteId = q.json?.id as string;
    else if (typeof q.status === 'number' && q.status < 500)
      return record; // e.g. sold out
    else await sleep(200);
  }
  if (!quoteId) return record;
  const body = {
    quoteId,
    passengers: Array.from({ length: seats }, (_, i) => ({
      givenName: `P${i}`,
      familyName: customer,
      type: 'adult',
      dateOfBirth: '1985-12-10',
    })),
    contactEmail: `${customer}@example.com`,
  };
  for (let i = 0; i < options.maxAttempts; i++) {
    const r = await post(
      `${options.bffUrl}/api/v1/bookings`,
      body,
      { authorization: `Bearer ${token}`, 'idempotency-key': record.key },
      options.requestTimeoutMs,
    );
    const attempt: Attempt = { status: r.status };
    if (r.json?.reference) attempt.reference = r.json.reference as string;
    if (r.json?.status) attempt.bookingStatus = String(r.json.status).toLowerCase();
    record.attempts.push(attempt);
    if (typeof r.status === 'number' && r.status < 500 && r.status !== 429) {
      record.outcome = attempt.bookingStatus;
      record.reference = attempt.reference;
      return record;
    }
    await sleep(Math.min((r.retryAfterS ?? 0.2) * 1000, 2_000));
  }
  return record;
}

/** Runs `clients` customers booking one after another until `until`; every record. */
export async function runLoad(options: LoadOptions): Promise<BookingRecord[]> {
  const records: BookingRecord[] = [];
  await Promise.all(
    Array.from({ length: options.clients }, async (_, c) => {
      for (let n = 0; Date.now() < options.until; n++)
        records.push(await bookOne(options, `customer${c}`, n));
    }),
  );
  return records;
}
