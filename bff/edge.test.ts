/**
 * Edge correctness over real HTTP against the real BFF in front of the real services: token
 * lifetime, optional bodies, media types, sizes and malformed URLs, for every route family they
 * can reach. Each answer is checked for its exact status, problem+json and the field it names.
 */
import { gzipSync } from 'node:zlib';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson, rawHttp } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { expectProblem, PROBLEM_BASE, send as sendTo } from '../test/support/problem.js';
import { DEFAULT_CLOCK_SKEW_S, DEFAULT_MAX_LIFETIME_S } from './token-lifetime.js';
import { testDate } from '../test/support/dates.js';

let mesh: MeshFixture;
let bearer: string;

beforeAll(async () => {
  mesh = await startMesh({
    bffEnv: {
      READ_TIMEOUT_MS: '20000',
      SEARCH_TIMEOUT_MS: '20000',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  });
  bearer = `Bearer ${await token({ iat: now(), exp: now() + HOUR })}`;
});

afterAll(async () => {
  await mesh?.stop();
});

const send = (method: string, path: string, init: RequestInit = {}) =>
  sendTo(mesh.bff.url, method, path, init);

/** Still serving after the abuse: every service ready, and an ordinary request answered. */
async function expectHealthy() {
  const ready = await callJson(mesh.bff.url, 'GET', '/readyz');
  expect(ready.status, JSON.stringify(ready.json)).toBe(200);
  expect((await callJson(mesh.bff.url, 'GET', '/api/v1/airports?q=LHR')).status).toBe(200);
}

/** A token signed with the BFF's key, issuer and audience, with exactly the given claims. */
function token(claims: JWTPayload): Promise<string> {
  const { JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE } = mesh.bff.config;
  return new SignJWT({
    sub: 'edge-tester',
    iss: JWT_ISSUER,
    aud: JWT_AUDIENCE,
    // Both roles, so the operator's routes take it too.
    roles: ['customer', 'operator'],
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(JWT_SECRET));
}

const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** A flight id of the right shape that the timetable does not have. */
const NO_SUCH_FLIGHT = `ZZ999-${testDate(2)}`;

/** One request of each route that needs a bearer token, with a valid body where it has one. */
const BOOKING_ROUTES: { method: string; path: string; body?: unknown; ok: number }[] = [
  { method: 'GET', path: '/api/v1/bookings', ok: 200 },
  { method: 'GET', path: '/api/v1/bookings/ZZZZZZ', ok: 404 },
  { method: 'POST', path: '/api/v1/bookings/ZZZZZZ/cancel', body: {}, ok: 404 },
  {
    method: 'POST',
    path: '/api/v1/bookings',
    body: {
      quoteId: '00000000-0000-4000-8000-000000000000',
      passengers: [
        { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
      ],
      contactEmail: 'ada@example.com',
    },
    ok: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/flights/${NO_SUCH_FLIGHT}/retime`,
    body: { departure: `${testDate(2)}T10:00:00Z`, reason: 'edge' },
    ok: 404,
  },
  {
    method: 'POST',
    path: `/api/v1/flights/${NO_SUCH_FLIGHT}/cancel`,
    body: { reason: 'edge' },
    ok: 404,
  },
];

const withToken = (route: (typeof BOOKING_ROUTES)[number], jwt: string): RequestInit => ({
  headers: {
    authorization: `Bearer ${jwt}`,
    'idempotency-key': `edge-${Math.random().toString(36).slice(2)}`,
    ...(route.body ? { 'content-type': 'application/json' } : {}),
  },
  body: route.body ? JSON.stringify(route.body) : undefined,
});

describe('bearer tokens must say when they expire (issue 14 item 1)', () => {
  const bad: [string, () => JWTPayload, string][] = [
    ['no exp', () => ({ iat: now() }), '"exp"'],
    ['no exp and no iat', () => ({}), '"exp"'],
    ['exp a day and an hour after iat', () => ({ iat: now(), exp: now() + 25 * HOUR }), '"exp"'],
    ['exp far ahead, no iat', () => ({ exp: now() + 365 * 24 * HOUR }), '"exp"'],
    ['expired beyond the skew', () => ({ iat: now() - HOUR, exp: now() - 5 * 60 }), '"exp"'],
    ['exp not a number', () => ({ exp: 'tomorrow' as unknown as number }), '"exp"'],
    ['iat in the future', () => ({ iat: now() + HOUR, exp: now() + 2 * HOUR }), '"iat"'],
    ['exp before iat', () => ({ iat: now(), exp: now() - 10 }), '"exp"'],
    ['nbf in the future', () => ({ nbf: now() + HOUR, exp: now() + 2 * HOUR }), '"nbf"'],
    // Both within the skew, so each alone passes; together the token is never valid.
    ['nbf after exp', () => ({ nbf: now() + 30, exp: now() + 20 }), '"nbf"'],
  ];

  it.each(BOOKING_ROUTES)(
    '$method $path: 401 invalid_token for every unsound lifetime',
    async (route) => {
      for (const [what, claims, claim] of bad) {
        const a = await send(route.method, route.path, withToken(route, await token(claims())));
        expectProblem(a, 401, 'unauthenticated');
        expect(a.headers.get('www-authenticate'), what).toMatch(/^Bearer .*error="invalid_token"/);
        expect(a.problem.detail, what).toContain(claim);
      }
    },
  );

  it.each(BOOKING_ROUTES)('$method $path: a sound token reaches the service', async (route) => {
    const sound = [
      { iat: now(), exp: now() + HOUR },
      // Within the clock-skew allowance on either side.
      { iat: now() + DEFAULT_CLOCK_SKEW_S / 2, exp: now() + HOUR },
      { iat: now() - HOUR, exp: now() - DEFAULT_CLOCK_SKEW_S / 2 },
      { exp: now() + DEFAULT_MAX_LIFETIME_S },
      { nbf: now(), exp: now() + HOUR },
    ];
    for (const claims of sound) {
      const a = await send(route.method, route.path, withToken(route, await token(claims)));
      expect(a.status, `${JSON.stringify(claims)} → ${JSON.stringify(a.problem)}`).toBe(route.ok);
    }
  });
});

describe('media types, sizes and malformed URLs (issue 14 item 3)', () => {
  /** Every route that reads a JSON body, with what it needs besides the body. */
  const JSON_ROUTES: [string, string, Record<string, string>][] = [
    ['POST', '/api/v1/quotes', {}],
    ['POST', '/api/v1/bookings', { 'idempotency-key': 'edge-media' }],
    ['POST', '/api/v1/bookings/ZZZZZZ/cancel', {}],
    ['POST', `/api/v1/flights/${NO_SUCH_FLIGHT}/retime`, { 'idempotency-key': 'edge-media' }],
    ['POST', `/api/v1/flights/${NO_SUCH_FLIGHT}/cancel`, { 'idempotency-key': 'edge-media' }],
    ['POST', '/auth/dev-login', {}],
  ];
  const NOT_JSON: [string | undefined, string][] = [
    ['text/plain', '{"flightIds":["x"]}'],
    ['text/plain;charset=UTF-8', 'hello'],
    ['application/x-www-form-urlencoded', 'a=b'],
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/xml', '<quote/>'],
    ['application/json; charset=latin1', '{}'],
    ['application/jsonx', '{}'],
  ];

  it.each(JSON_ROUTES)(
    '%s %s: a body that is not JSON is 415 naming content-type',
    async (method, path, headers) => {
      for (const [contentType, body] of NOT_JSON) {
        const a = await send(method, path, {
          headers: {
            authorization: bearer,
            ...headers,
            ...(contentType ? { 'content-type': contentType } : {}),
          },
          body,
        });
        expectProblem(a, 415, 'unsupported-media-type', 'content-type');
        expect(a.headers.get('accept'), contentType).toBe('application/json');
      }
      const gzip = await send(method, path, {
        headers: {
          authorization: bearer,
          ...headers,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: gzipSync('{}'),
      });
      expectProblem(gzip, 415, 'unsupported-media-type', 'content-encoding');
      expect(gzip.headers.get('accept-encoding')).toBe('identity');
      // A body with no Content-Type at all (fetch would add text/plain, so over a raw socket).
      const raw = await rawHttp(
        mesh.bff.url,
        `${method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer}\r\n${Object.entries(
          headers,
        )
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}content-length: 2\r\nconnection: close\r\n\r\n{}`,
      );
      expect(raw.status, raw.body).toBe(415);
      expect(raw.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(raw.body).errors).toEqual([
        { field: 'content-type', detail: 'must be application/json' },
      ]);
    },
  );

  it.each(JSON_ROUTES)(
    '%s %s: a body over the limit is 413 naming (body)',
    async (method, path, headers) => {
      const a = await send(method, path, {
        headers: { authorization: bearer, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ reason: 'x'.repeat(70_000) }),
      });
      expectProblem(a, 413, 'payload-too-large', '(body)');
      // Announced by Content-Length and never sent: refused before reading.
      const raw = await rawHttp(
        mesh.bff.url,
        `${method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer}\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\nconnection: close\r\n\r\n{}`,
      );
      expect(raw.status, raw.body).toBe(413);
      expect(raw.headers['content-type']).toContain('application/problem+json');
      // Chunked, no length announced: refused once the limit is passed.
      const chunk = `"${'x'.repeat(70_000)}"`;
      const chunked = await rawHttp(
        mesh.bff.url,
        `${method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      );
      expect(chunked.status, chunked.body).toBe(413);
      expect(JSON.parse(chunked.body).errors).toEqual([
        { field: '(body)', detail: 'is too large' },
      ]);
      await expectHealthy();
    },
  );

  /** One request of each route family, as a request line. */
  const FAMILIES = [
    'GET /api/v1/airports?q=lon',
    `GET /api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}`,
    `GET /api/v1/search/stream?origin=JFK&destination=LHR&date=${testDate(2)}`,
    'POST /api/v1/quotes',
    'GET /api/v1/quotes/q1',
    'GET /api/v1/bookings',
    'POST /api/v1/bookings/ZZZZZZ/cancel',
    `GET /api/v1/flights?origin=JFK&destination=LHR&date=${testDate(2)}`,
    `POST /api/v1/flights/${NO_SUCH_FLIGHT}/cancel`,
    'POST /auth/logout',
    'GET /healthz',
  ];

  it.each(FAMILIES)('%s: headers over the limit are 431 problem+json', async (line) => {
    const raw = await rawHttp(
      mesh.bff.url,
      `${line} HTTP/1.1\r\nhost: x\r\nx-padding: ${'p'.repeat(20_000)}\r\nconnection: close\r\n\r\n`,
    );
    expect(raw.status, raw.body).toBe(431);
    expect(raw.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(raw.body)).toMatchObject({
      type: `${PROBLEM_BASE}headers-too-large`,
      status: 431,
    });
    await expectHealthy();
  });

  const BAD_ESCAPES = ['%zz', '%E0%A4%A', '%FF', '%', 'abc%2'];

  it.each([
    ['GET', '/api/v1/quotes/*'],
    ['GET', '/api/v1/bookings/*'],
    ['POST', '/api/v1/bookings/*/cancel'],
    ['POST', '/api/v1/flights/*/retime'],
    ['POST', '/api/v1/flights/*/cancel'],
  ])('%s %s: a malformed escape in the path is 400 naming (path)', async (method, template) => {
    for (const escape of BAD_ESCAPES) {
      const a = await send(method, template.replace('*', escape), {
        headers: { authorization: bearer },
      });
      expectProblem(a, 400, 'invalid-request', '(path)');
    }
    await expectHealthy();
  });

  it.each([
    ['/api/v1/airports?q=*', 'q'],
    ['/api/v1/airports?limit=5&q=*', 'q'],
    [`/api/v1/search?origin=*&destination=LHR&date=${testDate(2)}`, 'origin'],
    ['/api/v1/search/stream?origin=JFK&destination=LHR&date=*', 'date'],
    ['/api/v1/bookings?pageToken=*', 'pageToken'],
    ['/api/v1/bookings?pageSize=5&*=1', '(query)'],
    [`/api/v1/flights?origin=JFK&destination=*&date=${testDate(2)}`, 'destination'],
  ])('GET %s: a malformed escape in the query is 400 naming %s', async (template, field) => {
    for (const escape of BAD_ESCAPES) {
      const a = await send('GET', template.replace('*', escape), {
        headers: { authorization: bearer },
      });
      expectProblem(a, 400, 'invalid-request', field);
    }
  });

  it.each([
    ['GET', '/api/v1/quotes/*', 'id'],
    ['GET', '/api/v1/bookings/*', 'reference'],
    ['POST', '/api/v1/bookings/*/cancel', 'reference'],
    ['POST', '/api/v1/flights/*/cancel', 'flightId'],
  ])(
    '%s %s: an over-long path parameter is 400 naming %s, a huge one 414',
    async (method, template, field) => {
      const long = await send(method, template.replace('*', 'a'.repeat(300)), {
        headers: { authorization: bearer },
      });
      expectProblem(long, 400, 'invalid-request', field);
      const huge = await send(method, template.replace('*', 'a'.repeat(5000)), {
        headers: { authorization: bearer },
      });
      expectProblem(huge, 414, 'uri-too-long', '(path)');
    },
  );

  it('says what a booking reference must be, in the words booking uses', async () => {
    // One rule at the edge and in booking (flights/fields.ts): the BFF said "6 letters or
    // digits" and let OOOOOO through for booking to refuse in other words.
    const detail = 'must be 6 letters or digits, none of them 0, 1, I, L or O';
    for (const reference of ['AB-CDE', 'OOOOOO', 'ABCDE1', 'ABCDEFG']) {
      const a = await send('GET', `/api/v1/bookings/${reference}`, {
        headers: { authorization: bearer },
      });
      expectProblem(a, 400, 'invalid-request', 'reference');
      expect(a.problem.errors, reference).toEqual([{ field: 'reference', detail }]);
    }
    // The OpenAPI document gives the rule as the pattern applied (it gave none): either case.
    const spec = await callJson(mesh.bff.url, 'GET', '/openapi.json');
    const [param] = spec.json.paths['/api/v1/bookings/{reference}'].get.parameters;
    expect(param.schema.pattern).toBe(
      '^\\s*[ABCDEFGHJKMNPQRSTUVWXYZ23456789abcdefghjkmnpqrstuvwxyz]{6}\\s*$',
    );
  });

  it('answers requests Node cannot parse with 400 problem+json, and keeps serving', async () => {
    for (const request of [
      'GARBAGE\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n',
      // Both framings at once: the classic request-smuggling shape.
      'POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    ]) {
      const raw = await rawHttp(mesh.bff.url, request);
      expect(raw.status, request).toBe(400);
      expect(raw.headers['content-type']).toContain('application/problem+json');
    }
    // HTTP/1.1 without Host (RFC 9112 requires the 400): named, not Node's empty answer.
    const hostless = await rawHttp(
      mesh.bff.url,
      'GET /api/v1/airports?q=LHR HTTP/1.1\r\nconnection: close\r\n\r\n',
    );
    expect(hostless.status).toBe(400);
    expect(hostless.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(hostless.body).errors).toEqual([{ field: 'host', detail: 'is required' }]);
    await expectHealthy();
  });
});
