import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import {
  PriceStatus,
  SearchServiceService,
  SortOrder,
  type Itinerary,
  type SearchItinerariesRequest,
  type SearchSummary,
} from '../../gen/ts/flights/v1/search.js';
import {
  HealthCheckResponse_ServingStatus,
  HealthService,
} from '../../gen/ts/grpc/health/v1/health.js';
import { createClient } from '../../platform/clients.js';
import { errorDetails } from '../../platform/errors.js';
import { startFaultProxy, type FaultProxy } from '../../test/support/fault-proxy.js';
import { startPricing, type PricingFixture } from '../../test/support/pricing.js';
import { metricValue } from '../../test/support/metrics.js';
import { freePort } from '../../test/support/processes.js';
import {
  expectInvalidField,
  failure,
  startSchedule,
  TEST_START_DATE,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import {
  flightIds,
  searchRequest as query,
  startSearch,
  startTcpProxy,
  type SearchFixture,
} from '../../test/support/search.js';
import { eventually } from '../../test/support/eventually.js';
import { startTestService } from '../../test/support/services.js';
import { HUB_MCT } from '../../flights/connections.js';
import { createSearchService, type SearchInternals } from './service.js';
import { inZone, testDate } from '../../test/support/dates.js';
let schedule: ScheduleFixture, pricing: PricingFixture, search: SearchFixture;

/** The whole stream, checking its shape: itineraries, then exactly one summary, last. */
async function collect(s: SearchFixture, q: SearchItinerariesRequest, deadlineMs = 20_000) {
  const itineraries: Itinerary[] = [];
  let summary: SearchSummary | undefined;
  for await (const r of s.client.searchItineraries(q, { deadlineMs })) {
    expect(summary, 'nothing may follow the summary').toBeUndefined();
    if (r.itinerary) itineraries.push(r.itinerary);
    if (r.summary) summary = r.summary;
  }
  expect(summary).toBeDefined();
  expect(summary!.resultCount).toBe(itineraries.length);
  return { itineraries, summary: summary! };
}

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  search = await startSearch({ schedule: schedule.address, pricing: pricing.address });
});

afterAll(async () => {
  for (const s of [search, pricing, schedule]) await s?.stop();
});

