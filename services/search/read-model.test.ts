import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flight } from '../../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { RollingWindow } from '../../flights/calendar.js';
import { createClient } from '../../platform/clients.js';
import { createLogger } from '../../platform/logger.js';
import { startSchedule, type ScheduleFixture } from '../../test/support/schedule.js';
import { schedulePeer, type SchedulePeer } from './peers.js';
import { ScheduleReadModel } from './read-model.js';
import { searchWindow } from './domain/window.js';
import { testDate } from '../../test/support/dates.js';
import { eventually } from '../../test/support/eventually.js';

let schedule: ScheduleFixture;
beforeAll(async () => {
  schedule = await startSchedule('embedded');
});
afterAll(async () => {
  await schedule?.stop();
});

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
    // The rebuild is held after its first page until the test has changed the schedule, so the
    // changes fall inside it however fast the listing is (a timing race otherwise).
    const peer = schedulePeer(client);
    let rebuilding = false;
    let rebuildStarted!: () => void;
    const started = new Promise<void>((r) => (rebuildStarted = r));
    let letRebuildGoOn!: () => void;
    const gate = new Promise<void>((r) => (letRebuildGoOn = r));
    const heldPeer: SchedulePeer = {
      watchSchedule: (cursor, signal) => peer.watchSchedule(cursor, signal),
      async *listFlights(fromDate, toDate, signal) {
        let first = true;
        for await (const page of peer.listFlights(fromDate, toDate, signal)) {
          yield page;
          if (rebuilding && first) {
            rebuildStarted();
            await gate;
          }
          first = false;
        }
      },
    };
    const model = new ScheduleReadModel(heldPeer, {
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
      // Flights on the day kept and on the day the window gains.
      const victims = [
        ...(await flightsOn(testDate(1))).slice(0, 3),
        ...(await flightsOn(testDate(3))).slice(0, 3),
      ];

      // Midnight: the rebuild starts within rollCheckMs; schedule cancels flights in the middle
      // of it (after its first page, before the rest).
      rebuilding = true;
      now += 60_000;
      await started;
      const cancelled = victims;
      for (const f of cancelled)
        await client.cancelFlight({ flightId: f.flightId, reason: 'test', requestId: f.flightId });
      expect(model.stats.loads).toBe(1);
      letRebuildGoOn();
      await eventually(() => model.stats.loads >= 2);

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
