/**
 * Request bodies and field names at the edge, over real HTTP against the real BFF and services.
 * Bodies: cancel and logout take none, an empty one or an object; JSON that is not an object is
 * 400 naming (body) on every route that reads one. Field names: a service's INVALID_ARGUMENT
 * names each field as the HTTP client sent it (the JSON or route name: quoteId, pageToken,
 * children, departure, id), in `errors[].field` and in the detail text alike, on every route
 * that can reach such an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from './auth.js';
import { callJson, rawHttp } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { expectProblem, send as sendTo } from '../test/support/problem.js';
import { testDate } from '../test/support/dates.js';

let mesh: MeshFixture;
let bearer: string;

beforeAll(async () => {
  mesh = await startMesh({
    bffEnv: { READ_TIMEOUT_MS: '20000', SEARCH_TIMEOUT_MS: '20000' },
  });
  // Both roles: the operator's retime route is one of those checked.
  bearer = `Bearer ${await signDevToken('field-names-tester', mesh.bff.config, '1h', ['customer', 'operator'])}`;
});

afterAll(async () => {
  await mesh?.stop();
});

const send = (method: string, path: string, init: RequestInit = {}) =>
  sendTo(mesh.bff.url, method, path, init);

/** A flight id of the right shape that the timetable does not have. */
const NO_SUCH_FLIGHT = `ZZ999-${testDate(2)}`;

