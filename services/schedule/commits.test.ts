/**
 * Feeds wake on this process's commits (commits.ts): on the embedded store, where nobody else
 * writes, a schedule polls only for heartbeats, so a change must reach a watcher through the
 * wake or not for a minute. And a commit between a follower's read and its wait is not lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import {
  TEST_START_DATE,
  collect,
  flightsOn,
  flightIdsOn,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';
import { Commits, nextLook } from './commits.js';

describe('Commits', () => {
  it('returns at once when a commit came after the count was read (no lost wake-up)', async () => {
    const commits = new Commits();
    const seen = commits.count;
    commits.notify();
    const started = Date.now();
    await commits.after(seen, 60_000, new AbortController().signal);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(commits.count).toBe(seen + 1);
  });

  it('wakes a waiter on the next commit, and ends on abort', async () => {
    const commits = new Commits();
    const waiting = commits.after(commits.count, 60_000, new AbortController().signal);
    commits.notify();
    await waiting;
    const controller = new AbortController();
    const aborted = commits.after(commits.count, 60_000, controller.signal);
    controller.abort();
    await aborted;
  });

  it('looks again at the poll, or sooner when a heartbeat is due', () => {
    const now = Date.now();
    expect(nextLook({ pollMs: 500, heartbeatMs: 10_000 }, now)).toBeLessThanOrEqual(500);
    expect(nextLook({ pollMs: 10_000, heartbeatMs: 100 }, now)).toBeLessThanOrEqual(100);
    expect(nextLook({ pollMs: 10_000, heartbeatMs: 100 }, now - 5_000)).toBe(1);
  });
});

describe('feeds on the embedded store (nobody else writes it)', () => {
  let s: ScheduleFixture;
  beforeAll(async () => {
    // Heartbeats, and so the feeds' only polls, a minute apart: what arrives came by the wake.
    s = await startSchedule('embedded', { FEED_HEARTBEAT_MS: '60000', FEED_POLL_MS: '60000' });
  });
  afterAll(() => s?.stop());

  it('sends a seat change and a retime to watchers as they commit', async () => {
    const [flight] = await flightIdsOn(s, 'JFK', 'LHR', TEST_START_DATE, TEST_START_DATE);
    const controller = new AbortController();
    const seats = (async () => {
      for await (const m of s.client.watchAvailability(
        { cursor: '', heartbeatMs: 0 },
        { signal: controller.signal, deadlineMs: 20_000 },
      ))
        if (m.changes.some((c) => c.flightId === flight && c.seats?.held === 2)) return true;
      return false;
    })();
    const changes = (async () => {
      for await (const m of s.client.watchSchedule(
        { cursor: '' },
        { signal: controller.signal, deadlineMs: 20_000 },
      ))
        if (m.event?.flight?.flightId === flight) return true;
      return false;
    })();
    // Both watches have begun once their first message came; give them that moment.
    await new Promise((r) => setTimeout(r, 300));
    await s.client.holdSeats({
      holdId: 'wake-1',
      items: [{ flightId: flight!, cabin: Cabin.CABIN_ECONOMY, seats: 2 }],
      ttlSeconds: 0,
    });
    const [f] = (await flightsOn(s, 'JFK', 'LHR', TEST_START_DATE, TEST_START_DATE)).filter(
      (x) => x.flightId === flight,
    );
    await s.client.retimeFlight({
      flightId: flight!,
      newDepartureTime: new Date(f!.departureTime!.getTime() + 20 * 60_000),
      reason: 'wake',
      requestId: 'wake-retime',
    });
    // Well inside the minute a poll would take (the calls' 20 s deadlines bound it).
    expect(await seats).toBe(true);
    expect(await changes).toBe(true);
    controller.abort();
  });

  it('sends a backlog longer than one read (500 events) to a watcher from the start, without waiting for a poll', async () => {
    const [, flight] = await flightsOn(s, 'JFK', 'LHR', TEST_START_DATE, TEST_START_DATE);
    // 520 real changes: the flight moved back and forth by 10 minutes.
    for (let i = 0; i < 520; i++)
      await s.client.retimeFlight({
        flightId: flight!.flightId,
        newDepartureTime: new Date(flight!.departureTime!.getTime() + (i % 2 ? 10 : 20) * 60_000),
        reason: 'backlog',
        requestId: `backlog-${i}`,
      });
    const head = (
      await collect(
        s.client.listFlights({
          origin: 'JFK',
          destination: 'LHR',
          fromDate: TEST_START_DATE,
          toDate: TEST_START_DATE,
          includeCancelled: true,
        }),
      )
    )[0]!.cursor;
    let events = 0;
    for await (const m of s.client.watchSchedule({ cursor: '0' }, { deadlineMs: 20_000 })) {
      if (m.event) events++;
      if (m.cursor === head) break;
    }
    expect(events).toBe(Number(head));
  });
});
