/**
 * What a route does not read is named, never ignored, over real HTTP against the real BFF and
 * services: a query parameter or a JSON field the route has no use for (a misspelt optional one
 * would be answered with its default in its place), on every route with a query or a body, and
 * on the API routes that read no query at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from './auth.js';
import { callJson, rawHttp } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { testDate } from '../test/support/dates.js';

let mesh: MeshFixture;
let bearer: string;

beforeAll(async () => {
  mesh = await startMesh({
    bffEnv: { READ_TIMEOUT_MS: '20000', SEARCH_TIMEOUT_MS: '20000' },
  });
  // Both roles: the operator's routes are among those checked.
  bearer = `Bearer ${await signDevToken('unread-input-tester', mesh.bff.config, '1h', ['customer', 'operator'])}`;
});

afterAll(async () => {
  await mesh?.stop();
});

const ADA = { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' };

/** A flight id of the right shape that the timetable does not have. */
const NO_SUCH_FLIGHT = `ZZ999-${testDate(2)}`;

describe('parameters and fields a route does not read', () => {
  it('names each one (400), on every route with a query or a body, instead of answering without it', async () => {
    const day = testDate(2);
    const quote = { flightIds: [NO_SUCH_FLIGHT], passengers: { adults: 1 }, cabin: 'economy' };
    const cases: Array<[string, string, unknown, Array<{ field: string; detail: string }>]> = [
      // A misspelt optional parameter was a one-adult search.
      [
        'GET',
        `/api/v1/search?origin=JFK&destination=LHR&date=${day}&adult=3`,
        undefined,
        [{ field: 'adult', detail: 'is not a parameter of this route' }],
      ],
      [
        'GET',
        `/api/v1/search/stream?origin=JFK&destination=LHR&date=${day}&max_stops=0&cabn=first`,
        undefined,
        [
          { field: 'max_stops', detail: 'is not a parameter of this route' },
          { field: 'cabn', detail: 'is not a parameter of this route' },
        ],
      ],
      [
        'GET',
        '/api/v1/airports?q=lon&size=5',
        undefined,
        [{ field: 'size', detail: 'is not a parameter of this route' }],
      ],
      [
        'GET',
        '/api/v1/bookings?page=2',
        undefined,
        [{ field: 'page', detail: 'is not a parameter of this route' }],
      ],
      [
        'GET',
        `/api/v1/flights?origin=JFK&destination=LHR&date=${day}&flightNumber=BA117`,
        undefined,
        [{ field: 'flightNumber', detail: 'is not a parameter of this route' }],
      ],
      // A misspelt optional field was an economy quote; one inside an object is named by path.
      [
        'POST',
        '/api/v1/quotes',
        { ...quote, cabn: 'business' },
        [{ field: 'cabn', detail: 'is not a field of this request' }],
      ],
      [
        'POST',
        '/api/v1/quotes',
        { ...quote, passengers: { adults: 1, kids: 1 } },
        [{ field: 'passengers.kids', detail: 'is not a field of this request' }],
      ],
      [
        'POST',
        '/api/v1/bookings',
        {
          quoteId: '00000000-0000-4000-8000-000000000000',
          passengers: [
            {
              givenName: 'Ada',
              familyName: 'Lovelace',
              type: 'adult',
              dateOfBirth: '1990-01-01',
              middleName: 'King',
            },
          ],
          contactEmail: 'ada@example.com',
        },
        [{ field: 'passengers[0].middleName', detail: 'is not a field of this request' }],
      ],
      [
        'POST',
        '/api/v1/bookings/ZZZZZZ/cancel',
        { reason: 'plans changed', refund: true },
        [{ field: 'refund', detail: 'is not a field of this request' }],
      ],
      [
        'POST',
        `/api/v1/flights/${NO_SUCH_FLIGHT}/cancel`,
        { reason: 'weather', notify: false },
        [{ field: 'notify', detail: 'is not a field of this request' }],
      ],
      [
        'POST',
        `/api/v1/flights/${NO_SUCH_FLIGHT}/retime`,
        { departure: `${day}T10:00:00Z`, reason: 'crew', arrival: `${day}T18:00:00Z` },
        [{ field: 'arrival', detail: 'is not a field of this request' }],
      ],
      // Routes that read no query: a parameter is not quietly dropped (?reason= on cancel was).
      [
        'POST',
        '/api/v1/bookings/ZZZZZZ/cancel?reason=changed',
        undefined,
        [{ field: 'reason', detail: 'is not a parameter of this route' }],
      ],
      [
        'POST',
        '/api/v1/quotes?x=1',
        quote,
        [{ field: 'x', detail: 'is not a parameter of this route' }],
      ],
      [
        'GET',
        '/api/v1/quotes/00000000-0000-4000-8000-000000000000?x=1&x=2',
        undefined,
        [{ field: 'x', detail: 'is not a parameter of this route' }],
      ],
      [
        'POST',
        `/api/v1/flights/${NO_SUCH_FLIGHT}/retime?x=1`,
        { departure: `${day}T10:00:00Z`, reason: 'crew' },
        [{ field: 'x', detail: 'is not a parameter of this route' }],
      ],
      [
        'GET',
        `/api/v1/search?origin=JFK&destination=LHR&date=${day}&=`,
        undefined,
        [{ field: '(query)', detail: 'has a parameter with no name' }],
      ],
      [
        'GET',
        `/api/v1/search?origin=JFK&destination=LHR&date=${day}&+=1`,
        undefined,
        [{ field: '(query)', detail: 'has a parameter with no name' }],
      ],
      [
        'POST',
        '/api/v1/quotes',
        { ...quote, passengers: { adults: 1, '': 1 } },
        [{ field: 'passengers', detail: 'has a field with no name' }],
      ],
      // The session's JSON routes too; the sign-in redirects keep the provider's parameters.
      [
        'GET',
        '/auth/session?refresh=1',
        undefined,
        [{ field: 'refresh', detail: 'is not a parameter of this route' }],
      ],
      [
        'POST',
        '/auth/logout?everywhere=1',
        undefined,
        [{ field: 'everywhere', detail: 'is not a parameter of this route' }],
      ],
      [
        'POST',
        '/auth/dev-login',
        { subject: 'ada', role: 'operator' },
        [{ field: 'role', detail: 'is not a field of this request' }],
      ],
    ];
    for (const [method, path, body, errors] of cases) {
      const r = await callJson(mesh.bff.url, method, path, {
        headers: {
          authorization: bearer,
          // A key of the characters keys may have (`passengers[0]…` has brackets): only the
          // unread field is wrong in each request.
          'idempotency-key': `unknown-${errors[0]!.field.replace(/[^A-Za-z0-9._:~-]/g, '-')}`,
        },
        ...(body === undefined ? {} : { body }),
      });
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(r.headers.get('content-type'), path).toContain('application/problem+json');
      expect(r.json.errors, `${method} ${path}`).toEqual(errors);
      expect(r.json.detail, path).toContain(`${errors[0]!.field}: ${errors[0]!.detail}`);
    }
  });

  it("names an unread parameter beside the request's other bad fields, in one answer", async () => {
    const r = await callJson(mesh.bff.url, 'POST', '/api/v1/bookings?x=1', {
      headers: { authorization: bearer },
      body: { quoteId: 'q', passengers: [], contactEmail: 'x' },
    });
    expect(r.status).toBe(400);
    expect(
      r.json.errors.map((e: { field: string }) => e.field).sort(),
      JSON.stringify(r.json),
    ).toEqual(['contactEmail', 'idempotency-key', 'passengers', 'x']);
  });

  it('names a body that does not parse, or is not an object, beside the bad header and query', async () => {
    // Each body is refused while it is read, before any schema runs: the missing key, the bad
    // X-Request-Timeout and the unread query were named only once the body was mended.
    const bodies: Array<[string, { field: string; detail: string }]> = [
      ['{"quoteId": ', { field: '(body)', detail: 'is not valid JSON' }],
      ['[1, 2]', { field: '(body)', detail: 'must be a JSON object' }],
      // The rest of this body is sound (another test names the rest of one that is not).
      [
        JSON.stringify({
          quoteId: 'a',
          passengers: [ADA],
          contactEmail: 'ada@example.com',
        }).replace('{', '{"quoteId":"z",'),
        { field: 'quoteId', detail: 'must be given once' },
      ],
    ];
    for (const [body, bodyError] of bodies) {
      const res = await fetch(`${mesh.bff.url}/api/v1/bookings?x=1`, {
        method: 'POST',
        headers: {
          authorization: bearer,
          'content-type': 'application/json',
          'x-request-timeout': 'soon',
        },
        body,
      });
      const json = (await res.json()) as { errors: unknown; detail: string };
      expect(res.status, body).toBe(400);
      expect(json.errors, body).toEqual([
        bodyError,
        { field: 'idempotency-key', detail: expect.any(String) },
        { field: 'x', detail: 'is not a parameter of this route' },
        { field: 'x-request-timeout', detail: 'is not a duration' },
      ]);
      expect(json.detail, body).toMatch(
        /^.+; header idempotency-key: .+; x: .+; header x-request-timeout: is not a duration$/,
      );
    }
  });

  it('names every input of a head that cannot be read as sent, with the query and headers', async () => {
    // Each kind named only its first, and alone: two repeated headers, two bad escapes.
    const query = await callJson(mesh.bff.url, 'GET', '/api/v1/airports?q=%zz&limit=%ff&bogus=1');
    expect(query.status).toBe(400);
    expect(query.json.errors).toEqual([
      { field: 'q', detail: 'is not well-formed percent-encoded UTF-8' },
      { field: 'limit', detail: 'is not well-formed percent-encoded UTF-8' },
      { field: 'bogus', detail: 'is not a parameter of this route' },
    ]);
    // A name that does not decode is named once, as such (it was also "not a parameter").
    const undecodable = await callJson(mesh.bff.url, 'GET', '/api/v1/airports?q=lon&%zz');
    expect(undecodable.json.errors).toEqual([
      { field: '(query)', detail: 'is not well-formed percent-encoded UTF-8' },
    ]);
    const raw = await rawHttp(
      mesh.bff.url,
      `POST /api/v1/bookings?x=%zz HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer}\r\n` +
        'idempotency-key: a\r\nidempotency-key: b\r\nx-request-timeout: 1\r\nx-request-timeout: 2\r\n' +
        'content-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
    );
    expect(raw.status).toBe(400);
    // The body is named once the head is sound: it is not read (the connection closes).
    expect(JSON.parse(raw.body).errors).toEqual([
      { field: 'x', detail: 'is not well-formed percent-encoded UTF-8' },
      { field: 'idempotency-key', detail: 'must be given once' },
      { field: 'x-request-timeout', detail: 'must be given once' },
    ]);
  });

  it('names the rest of a body that gives a field twice', async () => {
    const cases: Array<[string, Record<string, string | undefined>]> = [
      // The rest of the body was not checked: one answer named only the repeated field.
      [
        '{"quoteId":"a","quoteId":"b","passengers":"x","bogus":1}',
        {
          quoteId: 'must be given once',
          passengers: undefined,
          contactEmail: undefined,
          bogus: 'is not a field of this request',
        },
      ],
      // Not a field at all, given twice: that it is no field is what matters.
      ['{"bogus":1,"bogus":2}', { bogus: 'is not a field of this request' }],
    ];
    for (const [body, expected] of cases) {
      const res = await fetch(`${mesh.bff.url}/api/v1/bookings`, {
        method: 'POST',
        headers: {
          authorization: bearer,
          'content-type': 'application/json',
          'idempotency-key': 'twice',
        },
        body,
      });
      const json = (await res.json()) as { errors: Array<{ field: string; detail: string }> };
      expect(res.status, body).toBe(400);
      const named = Object.fromEntries(json.errors.map((e) => [e.field, e.detail]));
      for (const [field, detail] of Object.entries(expected))
        expect(named[field], `${body} ${field}`).toBe(detail ?? named[field]);
      expect(Object.keys(named), body).toEqual(expect.arrayContaining(Object.keys(expected)));
    }
  });

  it('names a bad X-Request-Timeout beside the body, the query, and alone', async () => {
    const quote = { flightIds: [NO_SUCH_FLIGHT], passengers: { adults: 1 }, cabin: 'economy' };
    const cases: Array<[string, unknown, string[]]> = [
      // A body its schema refuses: the header was named only once the body was mended.
      ['/api/v1/quotes', { ...quote, cabin: 'deck' }, ['cabin', 'x-request-timeout']],
      // A query the route does not read: named alone, the header after it was mended.
      ['/api/v1/quotes?x=1', quote, ['x', 'x-request-timeout']],
      ['/api/v1/quotes', quote, ['x-request-timeout']],
    ];
    for (const [i, [path, body, fields]] of cases.entries()) {
      const r = await callJson(mesh.bff.url, 'POST', path, {
        headers: { 'idempotency-key': `timeout-${i}`, 'x-request-timeout': '0' },
        body,
      });
      expect(r.status, path).toBe(400);
      expect(
        r.json.errors.map((e: { field: string }) => e.field),
        JSON.stringify(r.json),
      ).toEqual(fields);
      expect(r.json.detail, path).toMatch(/header x-request-timeout: must be more than 0$/);
    }
  });

  it('names an X-Request-Timeout sent empty as such', async () => {
    const r = await callJson(mesh.bff.url, 'GET', '/api/v1/airports?q=lon', {
      headers: { 'x-request-timeout': '' },
    });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual([{ field: 'x-request-timeout', detail: 'must not be empty' }]);
  });

  it('names a path parameter and a body field of the same name as two problems', async () => {
    const r = await callJson(mesh.bff.url, 'POST', '/api/v1/flights/nope/retime', {
      headers: { authorization: bearer, 'idempotency-key': 'same-name' },
      body: { flightId: NO_SUCH_FLIGHT, departure: `${testDate(2)}T10:00:00Z`, reason: 'crew' },
    });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual([
      { field: 'flightId', detail: expect.stringMatching(/flight id/) },
      { field: 'flightId', detail: 'is not a field of this request' },
    ]);
  });
});