describe('optional bodies (issue 14 item 2)', () => {
  const cancel = '/api/v1/bookings/ZZZZZZ/cancel';
  it.each([
    ['no content type, no body', {}],
    ['application/json, empty body', { 'content-type': 'application/json' }],
    [
      'application/json; charset=utf-8, empty body',
      { 'content-type': 'application/json; charset=utf-8' },
    ],
    ['application/json, {}', { 'content-type': 'application/json' }, '{}'],
    [
      'application/json, a reason',
      { 'content-type': 'application/json' },
      '{"reason":"plans changed"}',
    ],
  ])(
    'POST cancel with %s → 404 from the booking service',
    async (_what, headers, body?: string) => {
      const a = await send('POST', cancel, {
        headers: { authorization: bearer, ...headers },
        body,
      });
      expectProblem(a, 404, 'booking-not-found');
    },
  );

  it.each([
    ['no content type', {}],
    ['application/json', { 'content-type': 'application/json' }],
    ['application/json, {}', { 'content-type': 'application/json' }, '{}'],
  ])('POST /auth/logout (reads no body) with %s → 204', async (_what, headers, body?: string) => {
    const a = await fetch(`${mesh.bff.url}/auth/logout`, { method: 'POST', headers, body });
    expect(a.status, await a.text()).toBe(204);
  });

  /** Every route that reads a JSON body, optional or required, with what it needs besides. */
  const BODY_ROUTES: [string, Record<string, string>][] = [
    [cancel, {}],
    ['/auth/logout', {}],
    ['/api/v1/quotes', {}],
    ['/api/v1/bookings', { 'idempotency-key': 'edge-not-object' }],
    [`/api/v1/flights/${NO_SUCH_FLIGHT}/retime`, { 'idempotency-key': 'edge-not-object' }],
    [`/api/v1/flights/${NO_SUCH_FLIGHT}/cancel`, { 'idempotency-key': 'edge-not-object' }],
    ['/auth/dev-login', {}],
  ];
  const NOT_AN_OBJECT = ['null', '[]', '[{"reason":"x"}]', '"plans changed"', '0', '1.5', 'true'];
  /** The routes above whose body may be left out. */
  const OPTIONAL_BODY = new Set([cancel, '/auth/logout']);

  it.each(BODY_ROUTES)(
    'POST %s: JSON that is not an object (null, [], a string, a number, a boolean) is 400 naming (body)',
    async (path, headers) => {
      for (const body of NOT_AN_OBJECT) {
        const a = await send('POST', path, {
          headers: { authorization: bearer, 'content-type': 'application/json', ...headers },
          body,
        });
        expectProblem(a, 400, 'invalid-request', '(body)');
        expect(a.problem.detail, body).toBe(
          OPTIONAL_BODY.has(path)
            ? '(body): must be a JSON object, or no body at all'
            : '(body): must be a JSON object',
        );
      }
    },
  );

  it.each(BODY_ROUTES)(
    'POST %s: a field given twice in one object is 400 naming it, not read as the last one',
    async (path, headers) => {
      for (const [body, field] of [
        ['{"reason":"a","reason":"b"}', 'reason'],
        ['{"cabin":"economy","cab\\u0069n":"first"}', 'cabin'],
        ['{"passengers":{"adults":1,"adults":3}}', 'passengers.adults'],
        [
          '{"passengers":[{"firstName":"Ada"},{"firstName":"A","firstName":"B"}]}',
          'passengers[1].firstName',
        ],
      ]) {
        const a = await send('POST', path, {
          headers: { authorization: bearer, 'content-type': 'application/json', ...headers },
          body,
        });
        expectProblem(a, 400, 'invalid-request', field);
        // Named once: given twice, or (on a route that has no such field) not a field at all;
        // the rest of the body is named beside it.
        const named = a.problem.errors?.filter((e) => e.field === field);
        expect(
          named?.map((e) => e.detail),
          body,
        ).toEqual([expect.stringMatching(/^(must be given once|is not a field of this request)$/)]);
      }
    },
  );

  it('POST /api/v1/quotes: a body nested thousands deep is 400 naming (body), not "not valid JSON"', async () => {
    // 10,000 levels (~60 KB, under the body limit): JSON.parse takes it, the visitor cannot.
    const deep = `{"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    const a = await send('POST', '/api/v1/quotes', {
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: deep,
    });
    expectProblem(a, 400, 'invalid-request', '(body)');
    expect(a.problem.detail).toBe('(body): nests too deeply');
  });

  it('POST /api/v1/quotes: a body of many fields given twice, nested deep, gets a problem far smaller than itself', async () => {
    // A newcomer's 60 KB body drew a 24 MB answer, every repeated field named by its whole path.
    const inner = Array.from({ length: 2_400 }, (_, i) => `"b${i}":0,"b${i}":0`).join(',');
    const body = `${'{"a":'.repeat(2_500)}{${inner}}${'}'.repeat(2_500)}`;
    const a = await send('POST', '/api/v1/quotes', {
      headers: { 'content-type': 'application/json' },
      body,
    });
    expectProblem(a, 400, 'invalid-request');
    // At most 10 repeated fields, beside what the body's schema finds at its top.
    expect(a.problem.errors!.filter((e) => e.detail === 'must be given once')).toHaveLength(10);
    expect(JSON.stringify(a.problem).length).toBeLessThan(body.length / 4);
  });

  it('POST /auth/logout: a body with fields is 400 too (it reads none)', async () => {
    const a = await send('POST', '/auth/logout', {
      headers: { 'content-type': 'application/json' },
      body: '{"everywhere":true}',
    });
    expectProblem(a, 400, 'invalid-request', 'everywhere');
    expect(a.problem.detail).toBe('everywhere: is not a field of this request');
  });

  it.each([
    ['POST', '/api/v1/quotes', {}],
    ['POST', '/api/v1/bookings', { 'idempotency-key': 'edge-empty-body' }],
    ['POST', `/api/v1/flights/${NO_SUCH_FLIGHT}/retime`, { 'idempotency-key': 'edge-empty' }],
    ['POST', `/api/v1/flights/${NO_SUCH_FLIGHT}/cancel`, { 'idempotency-key': 'edge-empty' }],
    ['POST', '/auth/dev-login', {}],
  ])(
    '%s %s needs its body: an empty one, whitespace alone, or none, is 400 naming (body)',
    async (method, path, headers) => {
      for (const [contentType, body] of [
        [{ 'content-type': 'application/json' }, undefined],
        [{}, undefined],
        // Whitespace is no JSON text: named as a missing body, not as broken JSON.
        [{ 'content-type': 'application/json' }, ' \r\n\t '],
      ] as Array<[Record<string, string>, string | undefined]>) {
        const a = await send(method, path, {
          headers: { authorization: bearer, ...contentType, ...headers },
          body,
        });
        expectProblem(a, 400, 'invalid-request', '(body)');
        // One wording for every route that needs its body, whatever is missing.
        expect(a.problem.detail).toBe('(body): must be a JSON object');
      }
    },
  );
});

describe('a service’s field errors name each field as the HTTP client did', () => {
  /** A proto field path (snake_case) anywhere in a text. */
  const PROTO_NAME = /\b[a-z]+_[a-z_]+\b/;

  const SERVICE_FIELD_ERRORS: [string, string, string, unknown?][] = [
    [
      'POST',
      '/api/v1/quotes',
      'flightIds[0]',
      { flightIds: ['nope'], passengers: { adults: 1 }, cabin: 'economy' },
    ],
    ['GET', '/api/v1/quotes/nope', 'id'],
    [
      'POST',
      '/api/v1/bookings',
      'quoteId',
      {
        quoteId: 'nope',
        passengers: [
          { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
        ],
        contactEmail: 'ada@example.com',
      },
    ],
    ['GET', '/api/v1/bookings?pageToken=garbage', 'pageToken'],
    ['GET', '/api/v1/airports?q=lon&pageToken=garbage', 'pageToken'],
    [
      'GET',
      `/api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}&adults=5&children=5`,
      'children',
    ],
    ['GET', `/api/v1/search?origin=JFK&destination=JFK&date=${testDate(2)}`, 'destination'],
    // Ten seats asked for by adults alone: the field set is adults, not children.
    ['GET', `/api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}&adults=10`, 'adults'],
    // A flight id naming a day the calendar does not have is malformed, not a missing flight;
    // so is a second spelling of a flight number (BA029 for BA29).
    ...['BA117-2026-02-30', 'BA029-2026-12-09'].map((id): [string, string, string, unknown] => [
      'POST',
      '/api/v1/quotes',
      'flightIds[0]',
      { flightIds: [id], passengers: { adults: 1 }, cabin: 'economy' },
    ]),
    // A JSON body's counts are JSON numbers: nothing is converted into a passenger.
    ...[true, '2', [1], '', '0x2'].map((adults): [string, string, string, unknown] => [
      'POST',
      '/api/v1/quotes',
      'passengers.adults',
      { flightIds: ['nope'], passengers: { adults }, cabin: 'economy' },
    ]),
    [
      'POST',
      '/api/v1/quotes',
      'passengers.children',
      { flightIds: ['nope'], passengers: { adults: 1, children: true }, cabin: 'economy' },
    ],
  ];

  it.each(SERVICE_FIELD_ERRORS)(
    '%s %s → 400, the detail naming %s as errors[].field does',
    async (method, path, field, body?: unknown) => {
      const a = await send(method, path, {
        headers: {
          authorization: bearer,
          'idempotency-key': `edge-names-${Math.random().toString(36).slice(2)}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      expectProblem(a, 400, 'invalid-request', field);
      const errors = a.problem.errors as { field: string; detail: string }[];
      expect(a.problem.detail).toBe(errors.map((e) => `${e.field}: ${e.detail}`).join('; '));
      expect(a.problem.detail).not.toMatch(PROTO_NAME);
    },
  );

  it('POST /api/v1/flights/{flightId}/retime → 400 naming departure, in the detail too', async () => {
    const list = await callJson(
      mesh.bff.url,
      'GET',
      `/api/v1/flights?origin=JFK&destination=LHR&date=${testDate(2)}`,
      { headers: { authorization: bearer } },
    );
    const flightId = (list.json as { flights: { flightId: string }[] }).flights[0]!.flightId;
    const a = await send('POST', `/api/v1/flights/${flightId}/retime`, {
      headers: {
        authorization: bearer,
        'idempotency-key': 'edge-names-retime',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ departure: `${testDate(9)}T10:00:00Z`, reason: 'too far' }),
    });
    expectProblem(a, 400, 'invalid-request', 'departure');
    expect(a.problem.detail).toMatch(/^departure: /);
    expect(a.problem.detail).not.toMatch(PROTO_NAME);
  });
});

