import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import {
  PriceStatus,
  SortOrder,
  type Itinerary,
  type SearchItinerariesRequest,
  type SearchSummary,
} from '../../gen/ts/flights/v1/search.js';
import { errorDetails } from '../../platform/errors.js';
import { startFaultProxy, type FaultProxy } from '../../test/support/fault-proxy.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import { freePort } from '../../test/support/processes.js';
import {
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { startSearch, type SearchFixture } from '../../test/support/search.js';

let schedule: ScheduleFixture;
let pricing: PricingFixture;
let search: SearchFixture;

const query = (over: Partial<SearchItinerariesRequest> = {}): SearchItinerariesRequest => ({
  origin: 'JFK',
  destination: 'LHR',
  departureDate: '2026-12-03',
  passengers: { adults: 1, children: 0, infants: 0 },
  cabin: Cabin.CABIN_ECONOMY,
  maxStops: 1,
  sort: SortOrder.SORT_ORDER_PRICE,
  maxResults: 50,
  ...over,
});

async function collect(s: SearchFixture, q: SearchItinerariesRequest, deadlineMs = 20_000) {
  const itineraries: Itinerary[] = [];
  let summary: SearchSummary | undefined;
  for await (const r of s.client.searchItineraries(q, { deadlineMs })) {
    if (r.itinerary) itineraries.push(r.itinerary);
    if (r.summary) summary = r.summary;
  }
  return { itineraries, summary: summary! };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  search = await startSearch({ schedule: schedule.address, pricing: pricing.address });
});

afterAll(async () => {
  await search?.stop();
  await pricing?.stop();
  await schedule?.stop();
});

describe('search over a live read model of schedule', () => {
  it('streams priced direct and connecting itineraries, then a summary', async () => {
    const { itineraries, summary } = await collect(search, query());
    expect(summary.partial).toBe(false);
    expect(summary.resultCount).toBe(itineraries.length);
    expect(itineraries.some((i) => i.stops === 0)).toBe(true);
    expect(itineraries.some((i) => i.stops === 1)).toBe(true);
    for (const it of itineraries) {
      expect(it.priceStatus).toBe(PriceStatus.PRICE_STATUS_PRICED);
      expect(it.price!.total!.amountMinor).toBeGreaterThan(0);
      expect(it.segments[0]!.origin).toBe('JFK');
      expect(it.segments.at(-1)!.destination).toBe('LHR');
      expect(it.segments[0]!.departureLocal.startsWith('2026-12-03')).toBe(true);
      for (let i = 1; i < it.segments.length; i++) {
        const gap =
          it.segments[i]!.departureTime!.getTime() - it.segments[i - 1]!.arrivalTime!.getTime();
        expect(gap).toBeGreaterThanOrEqual(60 * 60_000);
      }
    }
  });

  it('reflects a cancelled and a retimed flight within about a second', async () => {
    const { itineraries } = await collect(
      search,
      query({ maxStops: 0, departureDate: '2026-12-04' }),
    );
    const [gone, moved] = itineraries.map((i) => i.segments[0]!);
    await schedule.client.cancelFlight({
      flightId: gone!.flightId,
      reason: 'test',
      requestId: `cancel-${gone!.flightId}`,
    });
    const tookCancel = await eventually(async () => {
      const now = await collect(search, query({ maxStops: 0, departureDate: '2026-12-04' }));
      return !now.itineraries.some((i) => i.segments[0]!.flightId === gone!.flightId);
    });
    const later = new Date(moved!.departureTime!.getTime() + 2 * 3_600_000);
    await schedule.client.retimeFlight({
      flightId: moved!.flightId,
      newDepartureTime: later,
      reason: 'test',
      requestId: `retime-${moved!.flightId}`,
    });
    const tookRetime = await eventually(async () => {
      const now = await collect(search, query({ maxStops: 0, departureDate: '2026-12-04' }));
      return now.itineraries.some(
        (i) =>
          i.segments[0]!.flightId === moved!.flightId &&
          i.departureTime!.getTime() === later.getTime(),
      );
    });
    expect(tookCancel).toBeLessThan(3_000);
    expect(tookRetime).toBeLessThan(3_000);
    expect(search.internals.model!.stats.loads).toBe(1); // followed the feed, no reload
  });

  it('answers bad input with INVALID_ARGUMENT naming the field', async () => {
    const first = async (q: SearchItinerariesRequest) => failure(collect(search, q));
    expectInvalidField(await first(query({ origin: 'XX' })), 'origin');
    expectInvalidField(await first(query({ destination: 'JFK' })), 'destination');
    expectInvalidField(await first(query({ maxStops: 3 })), 'max_stops');
    expectInvalidField(await first(query({ departureDate: '2026-02-30' })), 'departure_date');
    expectInvalidField(
      await first(query({ passengers: { adults: 0, children: 0, infants: 0 } })),
      'passengers.adults',
    );
  });
});

