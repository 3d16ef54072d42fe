import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../bff/session.js';
import { startBff } from '../support/bff.js';
import { startWebMesh, type WebMesh } from './mesh.js';
import { testDate } from '../support/dates.js';

let mesh: WebMesh;
const ada = { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' };

beforeAll(async () => {
  mesh = await startWebMesh({ search: false });
});
afterAll(async () => mesh?.stop());

/** A browser's cookie jar, enough for one origin. */
class Browser {
  cookies = new Map<string, string>();
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(mesh.bff.url + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=') as [string, string];
      if (v === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const text = await res.text();
    return { res, json: text ? JSON.parse(text) : undefined };
  }
}

/** A quote for a JFK → LHR flight found straight in schedule (this suite runs without search). */
async function quote() {
  let flightId = '';
  for await (const r of mesh.schedule.client.listFlights({
    origin: 'JFK',
    destination: 'LHR',
    fromDate: testDate(3),
    toDate: testDate(3),
    includeCancelled: false,
  })) {
    flightId ||= r.flight?.flightId ?? '';
  }
  expect(flightId).not.toBe('');
  const q = await fetch(`${mesh.bff.url}/api/v1/quotes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ flightIds: [flightId], passengers: { adults: 1 }, cabin: 'economy' }),
  });
  expect(q.status).toBe(201);
  return ((await q.json()) as { id: string }).id;
}

describe('browser sessions (backend-for-frontend)', () => {
  it('signs in with an HttpOnly SameSite cookie; the token never reaches the browser', async () => {
    const b = new Browser();
    const anon = await b.call('GET', '/auth/session');
    expect(anon.json).toMatchObject({ signedIn: false, csrfToken: null, login: { dev: true } });

    const login = await b.call('POST', '/auth/dev-login', { subject: 'alice' });
    expect(login.res.status).toBe(200);
    const setCookie = login.res.headers.getSetCookie().find((c) => c.startsWith('fm_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(JSON.stringify(login.json)).not.toMatch(/eyJ/); // no JWT in what the page can read
    expect(login.json).toMatchObject({ signedIn: true, subject: 'alice', roles: ['customer'] });
    expect(login.json.csrfToken).toEqual(expect.any(String));

    const mine = await b.call('GET', '/api/v1/bookings');
    expect(mine.res.status).toBe(200);
    expect(mine.json.bookings).toEqual([]);
  });

  it('refuses a cookie-authenticated write without the CSRF token, books with it', async () => {
    const b = new Browser();
    const { json: session } = await b.call('POST', '/auth/dev-login', { subject: 'carol' });
    const body = { quoteId: await quote(), passengers: [ada], contactEmail: 'ada@example.com' };

    const forged = await b.call('POST', '/api/v1/bookings', body, { 'idempotency-key': 'k-1' });
    expect(forged.res.status).toBe(403);
    expect(forged.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    // A token minted for another session does not pass either.
    const other = new Browser();
    const { json: otherSession } = await other.call('POST', '/auth/dev-login', { subject: 'eve' });
    const tossed = await b.call('POST', '/api/v1/bookings', body, {
      'idempotency-key': 'k-1',
      [CSRF_HEADER]: otherSession.csrfToken,
    });
    expect(tossed.res.status).toBe(403);

    const booked = await b.call('POST', '/api/v1/bookings', body, {
      'idempotency-key': 'k-1',
      [CSRF_HEADER]: session.csrfToken,
    });
    expect(booked.res.status, JSON.stringify(booked.json)).toBe(201);
    const mine = await b.call('GET', '/api/v1/bookings');
    expect(mine.json.bookings.map((x: { reference: string }) => x.reference)).toEqual([
      booked.json.reference,
    ]);
    // The booking is carol's: eve's session does not see it.
    expect((await other.call('GET', `/api/v1/bookings/${booked.json.reference}`)).res.status).toBe(
      404,
    );
  });

  it('leaves bearer-token clients as they were: no cookie, no CSRF token', async () => {
    const token = await mesh.bff.token('dave');
    const r = await fetch(`${mesh.bff.url}/api/v1/bookings`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    expect(r.headers.getSetCookie()).toEqual([]);
  });

  it('signs out: the cookie is cleared and the old session id is dead', async () => {
    const b = new Browser();
    const { json: session } = await b.call('POST', '/auth/dev-login', { subject: 'frank' });
    const id = b.cookies.get('fm_session')!;
    expect((await b.call('POST', '/auth/logout', undefined, {})).res.status).toBe(403);
    const out = await b.call('POST', '/auth/logout', undefined, {
      [CSRF_HEADER]: session.csrfToken,
    });
    expect(out.res.status).toBe(204);
    expect(b.cookies.has('fm_session')).toBe(false);
    const replay = await fetch(`${mesh.bff.url}/api/v1/bookings`, {
      headers: { cookie: `fm_session=${id}` },
    });
    expect(replay.status).toBe(401);
  });

  it('rejects a bad development login with field errors, and offers none with a real key', async () => {
    const b = new Browser();
    const bad = await b.call('POST', '/auth/dev-login', { subject: 'no spaces', roles: ['root'] });
    expect(bad.res.status).toBe(400);
    expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'roles[0]',
      'subject',
    ]);

    const real = await startBff({}, { JWT_SECRET: 'a-real-secret-that-is-32-characters-long' });
    try {
      const r = await fetch(`${real.url}/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 'alice' }),
      });
      expect(r.status).toBe(404);
      const s = (await (await fetch(`${real.url}/auth/session`)).json()) as object;
      expect(s).toMatchObject({ login: { dev: false } });
    } finally {
      await real.stop();
    }
  });
});
