/**
 * The BFF with the real identity service: tokens from its login page and client_credentials,
 * checked through its JWKS; what is refused (401/403 problem+json) and whose bookings a caller
 * can reach. Real schedule, pricing and booking behind the BFF.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, signDevToken } from '../bff/auth.js';
import { FlightStatus } from '../gen/ts/flights/v1/common.js';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI } from '../identity/clients.js';
import { loginWithPassword } from '../identity/client.js';
import { API_RESOURCE } from '../identity/config.js';
import { DEMO_USERS } from '../identity/users.js';
import { startBff, type BffFixture } from './support/bff.js';
import { startBooking, type BookingFixture } from './support/booking.js';
import { startTestIdentity, type IdentityFixture } from './support/identity.js';
import { startPricing, type PricingFixture } from './support/pricing.js';
import { startSchedule, type ScheduleFixture } from './support/schedule.js';
import { testDate } from './support/dates.js';

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let booking: BookingFixture;
let idp: IdentityFixture;
let bff: BffFixture;
const flights: string[] = [];
const ada = { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' };

beforeAll(async () => {
  idp = await startTestIdentity();
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  booking = await startBooking(
    { schedule: schedule.address, pricing: pricing.address },
    { store: 'embedded' },
  );
  bff = await startBff(
    { schedule: schedule.address, pricing: pricing.address, booking: booking.address },
    // The real issuer: no shared secret, keys from its JWKS.
    { JWT_SECRET: '', JWT_ISSUER: idp.issuer, READ_TIMEOUT_MS: '20000' },
  );
  for await (const r of schedule.client.listFlights({
    origin: 'JFK',
    destination: 'LHR',
    fromDate: testDate(2),
    toDate: testDate(7),
    includeCancelled: false,
  }))
    flights.push(r.flight!.flightId);
});

afterAll(async () => {
  await bff?.stop();
  await booking?.stop();
  await pricing?.stop();
  await schedule?.stop();
  await idp?.stop();
});

async function call(method: string, url: string, token?: string, body?: unknown, key?: string) {
  const res = await fetch(bff.url + url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

/** A problem+json answer with this status and problem type. */
function expectProblem(r: Awaited<ReturnType<typeof call>>, status: number, slug: string) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({ status, type: `https://flight-mesh.dev/problems/${slug}` });
}

async function book(token: string, key: string) {
  const { quote } = await pricing.client.createQuote({
    flightIds: [flights.shift()!],
    passengers: { adults: 1, children: 0, infants: 0 },
    cabin: 1,
    requestId: '',
  });
  const r = await call(
    'POST',
    '/api/v1/bookings',
    token,
    { quoteId: quote!.quoteId, passengers: [ada], contactEmail: 'ada@example.com' },
    key,
  );
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.reference as string;
}

/** Signs an access token like the identity service's, with the given key and claims. */
async function forge(jwk: JWK, claims: Record<string, unknown>, exp: number) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid })
    .setSubject('alice')
    .setIssuer(idp.issuer)
    .setAudience(API_RESOURCE)
    .setIssuedAt(exp - 300)
    .setExpirationTime(exp)
    .sign(await importJWK(jwk, 'RS256'));
}