describe('search when pricing is slow or gone', () => {
  let proxy: FaultProxy;
  let slow: SearchFixture;
  const big = query({
    origin: 'JFK',
    destination: 'SIN',
    maxStops: 2,
    maxResults: 100,
    sort: SortOrder.SORT_ORDER_DURATION,
  });

  beforeAll(async () => {
    proxy = await startFaultProxy(PricingServiceService, pricing.address);
    proxy.delays.set('priceItineraries', 300);
    slow = await startSearch(
      { schedule: schedule.address, pricing: proxy.address },
      { PRICING_BATCH_SIZE: '5' },
    );
  });
  afterAll(async () => {
    await slow?.stop();
    await proxy?.close();
  });

  it('streams the first results long before the end of a large search', async () => {
    const started = Date.now();
    let first = 0;
    let count = 0;
    for await (const r of slow.client.searchItineraries(big, { deadlineMs: 60_000 })) {
      if (r.itinerary && !first) first = Date.now() - started;
      if (r.itinerary) count++;
    }
    const last = Date.now() - started;
    expect(count).toBeGreaterThan(20);
    expect(first).toBeLessThan(last / 3);
  });

  it('stops working as soon as the caller cancels', async () => {
    const before = { ...slow.internals.stats };
    const controller = new AbortController();
    const stream = slow.client.searchItineraries(big, {
      deadlineMs: 60_000,
      signal: controller.signal,
    });
    const err = await (async () => {
      try {
        for await (const r of stream) if (r.itinerary) controller.abort();
      } catch (e) {
        return errorDetails(e);
      }
    })();
    expect(err?.code).toBe(status.CANCELLED);
    await eventually(async () => slow.internals.stats.cancelled === before.cancelled + 1);
    const batches = slow.internals.stats.pricingBatches;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(slow.internals.stats.pricingBatches).toBe(batches); // no pricing after the cancel
    expect(batches - before.pricingBatches).toBeLessThan(4);
  });

  it('ends with a partial, well-formed result before a tight deadline', async () => {
    const started = Date.now();
    // 20 batches × 300 ms of pricing would take 6 s; the caller gives it 3.
    const { itineraries, summary } = await collect(slow, big, 3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(summary.partial).toBe(true);
    expect(summary.note).toMatch(/time ran out/);
    expect(summary.resultCount).toBe(itineraries.length);
    expect(itineraries.length).toBeGreaterThan(0);
  });

  it('streams unpriced itineraries when pricing is unavailable', async () => {
    const gone = await startSearch({
      schedule: schedule.address,
      pricing: `127.0.0.1:${await freePort()}`,
    });
    try {
      const { itineraries, summary } = await collect(gone, query());
      expect(itineraries.length).toBeGreaterThan(0);
      expect(
        itineraries.every((i) => i.priceStatus === PriceStatus.PRICE_STATUS_UNPRICED && !i.price),
      ).toBe(true);
      expect(summary.note).toMatch(/prices unavailable/);
    } finally {
      await gone.stop();
    }
  });
});
