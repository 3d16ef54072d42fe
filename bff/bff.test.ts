import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { metricValue } from '../test/support/metrics.js';
import { freePort, spawnEntry } from '../test/support/processes.js';
import { startBff, type BffFixture } from '../test/support/bff.js';
import { startBooking, type BookingFixture } from '../test/support/booking.js';
import { startPricing, type PricingFixture } from '../test/support/pricing.js';
import { startSchedule, type ScheduleFixture } from '../test/support/schedule.js';
import { startSearch, type SearchFixture } from '../test/support/search.js';

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let search: SearchFixture;
let booking: BookingFixture;
let bff: BffFixture;
let clockOffsetMs = 0;

const ada = { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' };

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, {
    store: 'embedded',
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  search = await startSearch({ schedule: schedule.address, pricing: pricing.address });
  booking = await startBooking(
    { schedule: schedule.address, pricing: pricing.address },
    { store: 'embedded' },
  );
  bff = await startBff(
    {
      schedule: schedule.address,
      pricing: pricing.address,
      search: search.address,
      booking: booking.address,
    },
    // Generous budgets: these tests are about behaviour, on a machine shared with other suites.
    { READ_TIMEOUT_MS: '20000', SEARCH_TIMEOUT_MS: '20000', RATE_LIMIT_PER_MINUTE: '100000' },
  );
});

afterAll(async () => {
  await bff?.stop();
  await booking?.stop();
  await search?.stop();
  await pricing?.stop();
  await schedule?.stop();
});

async function call(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(bff.url + path, {
    method,
    headers: {
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function firstFlight(origin = 'JFK', destination = 'LHR', date = '2026-12-05') {
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
      '/api/v1/search?origin=JFK&destination=LHR&date=2026-12-03&adults=1&children=0&infants=0&cabin=economy&maxStops=1&sort=price',
    );
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.partial).toBe(false);
    const its = r.json.itineraries;
    expect(its.length).toBeGreaterThan(0);
    expect(its[0].segments[0].departure).toMatch(/^2026-12-03T\d\d:\d\d:00-05:00$/);
    expect(its[0].price.total).toEqual({ amount: expect.any(Number), currency: 'USD' });
    const totals = its.map((i: { price: { total: { amount: number } } }) => i.price.total.amount);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
  });

  it('streams a search as Server-Sent Events: itineraries first, then an end event', async () => {
    const res = await fetch(
      `${bff.url}/api/v1/search/stream?origin=JFK&destination=LHR&date=2026-12-03&maxStops=1`,
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
    expect(r.json.errors.map((e: { field: string }) => e.field)).toContain('date');
    // Not a calendar date: caught here, named as the query parameter.
    const feb30 = await call('GET', '/api/v1/search?origin=JFK&destination=LHR&date=2026-02-30');
    expect(feb30.status).toBe(400);
    expect(feb30.json.errors).toEqual([{ field: 'date', detail: 'is not a calendar date' }]);
    // Found by the search service, still named as this API names it.
    const same = await call('GET', '/api/v1/search?origin=JFK&destination=JFK&date=2026-12-03');
    expect(same.status).toBe(400);
    expect(same.json.errors.map((e: { field: string }) => e.field)).toEqual(['destination']);
    const json = await fetch(`${bff.url}/api/v1/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"flightIds": [',
    });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toContain('application/problem+json');
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
      '/api/v1/search?origin=JFK&destination=SIN&date=2026-12-03&maxStops=2',
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

describe('BFF cancellation and tracing', () => {
  it('cancels the search downstream when an SSE client disconnects', async () => {
    const proxy = await startFaultProxy(PricingServiceService, pricing.address);
    proxy.delays.set('priceItineraries', 300);
    const cancelled = () => metricValue('search_searches_total', { outcome: 'cancelled' });
    const before = await cancelled();
    const slow = await startSearch(
      { schedule: schedule.address, pricing: proxy.address },
      { PRICING_BATCH_SIZE: '5' },
    );
    const edge = await startBff({ search: slow.address });
    try {
      const controller = new AbortController();
      const res = await fetch(
        `${edge.url}/api/v1/search/stream?origin=JFK&destination=SIN&date=2026-12-03&maxStops=2&maxResults=100`,
        {
          signal: controller.signal,
        },
      );
      const reader = res.body!.getReader();
      await reader.read(); // the first event has arrived
      controller.abort();
      const until = Date.now() + 5_000;
      while ((await cancelled()) === before && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      expect(await cancelled()).toBe(before + 1);
    } finally {
      await edge.stop();
      await slow.stop();
      await proxy.close();
    }
  });

  it('continues the caller’s trace (traceparent in, trace id out) in the real BFF process', async () => {
    const port = await freePort();
    const proc = spawnEntry('bff/main.ts', {
      PORT: String(port),
      SCHEDULE_ADDR: schedule.address,
      LOG_LEVEL: 'info',
    });
    try {
      await proc.waitForLine((l) => l.includes('ready: serving'), 30_000);
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/airports?q=JFK`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-trace-id')).toBe(traceId);
      const line = await proc.waitForLine((l) => l.includes('"msg":"http"'));
      expect(JSON.parse(line)).toMatchObject({
        route: '/api/v1/airports',
        status: 200,
        trace_id: traceId,
      });
    } finally {
      await proc.stop();
    }
  });
});

describe('BFF rate limit', () => {
  it('limits each client, answering 429 problem+json with Retry-After', async () => {
    const limited = await startBff({ schedule: schedule.address }, { RATE_LIMIT_PER_MINUTE: '3' });
    const strict = await startBff(
      { schedule: schedule.address },
      { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '10.9.9.9' },
    );
    try {
      const get = (url: string, client: string) =>
        fetch(`${url}/api/v1/airports?q=JFK`, { headers: { 'x-forwarded-for': client } });
      for (let i = 0; i < 3; i++) expect((await get(limited.url, '203.0.113.7')).status).toBe(200);
      const over = await get(limited.url, '203.0.113.7');
      expect(over.status).toBe(429);
      expect(over.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await over.json()) as { type: string }).type).toBe(
        'https://flight-mesh.dev/problems/too-many-requests',
      );
      // Another client (as told by the trusted proxy in front) has its own allowance.
      expect((await get(limited.url, '198.51.100.1')).status).toBe(200);
      // Health checks are never limited.
      expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
      // From an untrusted peer, X-Forwarded-For is ignored: no way around the limit.
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await get(strict.url, `192.0.2.${i}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await limited.stop();
      await strict.stop();
    }
  });
});

describe('BFF under bad input (property-based, over real HTTP)', () => {
  const junk = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ minLength: 2_000, maxLength: 6_000 }),
    fc.constantFrom('', ' ', '-1', '0', '1e309', 'NaN', '9999999999999', '1.5', 'null', '[]', '%'),
    fc.constantFrom('JFK', 'LHR', 'jfk', 'XXX', '2026-12-03', '2026-02-30', '1900-01-01', '3'),
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
  const searchQuery = nearly({ origin: 'JFK', destination: 'LHR', date: '2026-12-03' }, [
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
    flightIds: ['BA117-2026-12-03'],
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
    const token = await bff.token('fuzzer');
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
          const res = await fetch(`${bff.url}${r.path}${r.query ? `?${r.query}` : ''}`, {
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