describe('the BFF with tokens from the identity service', () => {
  it('books, reads, lists and cancels with a real customer token from the login page', async () => {
    const alice = await idp.token('alice');
    const ref = await book(alice, 'edge-1');
    expect((await call('GET', `/api/v1/bookings/${ref}`, alice)).json.reference).toBe(ref);
    const mine = await call('GET', '/api/v1/bookings', alice);
    expect(mine.json.bookings.map((b: { reference: string }) => b.reference)).toContain(ref);
    expect((await call('POST', `/api/v1/bookings/${ref}/cancel`, alice, {})).json.status).toBe(
      'cancelled',
    );
  });

  it('refuses no token, an expired, a foreign-signed, an ID token and a shared-secret token with 401', async () => {
    expectProblem(await call('GET', '/api/v1/bookings'), 401, 'unauthenticated');

    const now = Math.floor(Date.now() / 1000);
    // Signed with the issuer's own key (from its data dir), but expired.
    const stored = JSON.parse(await readFile(path.join(idp.dataDir, 'keys.json'), 'utf8')) as {
      jwks: { keys: JWK[] };
    };
    const real = stored.jwks.keys[0]!;
    const fresh = await forge(real, { roles: ['customer'] }, now + 300);
    expect((await call('GET', '/api/v1/bookings', fresh)).status).toBe(200); // the key is right…
    const expired = await call(
      'GET',
      '/api/v1/bookings',
      await forge(real, { roles: ['customer'] }, now - 60),
    );
    expectProblem(expired, 401, 'unauthenticated');
    expect(expired.json.detail).toMatch(/"exp"/);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    // Signed by a key the issuer does not publish, even under the issuer's own kid.
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const foreign = { ...(await exportJWK(privateKey)), kid: real.kid };
    expectProblem(
      await call(
        'GET',
        '/api/v1/bookings',
        await forge(foreign, { roles: ['customer'] }, now + 300),
      ),
      401,
      'unauthenticated',
    );

    // The ID token from the same login is for the client, not for the API.
    const t = await loginWithPassword({
      issuer: idp.issuer,
      clientId: CLI_CLIENT_ID,
      redirectUri: CLI_REDIRECT_URI,
      login: 'alice',
      password: DEMO_USERS[0]!.password,
    });
    expectProblem(await call('GET', '/api/v1/bookings', t.id_token), 401, 'unauthenticated');

    // The old shared development secret counts for nothing here.
    const hs = await signDevToken('alice', { ...bff.config, JWT_SECRET: DEV_JWT_SECRET });
    expectProblem(await call('GET', '/api/v1/bookings', hs), 401, 'unauthenticated');
  });

  it('refuses a valid token without the customer role on booking routes with 403', async () => {
    for (const token of [await idp.token('olive'), await idp.opsToken()]) {
      const r = await call('GET', '/api/v1/bookings', token);
      expectProblem(r, 403, 'forbidden');
      expect(r.json.detail).toBe('this needs the customer role; the token has operator');
    }
  });

  it('never lets customer B read, list or cancel customer A’s booking', async () => {
    const alice = await idp.token('alice');
    const bob = await idp.token('bob');
    const ref = await book(alice, 'edge-2');
    expectProblem(await call('GET', `/api/v1/bookings/${ref}`, bob), 404, 'booking-not-found');
    expectProblem(
      await call('GET', `/api/v1/bookings/${ref.toLowerCase()}`, bob),
      404,
      'booking-not-found',
    );
    expectProblem(
      await call('POST', `/api/v1/bookings/${ref}/cancel`, bob, {}),
      404,
      'booking-not-found',
    );
    const bobs = await call('GET', '/api/v1/bookings?pageSize=100', bob);
    expect(bobs.status).toBe(200);
    expect(bobs.json.bookings).toEqual([]);
    // Alice's booking is untouched by all that.
    expect((await call('GET', `/api/v1/bookings/${ref}`, alice)).json.status).toBe('confirmed');
  });

  it('lets only an operator token cancel a flight (a real operator route): 401 without, 403 for a customer', async () => {
    const flightId = flights.pop()!;
    const cancel = (token: string | undefined, key: string) =>
      call('POST', `/api/v1/flights/${flightId}/cancel`, token, { reason: 'crew shortage' }, key);
    expectProblem(await cancel(undefined, 'op-1'), 401, 'unauthenticated');
    const byCustomer = await cancel(await idp.token('alice'), 'op-2');
    expectProblem(byCustomer, 403, 'forbidden');
    expect(byCustomer.json.detail).toBe('this needs the operator role; the token has customer');
    // Nothing changed: the flight is still on.
    const { flight: before } = await schedule.client.getFlight({ flightId });
    expect(before!.status).toBe(FlightStatus.FLIGHT_STATUS_SCHEDULED);
    const byOperator = await cancel(await idp.token('olive'), 'op-3');
    expect(byOperator.status, JSON.stringify(byOperator.json)).toBe(200);
    expect(byOperator.json).toMatchObject({ flightId, status: 'cancelled' });
    // The ops service client (client_credentials) carries the operator role too.
    const again = await cancel(await idp.opsToken(), 'op-4');
    expect(again.status, JSON.stringify(again.json)).toBe(200);
  });
});