describe('search over a live read model of schedule', () => {
  it('streams priced direct and connecting itineraries, then a summary', async () => {
    const { itineraries, summary } = await collect(search, query());
    expect(summary).toMatchObject({ partial: false, note: '' });
    expect(itineraries.length).toBeGreaterThan(10);
    expect(itineraries.some((i) => i.stops === 0)).toBe(true);
    expect(itineraries.some((i) => i.stops === 1)).toBe(true);
    for (const it of itineraries) {
      expect(it.priceStatus).toBe(PriceStatus.PRICE_STATUS_PRICED);
      expect(it.price!.total!.amountMinor).toBeGreaterThan(0);
      expect(it.itineraryId).toBe(it.segments.map((s) => s.flightId).join('+'));
      expect(it.stops).toBe(it.segments.length - 1);
      expect(it.segments[0]!.origin).toBe('JFK');
      expect(it.segments.at(-1)!.destination).toBe('LHR');
      // The local date at the origin, whatever the UTC date.
      const departure = it.segments[0]!.departureLocal;
      expect(departure.slice(0, 10)).toBe(testDate(2));
      expect(departure).toBe(inZone(departure, 'America/New_York'));
      expect(it.durationMinutes).toBe(
        (it.arrivalTime!.getTime() - it.departureTime!.getTime()) / 60_000,
      );
      for (let i = 1; i < it.segments.length; i++) {
        const at = it.segments[i]!.origin;
        expect(at).toBe(it.segments[i - 1]!.destination);
        const gap =
          it.segments[i]!.departureTime!.getTime() - it.segments[i - 1]!.arrivalTime!.getTime();
        expect(gap).toBeGreaterThanOrEqual((HUB_MCT[at] ?? 60) * 60_000);
        expect(gap).toBeLessThanOrEqual(24 * 3_600_000);
      }
    }
  });

  it('returns at most max_results, 50 when unset, in the order asked for', async () => {
    const many = query({ destination: 'SIN', maxStops: 2 });
    expect((await collect(search, { ...many, maxResults: 0 })).itineraries).toHaveLength(50);
    expect((await collect(search, { ...many, maxResults: 7 })).itineraries).toHaveLength(7);
    const byDuration = await collect(search, { ...many, sort: SortOrder.SORT_ORDER_DURATION });
    const durations = byDuration.itineraries.map((i) => i.durationMinutes);
    expect(durations).toEqual([...durations].sort((a, b) => a - b));
    const byDeparture = await collect(search, { ...many, sort: SortOrder.SORT_ORDER_DEPARTURE });
    const departures = byDeparture.itineraries.map((i) => i.departureTime!.getTime());
    expect(departures).toEqual([...departures].sort((a, b) => a - b));
  });

  it('reflects a cancelled and a retimed flight within about a second', async () => {
    const direct = query({ maxStops: 0, departureDate: testDate(3) });
    const { itineraries } = await collect(search, direct);
    const [gone, moved] = itineraries.map((i) => i.segments[0]!);
    await schedule.client.cancelFlight({
      flightId: gone!.flightId,
      reason: 'test',
      requestId: `cancel-${gone!.flightId}`,
    });
    const tookCancel = await eventually(async () => {
      const now = await collect(search, direct);
      return !flightIds(now.itineraries).includes(gone!.flightId);
    });
    // Nor does it come back as a leg of a connection.
    const connecting = await collect(search, { ...direct, maxStops: 2, maxResults: 200 });
    expect(flightIds(connecting.itineraries)).not.toContain(gone!.flightId);

    const later = new Date(moved!.departureTime!.getTime() + 2 * 3_600_000);
    await schedule.client.retimeFlight({
      flightId: moved!.flightId,
      newDepartureTime: later,
      reason: 'test',
      requestId: `retime-${moved!.flightId}`,
    });
    const tookRetime = await eventually(async () => {
      const now = await collect(search, direct);
      const it = now.itineraries.find((i) => i.segments[0]!.flightId === moved!.flightId);
      return it?.departureTime!.getTime() === later.getTime();
    });
    expect(tookCancel).toBeLessThan(2_000);
    expect(tookRetime).toBeLessThan(2_000);
    expect(search.internals.model!.stats.loads).toBe(1); // followed the feed, no reload
  });

  it('answers bad input with INVALID_ARGUMENT naming the field', async () => {
    const bad = async (q: Partial<SearchItinerariesRequest>, field: string) =>
      expectInvalidField(await failure(collect(search, query(q))), field);
    await bad({ origin: 'XX' }, 'origin');
    await bad({ destination: 'J1K' }, 'destination');
    await bad({ destination: 'JFK' }, 'destination');
    await bad({ departureDate: '2026-02-30' }, 'departure_date');
    await bad({ passengers: { adults: 0, children: 1, infants: 0 } }, 'passengers.adults');
    await bad({ passengers: undefined }, 'passengers');
    await bad({ cabin: Cabin.CABIN_UNSPECIFIED }, 'cabin');
    await bad({ maxStops: 3 }, 'max_stops');
    await bad({ maxResults: 201 }, 'max_results');
    await bad({ sort: 42 as SortOrder }, 'sort');
  });

  it('answers an airport without flights, or a date outside the schedule, with a note', async () => {
    const nowhere = await collect(search, query({ origin: 'ZZZ' }));
    expect(nowhere.itineraries).toEqual([]);
    expect(nowhere.summary).toMatchObject({
      partial: false,
      note: 'no flights from ZZZ in the schedule held',
    });
    const past = await collect(search, query({ departureDate: testDate(-30) }));
    expect(past.itineraries).toEqual([]);
    expect(past.summary.note).toContain(
      `outside the schedule held (${TEST_START_DATE} to ${testDate(9)})`,
    );
  });
});