describe('query strings and headers read as sent', () => {
  it('takes query numbers in decimal digits only, each parameter once, and names a UTF-8 header', async () => {
    // A number in a query string is decimal digits: nothing else is read as one ("0x2" was 2).
    for (const [query, field, detail] of [
      ['adults=0x2', 'adults', 'must be a whole number from 1 to 9'],
      ['adults=2e0', 'adults', 'must be a whole number from 1 to 9'],
      ['children=1.0', 'children', 'must be a whole number from 0 to 9'],
      ['infants=%201', 'infants', 'must be a whole number from 0 to 9'],
      ['adults=%2B2', 'adults', 'must be a whole number from 1 to 9'],
      ['maxResults=0x10', 'maxResults', 'must be a whole number from 1 to 100'],
      ['maxStops=', 'maxStops', 'must be a whole number from 0 to 2'],
    ]) {
      const r = await callJson(
        mesh.bff.url,
        'GET',
        `/api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}&${query}`,
      );
      expect(r.status, query).toBe(400);
      expect(r.json.errors, query).toEqual([{ field, detail }]);
    }
    // A parameter sent twice is named as such, not as "must be a string".
    for (const [query, field] of [
      ['adults=1&adults=2', 'adults'],
      ['origin=CDG', 'origin'],
      ['cabin=economy&cabin=economy', 'cabin'],
      ['sort=price&sort=price', 'sort'],
    ]) {
      const r = await callJson(
        mesh.bff.url,
        'GET',
        `/api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}&${query}`,
      );
      expect(r.status, query).toBe(400);
      expect(r.json.errors, query).toEqual([{ field, detail: 'must be given once' }]);
    }
    // A list in a JSON body is the client's choice of type, not a repeat: its own message.
    const listed = await callJson(mesh.bff.url, 'POST', '/api/v1/quotes', {
      body: { flightIds: [NO_SUCH_FLIGHT], passengers: { adults: 1 }, cabin: ['economy'] },
    });
    expect(listed.status).toBe(400);
    expect(listed.json.errors).toEqual([
      { field: 'cabin', detail: 'must be one of economy, premium_economy, business, first' },
    ]);
    // A header's UTF-8 (sent raw: fetch refuses it) is named for what it is, not for the C1
    // controls its bytes read as.
    const body = JSON.stringify({ flightIds: ['x'], passengers: { adults: 1 }, cabin: 'economy' });
    const utf8Key = await rawHttp(
      mesh.bff.url,
      `POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nidempotency-key: ключ\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    expect(utf8Key.status).toBe(400);
    expect(JSON.parse(utf8Key.body).errors).toContainEqual({
      field: 'idempotency-key',
      detail: 'must be printable ASCII: letters (a–z, A–Z), digits and . _ : ~ -',
    });
    // Sent but empty (the key is optional on quotes): "is required" said it was not sent.
    const emptyKey = await rawHttp(
      mesh.bff.url,
      `POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nidempotency-key:\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    expect(emptyKey.status).toBe(400);
    expect(JSON.parse(emptyKey.body).errors).toContainEqual({
      field: 'idempotency-key',
      detail: 'must not be empty',
    });
    // A header read as one value, sent twice (even with the same value), is named as such.
    for (const [header, value] of [
      ['Idempotency-Key', 'key-1'],
      ['X-Request-Timeout', '2500'],
      ['x-csrf-token', 'token'],
      // Node keeps the first of these: a second token or media type was read as not sent.
      ['Authorization', 'Bearer a.b.c'],
      ['Content-Type', 'application/json'],
    ] as const) {
      const twice = await rawHttp(
        mesh.bff.url,
        `POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\n${header}: ${value}\r\n${header.toLowerCase()}: ${value}\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
      expect(twice.status, header).toBe(400);
      expect(JSON.parse(twice.body).errors, header).toEqual([
        { field: header.toLowerCase(), detail: 'must be given once' },
      ]);
    }
    for (const path of ['/api/v1/airports?limit=1e1', '/api/v1/bookings?pageSize=0x5']) {
      const r = await callJson(mesh.bff.url, 'GET', path, { headers: { authorization: bearer } });
      expect(r.status, path).toBe(400);
      expect(r.json.errors[0].detail, path).toBe('must be a whole number from 1 to 100');
    }
  });
});

describe('flight ids in any case', () => {
  it('quotes a flight named in lower case, as the flight routes take it', async () => {
    const day = await callJson(
      mesh.bff.url,
      'GET',
      `/api/v1/flights?origin=JFK&destination=LHR&date=${testDate(5)}`,
    );
    const id = (day.json.flights as { flightId: string }[])[0]!.flightId;
    const quoted = await callJson(mesh.bff.url, 'POST', '/api/v1/quotes', {
      body: { flightIds: [id.toLowerCase()], passengers: { adults: 1 }, cabin: 'economy' },
    });
    expect(quoted.status, JSON.stringify(quoted.json)).toBe(201);
    expect(quoted.json.segments.map((x: { flightId: string }) => x.flightId)).toEqual([id]);
  });
});
