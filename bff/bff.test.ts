import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBff, type BffFixture } from '../test/support/bff.js';
import { callJson } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import type { ScheduleFixture } from '../test/support/schedule.js';
import { inZone, testDate } from '../test/support/dates.js';

let mesh: MeshFixture;
let schedule: ScheduleFixture;
let bff: BffFixture;
let clockOffsetMs = 0;

const ada = { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' };

beforeAll(async () => {
  mesh = await startMesh({
    pricingNow: () => new Date(Date.now() + clockOffsetMs),
    // Generous budgets: these tests are about behaviour, on a machine shared with other suites.
    bffEnv: {
      READ_TIMEOUT_MS: '20000',
      SEARCH_TIMEOUT_MS: '20000',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  });
  ({ schedule, bff } = mesh);
});

afterAll(async () => {
  await mesh?.stop();
});

const call = (
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
) => callJson(bff.url, method, path, options);

async function firstFlight(origin = 'JFK', destination = 'LHR', date = testDate(4)) {
  const r = await call(
    'GET',
    `/api/v1/search?origin=${origin}&destination=${destination}&date=${date}&maxStops=0`,
  );
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.itineraries.length, JSON.stringify(r.json)).toBeGreaterThan(0);
  return r.json.itineraries[0].segments[0].flightId as string;
}

async function quoteFor(flightId: string) {
  const r = await call('POST', '/api/v1/quotes', {
    body: { flightIds: [flightId], passengers: { adults: 1 }, cabin: 'economy' },
  });
  expect(r.status).toBe(201);
  return r.json;
}

describe('BFF over the real mesh', () => {
  it('finds airports by text', async () => {
    const r = await call('GET', '/api/v1/airports?q=lon', {
      headers: { 'x-request-id': 'edge-42' },
    });
    expect(r.status).toBe(200);
    expect(r.json.airports.map((a: { code: string }) => a.code)).toContain('LHR');
    expect(r.headers.get('x-request-id')).toBe('edge-42');
    // A request id that is not one is replaced, not echoed.
    const odd = await call('GET', '/api/v1/airports?q=lon', {
      headers: { 'x-request-id': 'x'.repeat(500) },
    });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('searches as JSON: camelCase, local times with offsets, money in minor units, sorted by price', async () => {
    const r = await call(
      'GET',
      `/api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}&adults=1&children=0&infants=0&cabin=economy&maxStops=1&sort=price`,
    );
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.partial).toBe(false);
    const its = r.json.itineraries;
    expect(its.length).toBeGreaterThan(0);
    const departure: string = its[0].segments[0].departure;
    expect(departure).toMatch(new RegExp(`^${testDate(2)}T\\d\\d:\\d\\d:00[-+]\\d\\d:\\d\\d$`));
    expect(departure).toBe(inZone(departure, 'America/New_York'));
    expect(its[0].price.total).toEqual({ amount: expect.any(Number), currency: 'USD' });
    const totals = its.map((i: { price: { total: { amount: number } } }) => i.price.total.amount);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
  });

  it('streams a search as Server-Sent Events: itineraries first, then an end event', async () => {
    const res = await fetch(
      `${bff.url}/api/v1/search/stream?origin=JFK&destination=LHR&date=${testDate(2)}&maxStops=1`,
    );
    expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const events = (await res.text())
      .trim()
      .split('\n\n')
      .filter((block) => !block.startsWith(':'))
      .map((block) => {
        const event = /^event: (.+)$/m.exec(block)![1];
        return { event, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) };
      });
    expect(events.length).toBeGreaterThan(1);
    expect(events.slice(0, -1).every((e) => e.event === 'itinerary')).toBe(true);
    expect(events[0]!.data).toMatchObject({
      segments: [expect.objectContaining({ origin: 'JFK' })],
      price: { total: { amount: expect.any(Number), currency: 'USD' } },
    });
    expect(events.at(-1)!.event).toBe('end');
    expect(events.at(-1)!.data).toMatchObject({ resultCount: events.length - 1, partial: false });
  });

  it('answers bad input with 400 problem+json naming the field', async () => {
    const r = await call('GET', '/api/v1/search?origin=JFK&destination=LHR&date=tomorrow');
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    // One problem per field, the first rule it breaks (not the format and the calendar both).
    expect(r.json.errors).toEqual([{ field: 'date', detail: 'must be a date as YYYY-MM-DD' }]);
    // A number past any integer is named once, in the API's words, not the validator's.
    const huge = await call(
      'GET',
      `/api/v1/search?origin=JFK&destination=LHR&date=${testDate(2)}&adults=999999999999999999999`,
    );
    expect(huge.status).toBe(400);
    expect(huge.json.errors).toEqual([
      { field: 'adults', detail: 'must be a whole number from 1 to 9' },
    ]);
    // Every field in the API's words, never the validator's ("Invalid input: expected …").
    const worded = await call(
      'GET',
      `/api/v1/search?destination=LHR&date=${testDate(2)}&cabin=steerage&maxStops=1e309`,
    );
    expect(worded.status).toBe(400);
    expect(worded.json.errors).toEqual([
      { field: 'origin', detail: 'is required' },
      { field: 'cabin', detail: 'must be one of economy, premium_economy, business, first' },
      { field: 'maxStops', detail: 'must be a whole number from 0 to 2' },
    ]);
    // Not a calendar date: caught here, named as the query parameter.
    const feb30 = await call('GET', '/api/v1/search?origin=JFK&destination=LHR&date=2026-02-30');
    expect(feb30.status).toBe(400);
    expect(feb30.json.errors).toEqual([{ field: 'date', detail: 'is not a calendar date' }]);
    // Found by the search service, still named as this API names it.
    const same = await call('GET', `/api/v1/search?origin=JFK&destination=JFK&date=${testDate(2)}`);
    expect(same.status).toBe(400);
    expect(same.json.errors.map((e: { field: string }) => e.field)).toEqual(['destination']);
    const json = await fetch(`${bff.url}/api/v1/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"flightIds": [',
    });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toContain('application/problem+json');
    // In the API's words, not fastify's ("… but content-type is set to 'application/json'").
    for (const [body, detail] of [
      ['{"flightIds": [', 'is not valid JSON'],
      [
        '{"__proto__": {"admin": true}}',
        'uses a key refused for safety (__proto__, or constructor with prototype)',
      ],
      [
        '{"constructor": {"prototype": {"admin": true}}}',
        'uses a key refused for safety (__proto__, or constructor with prototype)',
      ],
      ['{"flightIds": ["BA117-2026-12-01"]} trailing', 'is not valid JSON'],
      // A byte order mark is dropped before parsing, so the refused key is named as such.
      [
        '\uFEFF{"__proto__": {}}',
        'uses a key refused for safety (__proto__, or constructor with prototype)',
      ],
      // Only JSON's own whitespace is no body: a no-break space is not JSON at all.
      ['\u00A0', 'is not valid JSON'],
    ]) {
      const r = await fetch(`${bff.url}/api/v1/quotes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(r.status, body).toBe(400);
      expect(((await r.json()) as { errors: unknown }).errors, body).toEqual([
        { field: '(body)', detail },
      ]);
    }
    const q = await call('POST', '/api/v1/quotes', {
      body: { flightIds: ['x'], passengers: { adults: 0 }, cabin: 'economy' },
    });
    expect(q.status).toBe(400);
    expect(q.json.errors.map((e: { field: string }) => e.field)).toContain('passengers.adults');
    // Field errors found by the service itself come back the same way.
    const s = await call('POST', '/api/v1/quotes', {
      body: { flightIds: ['nope'], passengers: { adults: 1 }, cabin: 'economy' },
    });
    expect(s.status).toBe(400);
    expect(s.json.errors.map((e: { field: string }) => e.field)).toContain('flightIds[0]');
  });

  it('quotes, books with an idempotency key, reads, lists and cancels — for the token’s customer only', async () => {
    const quote = await quoteFor(await firstFlight());
    expect((await call('GET', `/api/v1/quotes/${quote.id}`)).json.price).toEqual(quote.price);
    const body = { quoteId: quote.id, passengers: [ada], contactEmail: 'ada@example.com' };
    const alice = { authorization: `Bearer ${await bff.token('alice')}` };

    const anonymous = await call('POST', '/api/v1/bookings', {
      body,
      headers: { 'idempotency-key': 'k1' },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(anonymous.json.type).toBe('https://flight-mesh.dev/problems/unauthenticated');
    expect(
      (
        await call('POST', '/api/v1/bookings', {
          body,
          headers: { 'idempotency-key': 'k1', authorization: 'Bearer nonsense' },
        })
      ).status,
    ).toBe(401);
    const noKey = await call('POST', '/api/v1/bookings', { body, headers: alice });
    expect(noKey.status).toBe(400);
    expect(noKey.json.errors[0].field).toBe('idempotency-key');
    // Every bad part of a request named in one answer (fastify stops at the first: the body).
    const both = await call('POST', '/api/v1/bookings', {
      body: { ...body, contactEmail: 'not an address' },
      headers: alice,
    });
    expect(both.status).toBe(400);
    expect(both.json.errors.map((e: { field: string }) => e.field)).toEqual([
      'contactEmail',
      'idempotency-key',
    ]);
    expect(both.json.detail).toMatch(/^contactEmail: .+; header idempotency-key: /);
    // A date of birth no passenger has: refused naming it, before anything is booked.
    for (const dateOfBirth of ['1000-01-01', '2999-01-01']) {
      const born = await call('POST', '/api/v1/bookings', {
        body: { ...body, passengers: [{ ...ada, dateOfBirth }] },
        headers: { ...alice, 'idempotency-key': `dob-${dateOfBirth}` },
      });
      expect(born.status).toBe(400);
      expect(born.json.errors.map((e: { field: string }) => e.field)).toEqual([
        'passengers[0].dateOfBirth',
      ]);
    }

    const created = await call('POST', '/api/v1/bookings', {
      body,
      headers: { ...alice, 'idempotency-key': 'k1' },
    });
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('confirmed');
    const ref = created.json.reference;
    expect(created.headers.get('location')).toBe(`/api/v1/bookings/${ref}`);
    const again = await call('POST', '/api/v1/bookings', {
      body,
      headers: { ...alice, 'idempotency-key': 'k1' },
    });
    expect(again.status).toBe(201);
    expect(again.json.reference).toBe(ref);
    const reused = await call('POST', '/api/v1/bookings', {
      body: { ...body, contactEmail: 'someone.else@example.com' },
      headers: { ...alice, 'idempotency-key': 'k1' },
    });
    expect(reused.status, JSON.stringify(reused.json)).toBe(422);
    expect(reused.json.reason).toBe('IDEMPOTENCY_CONFLICT');
    // Named as the header it came in, not the service's field.
    expect(reused.json.errors).toEqual([
      { field: 'idempotency-key', detail: 'was used before for a different request' },
    ]);
    expect(reused.json.detail).toBe('idempotency-key k1 was used for a different booking request');
    // The same quote under a new key: booked once already, 409 naming the booking that has it.
    const rebooked = await call('POST', '/api/v1/bookings', {
      body,
      headers: { ...alice, 'idempotency-key': 'k2' },
    });
    expect(rebooked.status, JSON.stringify(rebooked.json)).toBe(409);
    expect(rebooked.json).toMatchObject({
      type: expect.stringMatching(/quote-already-booked$/),
      reason: 'QUOTE_ALREADY_BOOKED',
      metadata: { quoteId: body.quoteId, bookingReference: ref },
    });

    expect((await call('GET', `/api/v1/bookings/${ref}`, { headers: alice })).json.reference).toBe(
      ref,
    );
    const list = await call('GET', '/api/v1/bookings', { headers: alice });
    expect(list.json.bookings.map((b: { reference: string }) => b.reference)).toContain(ref);
    const mallory = { authorization: `Bearer ${await bff.token('mallory')}` };
    expect((await call('GET', `/api/v1/bookings/${ref}`, { headers: mallory })).status).toBe(404);
    expect(
      (await call('POST', `/api/v1/bookings/${ref}/cancel`, { headers: mallory })).status,
    ).toBe(404);
    expect((await call('GET', '/api/v1/bookings', { headers: mallory })).json.bookings).toEqual([]);

    const cancelled = await call('POST', `/api/v1/bookings/${ref}/cancel`, {
      body: {},
      headers: alice,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    const twice = await call('POST', `/api/v1/bookings/${ref}/cancel`, { headers: alice });
    expect(twice.json.status, JSON.stringify(twice.json)).toBe('cancelled');
    // The booking's key sent again: what became of it, 200 (201 would say it was just created).
    const retried = await call('POST', '/api/v1/bookings', {
      body,
      headers: { ...alice, 'idempotency-key': 'k1' },
    });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ reference: ref, status: 'cancelled' });
  });

  it('maps an expired quote to 410 with its own problem type', async () => {
    const quote = await quoteFor(await firstFlight('LHR', 'JFK'));
    clockOffsetMs = 16 * 60_000;
    try {
      const r = await call('POST', '/api/v1/bookings', {
        body: { quoteId: quote.id, passengers: [ada], contactEmail: 'ada@example.com' },
        headers: { authorization: `Bearer ${await bff.token('alice')}`, 'idempotency-key': 'late' },
      });
      expect(r.status).toBe(410);
      expect(r.json.type).toBe('https://flight-mesh.dev/problems/quote-expired');
      expect(r.json.reason).toBe('QUOTE_EXPIRED');
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('lets X-Request-Timeout shorten the deadline: 504 when it runs out', async () => {
    const r = await call(
      'GET',
      `/api/v1/search?origin=JFK&destination=SIN&date=${testDate(2)}&maxStops=2`,
      { headers: { 'x-request-timeout': '1' } },
    );
    expect(r.status).toBe(504);
    expect(r.json.type).toBe('https://flight-mesh.dev/problems/deadline-exceeded');
  });

  it('publishes OpenAPI, docs, liveness and readiness', async () => {
    const spec = await call('GET', '/openapi.json');
    expect(spec.json.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.json.paths).sort()).toEqual(
      [
        '/api/v1/airports',
        '/api/v1/search',
        '/api/v1/search/stream',
        '/api/v1/quotes',
        '/api/v1/quotes/{id}',
        '/api/v1/bookings',
        '/api/v1/bookings/{reference}',
        '/api/v1/bookings/{reference}/cancel',
        '/api/v1/flights',
        '/api/v1/flights/{flightId}/retime',
        '/api/v1/flights/{flightId}/cancel',
        '/healthz',
        '/readyz',
      ].sort(),
    );
    // Responses are described too, with named shapes and problem+json errors.
    for (const name of ['Money', 'Itinerary', 'Quote', 'Booking', 'Problem'])
      expect(Object.keys(spec.json.components.schemas)).toContain(name);
    const create = spec.json.paths['/api/v1/bookings'].post;
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '4XX', '5XX']));
    expect(create.responses['4XX'].content).toHaveProperty(['application/problem+json']);
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain('idempotency-key');
    expect(spec.json.paths['/api/v1/search/stream'].get.responses['200'].content).toHaveProperty([
      'text/event-stream',
    ]);
    expect((await fetch(`${bff.url}/docs`)).status).toBe(200);
    // The page's own assets too (served by @fastify/static, whose deps ask for a newer Node).
    const css = await fetch(`${bff.url}/docs/static/swagger-ui.css`);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    expect((await call('GET', '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.dependencies).toEqual({
      schedule: 'serving',
      pricing: 'serving',
      search: 'serving',
      booking: 'serving',
    });
  });
});

describe('BFF when services are down', () => {
  it('answers 503 with Retry-After, and /readyz says which dependency is missing', async () => {
    const lonely = await startBff({ schedule: schedule.address });
    try {
      const r = await fetch(`${lonely.url}/api/v1/quotes/abc`);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      const ready = await fetch(`${lonely.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(
        ((await ready.json()) as { dependencies: Record<string, string> }).dependencies.schedule,
      ).toBe('serving');
    } finally {
      await lonely.stop();
    }
  });
});
