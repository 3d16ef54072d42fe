/** The BFF when things go wrong around it: cancellation, tracing in a real process, rate limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { startBff } from '../test/support/bff.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { metricValue } from '../test/support/metrics.js';
import { startPricing, type PricingFixture } from '../test/support/pricing.js';
import { freePort, spawnEntry } from '../test/support/processes.js';
import { startSchedule, type ScheduleFixture } from '../test/support/schedule.js';
import { startSearch } from '../test/support/search.js';
import { testDate } from '../test/support/dates.js';

let schedule: ScheduleFixture;
let pricing: PricingFixture;

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
});

afterAll(async () => {
  await pricing?.stop();
  await schedule?.stop();
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
        `${edge.url}/api/v1/search/stream?origin=JFK&destination=SIN&date=${testDate(2)}&maxStops=2&maxResults=100`,
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
      const problem = (await over.json()) as { type: string; detail: string };
      expect(problem.type).toBe('https://flight-mesh.dev/problems/too-many-requests');
      // The limit per minute, and when to come back (not "per <time left>").
      expect(problem.detail).toMatch(
        /^at most 3 requests a minute from one client; try again in \d+ (second|minute)s?$/,
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