describe('the read model', () => {
  it('stays NOT_SERVING until the schedule is loaded', async () => {
    const cut = await startTcpProxy(schedule.address);
    cut.refusing = true;
    const internals: SearchInternals = {};
    const late = await startTestService(createSearchService(internals), SearchServiceService, {
      store: 'embedded',
      env: {
        SCHEDULE_ADDR: cut.address,
        PRICING_ADDR: pricing.address,
        SEARCH_START_DATE: TEST_START_DATE,
        SEARCH_DAYS: '3',
      },
    });
    const health = createClient(HealthService, {
      target: `dns:///${late.address}`,
      defaultDeadlineMs: 2_000,
    });
    try {
      const state = async () => (await health.check({ service: '' })).status;
      expect(await state()).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      // A caller that comes anyway is told to try elsewhere.
      const early = await failure(
        (async () => {
          for await (const _ of late.client.searchItineraries(query(), { deadlineMs: 5_000 }));
        })(),
      );
      expect(early).toMatchObject({ code: status.UNAVAILABLE, reason: 'DEPENDENCY_UNAVAILABLE' });
      await new Promise((r) => setTimeout(r, 500));
      expect(await state()).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      cut.refusing = false;
      await eventually(async () => (await state()) === HealthCheckResponse_ServingStatus.SERVING);
      expect(internals.model!.index.size).toBeGreaterThan(1000);
    } finally {
      health.close();
      await late.stop();
      await cut.close();
    }
  });

  it('resumes the feed from its cursor after the connection drops, without reloading', async () => {
    const link = await startTcpProxy(schedule.address);
    const s = await startSearch(
      { schedule: link.address, pricing: pricing.address },
      { SEARCH_DAYS: '6' },
    );
    try {
      const direct = query({ origin: 'LHR', destination: 'JFK', maxStops: 0, maxResults: 100 });
      const before = await collect(s, direct);
      const victim = before.itineraries[0]!.segments[0]!.flightId;
      // The link goes down; meanwhile schedule cancels a flight; then the link comes back.
      link.refusing = true;
      link.dropConnections();
      await eventually(() => s.internals.model!.stats.reconnects > 0);
      await schedule.client.cancelFlight({ flightId: victim, reason: 'test', requestId: victim });
      await new Promise((r) => setTimeout(r, 300));
      link.refusing = false;
      await eventually(
        async () => !flightIds((await collect(s, direct)).itineraries).includes(victim),
        15_000,
      );
      expect(s.internals.model!.stats.loads).toBe(1);
    } finally {
      await s.stop();
      await link.close();
    }
  });

  it('reloads when schedule no longer knows its cursor', async () => {
    const link = await startTcpProxy(schedule.address);
    // No pricing: it would ask the old schedule, which says the flight is cancelled.
    const s = await startSearch(
      { schedule: link.address, pricing: `127.0.0.1:${await freePort()}` },
      { SEARCH_DAYS: '6' },
    );
    let fresh: ScheduleFixture | undefined;
    try {
      const direct = query({ origin: 'CDG', destination: 'JFK', maxStops: 0, maxResults: 100 });
      const first = (await collect(s, direct)).itineraries[0]!.segments[0]!;
      const victim = first.flightId;
      const held = () =>
        s.internals.model!.index.get(first.carrierCode, first.flightNumber, testDate(2));
      await schedule.client.cancelFlight({ flightId: victim, reason: 'test', requestId: victim });
      await eventually(() => held()?.cancelled === true);
      // Schedule is replaced by one with a fresh database: its feed has never seen our cursor.
      fresh = await startSchedule('embedded');
      link.target = fresh.address;
      link.dropConnections();
      await eventually(() => s.internals.model!.stats.loads === 2, 15_000);
      await s.internals.model!.whenFullyLoaded();
      expect(flightIds((await collect(s, direct)).itineraries)).toContain(victim);
    } finally {
      await s.stop();
      await link.close();
      await fresh?.stop();
    }
  });
});

