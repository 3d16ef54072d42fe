import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import type { CabinSeatsChange } from '../../gen/ts/flights/v1/schedule.js';
import pg from 'pg';
import { testDate } from '../../test/support/dates.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import {
  TEST_START_DATE,
  expectInvalidField,
  failure,
  flightIdsOn,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';

/**
 * A watcher of WatchAvailability: every change it has seen (with the cursor of the message that
 * brought it) and the latest cursor, until stop().
 */
function watch(s: ScheduleFixture, cursor: string) {
  const controller = new AbortController();
  const seen: Array<{ change: CabinSeatsChange; cursor: string }> = [];
  const state = { cursor: '', messages: 0 };
  const done = (async () => {
    for await (const m of s.client.watchAvailability(
      { cursor, heartbeatMs: 100 },
      { signal: controller.signal, deadlineMs: 60_000 },
    )) {
      state.messages++;
      state.cursor = m.cursor;
      for (const change of m.changes) seen.push({ change, cursor: m.cursor });
    }
  })().catch(() => undefined);
  return {
    seen,
    state,
    /** Resolves once a change matching `match` has arrived (polls; the test's timeout bounds it). */
    async until(match: (c: CabinSeatsChange) => boolean): Promise<CabinSeatsChange> {
      for (;;) {
        const hit = seen.find((x) => match(x.change));
        if (hit) return hit.change;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** Holds `seats` economy seats of a flight for schedule's default time (ttl 0). */
const holdEconomy = (s: ScheduleFixture, holdId: string, flightId: string, seats: number) =>
  s.client.holdSeats({
    holdId,
    items: [{ flightId, cabin: Cabin.CABIN_ECONOMY, seats }],
    ttlSeconds: 0,
  });

const economy = (flightId: string, sold: number, held: number) => (c: CabinSeatsChange) =>
  c.flightId === flightId &&
  c.seats?.cabin === Cabin.CABIN_ECONOMY &&
  c.seats.sold === sold &&
  c.seats.held === held;

describe.each<StoreKind>(['postgres', 'embedded'])(
  'WatchAvailability, the seat feed (%s store)',
  (store) => {
    let s: ScheduleFixture;
    let flights: string[];
    beforeAll(async () => {
      s = await startSchedule(store);
      flights = await flightIdsOn(s, 'JFK', 'LHR', TEST_START_DATE, TEST_START_DATE);
    });
    afterAll(() => s?.stop());

    const hold = (holdId: string, flightId: string, seats: number) =>
      holdEconomy(s, holdId, flightId, seats);

    it('sends each hold, confirmation and release as the cabin’s seats now, and resumes exactly after a cursor', async () => {
      const [a, b] = flights;
      const live = watch(s, '');
      // The first message is a heartbeat at "now".
      while (live.state.messages === 0) await new Promise((r) => setTimeout(r, 20));
      const start = live.state.cursor;
      expect(start).toMatch(/^\d+$/);

      await hold(`sf-a-${store}`, a!, 2);
      const held = await live.until(economy(a!, 0, 2));
      expect(held.seats!.available).toBe(held.seats!.capacity - 2);
      await s.client.confirmHold({ holdId: `sf-a-${store}` });
      await live.until(economy(a!, 2, 0));
      const afterConfirm = live.seen.find((x) => economy(a!, 2, 0)(x.change))!.cursor;

      await hold(`sf-b-${store}`, b!, 3);
      await s.client.releaseHold({ holdId: `sf-b-${store}` });
      await live.until(economy(b!, 0, 0));
      await live.stop();

      // From the start: both cabins, each as it is now (states, not deltas).
      const replay = watch(s, start);
      await replay.until(economy(a!, 2, 0));
      await replay.until(economy(b!, 0, 0));
      await replay.stop();
      expect(replay.seen.some((x) => economy(a!, 0, 2)(x.change))).toBe(false);

      // From after the confirmation: only what changed after it.
      const resumed = watch(s, afterConfirm);
      await resumed.until(economy(b!, 0, 0));
      // One more heartbeat proves the stream caught up without sending flight a again.
      const messages = resumed.state.messages;
      while (resumed.state.messages === messages) await new Promise((r) => setTimeout(r, 20));
      await resumed.stop();
      expect(resumed.seen.filter((x) => x.change.flightId === a)).toEqual([]);
    });

    it('from cursor "0" sends every cabin with seats taken, then says it has caught up (never on its first message)', async () => {
      const [c] = await flightIdsOn(s, 'JFK', 'LHR', testDate(2), testDate(2));
      await hold(`sf-c-${store}`, c!, 4);
      const messages: Array<{ caughtUp: boolean; changes: CabinSeatsChange[] }> = [];
      for await (const m of s.client.watchAvailability(
        { cursor: '0', heartbeatMs: 100 },
        { deadlineMs: 10_000 },
      )) {
        messages.push({ caughtUp: m.caughtUp, changes: m.changes });
        // Until a heartbeat (no changes) after the catch-up: it says caught up too.
        if (messages.some((x) => x.caughtUp) && m.changes.length === 0) break;
      }
      expect(messages[0]).toEqual({ caughtUp: false, changes: [] });
      const upTo = messages.findIndex((x) => x.caughtUp);
      const sentBefore = messages.slice(0, upTo + 1).flatMap((x) => x.changes);
      expect(sentBefore.some(economy(c!, 0, 4))).toBe(true);
      expect(messages.at(-1)).toEqual({ caughtUp: true, changes: [] });
    });

    it('refuses a cursor it never issued (another database) and bad input, naming the field', async () => {
      const ahead = await failure(
        (async () => {
          for await (const m of s.client.watchAvailability({
            cursor: '999999999999',
            heartbeatMs: 0,
          }))
            void m;
        })(),
      );
      expect(ahead.reason).toBe('CURSOR_EXPIRED');
      const drain = async (request: { cursor: string; heartbeatMs: number }) => {
        for await (const m of s.client.watchAvailability(request)) void m;
      };
      expectInvalidField(await failure(drain({ cursor: 'abc', heartbeatMs: 0 })), 'cursor');
      expectInvalidField(await failure(drain({ cursor: '', heartbeatMs: 5 })), 'heartbeat_ms');
    });
  },
);

/** Caught up means "everything committed before the watch began", on a busy cluster too. */
describe('WatchAvailability caught_up under a long transaction (postgres store)', () => {
  let s: ScheduleFixture;
  beforeAll(async () => {
    s = await startSchedule('postgres');
  });
  afterAll(() => s?.stop());

  it('says caught up only once what committed before the watch began has been sent, not at the end of a poll held back by a long transaction', async () => {
    // A transaction elsewhere in the cluster, open throughout: it holds every snapshot's
    // xmin below the hold below, so polls cannot send that hold until it ends.
    const other = await createTestDatabase('seat_feed_xmin');
    const long = new pg.Client({ connectionString: other.url });
    await long.connect();
    try {
      await long.query('BEGIN');
      await long.query('SELECT pg_current_xact_id()');
      const [d] = await flightIdsOn(s, 'JFK', 'LHR', testDate(3), testDate(3));
      await holdEconomy(s, 'sf-d-xmin', d!, 3);
      const messages: Array<{ caughtUp: boolean; changes: CabinSeatsChange[] }> = [];
      const controller = new AbortController();
      const reading = (async () => {
        for await (const m of s.client.watchAvailability(
          { cursor: '0', heartbeatMs: 100 },
          { signal: controller.signal, deadlineMs: 30_000 },
        ))
          messages.push({ caughtUp: m.caughtUp, changes: m.changes });
      })().catch(() => undefined);
      // Several polls and heartbeats while the long transaction is open: never caught up.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(messages.length).toBeGreaterThan(2);
      expect(messages.some((m) => m.caughtUp)).toBe(false);
      await long.query('COMMIT');
      await expect
        .poll(() => messages.findIndex((m) => m.caughtUp), { timeout: 10_000, interval: 20 })
        .toBeGreaterThan(0);
      const upTo = messages.findIndex((m) => m.caughtUp);
      const sentBefore = messages.slice(0, upTo + 1).flatMap((m) => m.changes);
      expect(sentBefore.some(economy(d!, 0, 3))).toBe(true);
      controller.abort();
      await reading;
    } finally {
      await long.end();
      await other.drop();
    }
  });
});
