/** Property-based: whatever arrives over HTTP, the BFF answers 4xx problem+json or succeeds. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { testDate } from '../test/support/dates.js';

let mesh: MeshFixture;

const ada = { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' };

beforeAll(async () => {
  mesh = await startMesh({
    bffEnv: {
      READ_TIMEOUT_MS: '20000',
      SEARCH_TIMEOUT_MS: '20000',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  });
});

afterAll(async () => {
  await mesh?.stop();
});

const call = (method: string, path: string) => callJson(mesh.bff.url, method, path);

describe('BFF under bad input (property-based, over real HTTP)', () => {
  const junk = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ minLength: 2_000, maxLength: 6_000 }),
    fc.constantFrom('', ' ', '-1', '0', '1e309', 'NaN', '9999999999999', '1.5', 'null', '[]', '%'),
    fc.constantFrom('JFK', 'LHR', 'jfk', 'XXX', testDate(2), '2026-02-30', '1900-01-01', '3'),
    fc.constantFrom('economy', 'first', 'price', 'adult', 'infant', 'K7QX2M', '2', '100'),
  );
  /** Some parameters of a valid set replaced by junk (or dropped), plus stray ones. */
  const nearly = (valid: Record<string, string>, extra: string[] = []) =>
    fc
      .dictionary(
        fc.oneof(fc.constantFrom(...Object.keys(valid), ...extra), fc.string({ maxLength: 8 })),
        fc.option(junk, { nil: undefined }),
        { minKeys: 1, maxKeys: 4 },
      )
      .map((changes) => {
        const q: Record<string, string> = { ...valid };
        for (const [k, v] of Object.entries(changes))
          if (v === undefined) delete q[k];
          else q[k] = v;
        return new URLSearchParams(q).toString();
      });
  const searchQuery = nearly({ origin: 'JFK', destination: 'LHR', date: testDate(2) }, [
    'adults',
    'children',
    'infants',
    'cabin',
    'maxStops',
    'sort',
    'maxResults',
  ]);
  const validBooking = { quoteId: 'q', passengers: [ada], contactEmail: 'ada@example.com' };
  const validQuote = {
    flightIds: [`BA117-${testDate(2)}`],
    passengers: { adults: 1 },
    cabin: 'economy',
  };
  /** A valid body with one field replaced by some other JSON value, or removed. */
  const mutated = (base: Record<string, unknown>) =>
    fc
      .tuple(
        fc.constantFrom(...Object.keys(base)),
        fc.option(fc.oneof(fc.jsonValue(), junk), { nil: undefined }),
      )
      .map(([key, value]) => JSON.stringify({ ...base, [key]: value }));
  const body = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string(),
    fc.constantFrom('{', '{"a":', '[1,2', '{"quoteId": "q", }', 'null', '""', '\u0000'),
    mutated(validBooking),
    mutated(validQuote),
    mutated({ ...validQuote, passengers: { adults: 1, infants: 3 } }),
    mutated({ ...validBooking, passengers: [{ ...ada, dateOfBirth: '1985-02-30' }] }),
    mutated({ ...validBooking, passengers: [{ ...ada, type: 'infant' }] }),
    fc.string({ minLength: 70_000, maxLength: 70_000 }).map((s) => JSON.stringify({ s })),
  );
  const path = (p: string) => junk.map((v) => p.replace('*', encodeURIComponent(v)));
  const request = fc.oneof(
    // Aimed: the right method and route, with nearly valid input that reaches the services.
    fc.record({
      method: fc.constant('GET'),
      path: fc.constantFrom('/api/v1/search', '/api/v1/search/stream'),
      query: searchQuery,
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc.constant('/api/v1/airports'),
      query: nearly({ q: 'lon' }, ['limit']),
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: fc.constantFrom('/api/v1/quotes', '/api/v1/bookings'),
      query: fc.constant(''),
      body,
    }),
    fc.record({
      method: fc.constantFrom('GET', 'POST'),
      path: fc.oneof(
        path('/api/v1/quotes/*'),
        path('/api/v1/bookings/*'),
        path('/api/v1/bookings/*/cancel'),
        fc.constantFrom('/api/v1/quotes/%E0%A4%A', '/api/v1/bookings/%zz/cancel', '/api/v1/nope'),
      ),
      query: nearly({ pageSize: '5' }, ['pageToken']),
      body: fc.option(body, { nil: undefined }),
    }),
    // Anything anywhere.
    fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      path: fc.oneof(
        fc.constantFrom('/api/v1/search', '/api/v1/quotes', '/api/v1/bookings', '/openapi.json'),
        path('/api/v1/*'),
      ),
      query: nearly({}, ['q', 'origin', 'date']),
      body: fc.option(body, { nil: undefined }),
    }),
  );

  it('always answers 4xx problem+json (or success), never 5xx, and keeps serving', async () => {
    const token = await mesh.bff.token('fuzzer');
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        request,
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          undefined,
        ),
        fc.boolean(),
        fc.option(fc.oneof(junk, fc.uuid()), { nil: undefined }),
        async (r, contentType, authorized, idempotencyKey) => {
          const hasBody = r.method !== 'GET' && r.body !== undefined;
          const headers: Record<string, string> = {};
          if (contentType && hasBody) headers['content-type'] = contentType;
          if (authorized) headers.authorization = `Bearer ${token}`;
          // Header values must be printable ASCII for fetch; anything else is the client's error.
          if (idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(idempotencyKey))
            headers['idempotency-key'] = idempotencyKey;
          const res = await fetch(`${mesh.bff.url}${r.path}${r.query ? `?${r.query}` : ''}`, {
            method: r.method,
            headers,
            body: hasBody ? r.body : undefined,
            // A request left hanging is a failure too, with its counterexample.
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          const what = `${r.method} ${r.path.slice(0, 60)}?${r.query.slice(0, 100)} → ${res.status} ${res.headers.get('content-type')} ${text.slice(0, 300)}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type'), what).toContain('application/problem+json');
            const problem = JSON.parse(text) as { type: string; status: number; title: string };
            expect(problem.status, what).toBe(res.status);
            expect(problem.type, what).toMatch(/^https:\/\/flight-mesh\.dev\/problems\//);
            expect(problem.title, what).toBeTruthy();
          }
        },
      ),
      { numRuns: 300 },
    );
    // Most requests are wrong, some are right, none broke anything.
    expect(
      [...seen.keys()].filter((s) => s >= 400).length,
      JSON.stringify([...seen]),
    ).toBeGreaterThanOrEqual(3);
    expect(seen.get(200) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0);
    // Every service is still up and answering.
    const ready = await call('GET', '/readyz');
    expect(ready.status, JSON.stringify(ready.json)).toBe(200);
    expect((await call('GET', '/api/v1/airports?q=LHR')).status).toBe(200);
  }, 180_000);
});