describe('search when pricing is slow or gone', () => {
  let proxy: FaultProxy;
  let slow: SearchFixture;
  // Up to 100 itineraries in 20 batches of 5 (the first one too), 400 ms each, 2 at a time: 4 s.
  const big = query({
    origin: 'JFK',
    destination: 'SIN',
    maxStops: 2,
    maxResults: 100,
    sort: SortOrder.SORT_ORDER_DURATION,
  });

  beforeAll(async () => {
    proxy = await startFaultProxy(PricingServiceService, pricing.address);
    proxy.delays.set('priceItineraries', 400);
    slow = await startSearch(
      { schedule: schedule.address, pricing: proxy.address },
      // A default budget far shorter than this pricing takes: callers' own deadlines must win.
      { PRICING_BATCH_SIZE: '5', PRICING_CONCURRENCY: '2', SEARCH_BUDGET_MS: '1000' },
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
    for await (const r of slow.client.searchItineraries(big, { deadlineMs: 30_000 })) {
      if (r.itinerary && !first) first = Date.now() - started;
      if (r.itinerary) count++;
      if (r.summary) expect(r.summary.partial).toBe(false);
    }
    const last = Date.now() - started;
    expect(count).toBe(100);
    expect(first).toBeLessThan(last / 4);
  });

  it('stops working as soon as the caller cancels', async () => {
    const cancelled = () => metricValue('search_searches_total', { outcome: 'cancelled' });
    const calls = () => metricValue('search_pricing_calls_total');
    const before = { cancelled: await cancelled(), calls: await calls() };
    const controller = new AbortController();
    const err = await (async () => {
      try {
        for await (const r of slow.client.searchItineraries(big, {
          deadlineMs: 30_000,
          signal: controller.signal,
        }))
          if (r.itinerary) controller.abort();
      } catch (e) {
        return errorDetails(e);
      }
    })();
    expect(err?.code).toBe(status.CANCELLED);
    await eventually(async () => (await cancelled()) === before.cancelled + 1);
    const batches = await calls();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await calls()).toBe(batches); // no pricing after the cancel
    expect(batches - before.calls).toBeLessThanOrEqual(4); // of 20
  });

  it('ends before a tight deadline with a partial, well-formed result', async () => {
    // Pricing all of it would take ~4 s; the caller gives it 3. Had search overrun, grpc-js would
    // end the call DEADLINE_EXCEEDED and collect would throw: a summary means it ended in time.
    const { itineraries, summary } = await collect(slow, big, 3_000);
    expect(summary.partial).toBe(true);
    expect(summary.note).toMatch(/time ran out while pricing: \d+ itineraries sent unpriced/);
    // What was priced in time comes priced, the rest of what was found unpriced.
    const priced = itineraries.filter((i) => i.priceStatus === PriceStatus.PRICE_STATUS_PRICED);
    expect(priced.length).toBeGreaterThan(0);
    expect(itineraries.length).toBe(100);
  });

  it('streams unpriced itineraries when pricing takes longer than its time limit', async () => {
    const failuresBefore = await metricValue('search_pricing_failures_total');
    const impatient = await startSearch(
      { schedule: schedule.address, pricing: proxy.address },
      { PRICING_TIMEOUT_MS: '150', SEARCH_DAYS: '6' },
    );
    try {
      const started = Date.now();
      const { itineraries, summary } = await collect(impatient, query(), 10_000);
      // Not waiting for pricing (400 ms a batch): well before the caller's 10 s.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(itineraries.length).toBeGreaterThan(10);
      for (const i of itineraries) {
        expect(i.priceStatus).toBe(PriceStatus.PRICE_STATUS_UNPRICED);
        expect(i.price).toBeUndefined();
      }
      expect(summary.partial).toBe(false);
      expect(summary.note).toMatch(/prices unavailable/);
      expect(await metricValue('search_pricing_failures_total')).toBeGreaterThan(failuresBefore);
    } finally {
      await impatient.stop();
    }
  });

  it('streams unpriced itineraries when pricing is down', async () => {
    const gone = await startSearch(
      { schedule: schedule.address, pricing: `127.0.0.1:${await freePort()}` },
      { SEARCH_DAYS: '6' },
    );
    try {
      const { itineraries, summary } = await collect(gone, query());
      expect(itineraries.length).toBeGreaterThan(10);
      expect(
        itineraries.every((i) => i.priceStatus === PriceStatus.PRICE_STATUS_UNPRICED && !i.price),
      ).toBe(true);
      expect(summary.partial).toBe(false);
      expect(summary.note).toMatch(/prices unavailable/);
    } finally {
      await gone.stop();
    }
  });
});
