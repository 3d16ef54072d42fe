import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
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
  bff = await startBff({
    schedule: schedule.address,
    pricing: pricing.address,
    search: search.address,
    booking: booking.address,
  });
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
    const r = await call('GET', '/api/v1/airports?q=lon');
    expect(r.status).toBe(200);
    expect(r.json.airports.map((a: { code: string }) => a.code)).toContain('LHR');
  });

  it('searches as JSON: camelCase, local times with offsets, money in minor units, sorted by price', async () => {
    const r = await call(
      'GET',
      '/api/v1/search?origin=JFK&destination=LHR&date=2026-12-03&adults=1&children=0&infants=0&cabin=economy&maxStops=1&sort=price',
    );
    expect(r.status).toBe(200);
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
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text())
      .trim()
      .split('\n\n')
      .map((block) => {
        const event = /^event: (.+)$/m.exec(block)![1];
        return { event, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) };
      });
    expect(events[0]!.event).toBe('itinerary');
    expect(events.at(-1)!.event).toBe('end');
    expect(events.at(-1)!.data.resultCount).toBe(events.length - 1);
  });

  it('answers bad input with 400 problem+json naming the field', async () => {
    const r = await call('GET', '/api/v1/search?origin=JFK&destination=LHR&date=tomorrow');
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json.errors.map((e: { field: string }) => e.field)).toContain('date');
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

    expect(
      (await call('POST', '/api/v1/bookings', { body, headers: { 'idempotency-key': 'k1' } }))
        .status,
    ).toBe(401);
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
    expect(again.json.reference).toBe(ref);

    expect((await call('GET', `/api/v1/bookings/${ref}`, { headers: alice })).json.reference).toBe(
      ref,
    );
    const list = await call('GET', '/api/v1/bookings', { headers: alice });
    expect(list.json.bookings.map((b: { reference: string }) => b.reference)).toContain(ref);
    const mallory = { authorization: `Bearer ${await bff.token('mallory')}` };
    expect((await call('GET', `/api/v1/bookings/${ref}`, { headers: mallory })).status).toBe(404);

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
    for (const path of [
      '/api/v1/search',
      '/api/v1/search/stream',
      '/api/v1/quotes',
      '/api/v1/bookings',
      '/api/v1/bookings/{reference}/cancel',
    ])
      expect(Object.keys(spec.json.paths)).toContain(path);
    expect((await fetch(`${bff.url}/docs`)).status).toBe(200);
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
      while (slow.internals.stats.cancelled === 0 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      expect(slow.internals.stats.cancelled).toBe(1);
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
