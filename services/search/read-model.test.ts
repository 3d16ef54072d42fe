import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flight } from '../../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { RollingWindow } from '../../flights/calendar.js';
import { createClient } from '../../platform/clients.js';
import { createLogger } from '../../platform/logger.js';
import { startSchedule, type ScheduleFixture } from '../../test/support/schedule.js';
import { schedulePeer } from './peers.js';
import { ScheduleReadModel } from './read-model.js';
import { searchWindow } from './domain/window.js';
import { testDate } from '../../test/support/dates.js';

let schedule: ScheduleFixture;
beforeAll(async () => {
  schedule = await startSchedule('embedded');
});
afterAll(async () => {
  await schedule?.stop();
});

async function eventually(check: () => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('search’s window', () => {
  it('turns five minutes after schedule’s horizon, never before it', () => {
    let now = Date.parse('2026-12-02T12:04:59Z');
    const horizon = new RollingWindow(3, undefined, () => now);
    const window = searchWindow(3, undefined, () => now);
    expect(horizon.current.to).toBe('2026-12-04');
    expect(window.current).toEqual({ from: '2026-12-01', to: '2026-12-03' });
    now += 1_000;
    expect(window.current).toEqual({ from: '2026-12-02', to: '2026-12-04' });
    expect(searchWindow(3, '2026-12-10', () => now).current.from).toBe('2026-12-10');
  });
});

describe('the read model when the day turns', () => {
  it('moves its window on a day without losing a change made while it rebuilds', async () => {
    // The test calendar's days, not literal ones: the schedule served is the real test schedule.
    let now = Date.parse(`${testDate(1)}T11:59:00Z`);
    const client = createClient(ScheduleServiceService, {
      target: `dns:///${schedule.address}`,
      defaultDeadlineMs: 10_000,
    });
    const model = new ScheduleReadModel(schedulePeer(client), {
      window: new RollingWindow(3, undefined, () => now),
      readyDays: 3,
      chunkDays: 1,
      feedIdleMs: 30_000,
      rollCheckMs: 20,
      log: createLogger('test', 'silent'),
    });
    const flightsOn = async (date: string) => {
      const out: Flight[] = [];
      for await (const r of client.listFlights({
        origin: 'LHR',
        destination: '',
        fromDate: date,
        toDate: date,
        includeCancelled: false,
      }))
        if (r.flight) out.push(r.flight);
      return out;
    };
    const held = (f: Flight) => model.index.get(f.carrierCode, f.flightNumber, f.departureDate);
    try {
      await model.start();
      await model.whenFullyLoaded();
      expect(model.coverage(testDate(0), 0)).toEqual({ state: 'loaded' });
      expect(model.coverage(testDate(3), 0).state).toBe('outside');
      const [leaving] = await flightsOn(testDate(0));
      expect(held(leaving!)).toBeDefined();
      const victims = [...(await flightsOn(testDate(1))), ...(await flightsOn(testDate(3)))];

      // Midnight: the rebuild starts within rollCheckMs; schedule cancels flights all through it.
      now += 60_000;
      const cancelled: Flight[] = [];
      while (model.stats.loads < 2) {
        const f = victims[cancelled.length]!;
        await client.cancelFlight({ flightId: f.flightId, reason: 'test', requestId: f.flightId });
        cancelled.push(f);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(cancelled.length).toBeGreaterThan(3);

      expect([model.from, model.to]).toEqual([testDate(1), testDate(3)]);
      expect(model.coverage(testDate(3), 0)).toEqual({ state: 'loaded' });
      expect(model.coverage(testDate(0), 0).state).toBe('outside');
      expect(held(leaving!)).toBeUndefined();
      // Every cancellation, whenever it fell during the rebuild, is in the new index.
      await eventually(() => cancelled.every((f) => held(f)?.cancelled === true));
      expect(model.index.size).toBeGreaterThan(3 * 1000);
    } finally {
      await model.stop();
      client.close();
    }
  });
});
