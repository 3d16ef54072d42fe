/**
 * A retime or cancellation that changes nothing (a retime to the time the flight already
 * departs, a cancellation of a cancelled flight) answers with the flight as it is: no change-feed
 * event, no new version, so followers (search, pricing) tell nobody of a change that is none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightStatus } from '../../gen/ts/flights/v1/common.js';
import type { WatchScheduleResponse } from '../../gen/ts/flights/v1/schedule.js';
import {
  TEST_START_DATE,
  collect,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';

describe.each<StoreKind>(['postgres', 'embedded'])(
  'changes that change nothing (%s store)',
  (store) => {
    let s: ScheduleFixture;
    beforeAll(async () => {
      s = await startSchedule(store);
    });
    afterAll(() => s?.stop());

    it('answers a change that changes nothing with the flight as it is: no event, no new version', async () => {
      // Flights of their own (the other tests use JFK→LHR up).
      const [same, gone, moved] = (
        await collect(
          s.client.listFlights({
            origin: 'LHR',
            destination: 'JFK',
            fromDate: TEST_START_DATE,
            toDate: '',
            includeCancelled: false,
          }),
        )
      ).map((r) => r.flight!);
      if (!same || !gone || !moved)
        throw new Error('the test schedule has fewer than 3 LHR-JFK flights');
      await s.client.cancelFlight({
        flightId: gone.flightId,
        reason: 'weather',
        requestId: `nc-${store}`,
      });
      const controller = new AbortController();
      const events: WatchScheduleResponse[] = [];
      const watching = (async () => {
        for await (const m of s.client.watchSchedule(
          { cursor: '' },
          { signal: controller.signal, deadlineMs: 60_000 },
        )) {
          if (m.event) events.push(m);
          if (events.some((e) => e.event!.flight!.flightId === moved.flightId)) break;
        }
      })();
      const retimedToSame = (
        await s.client.retimeFlight({
          flightId: same.flightId,
          newDepartureTime: same.departureTime,
          reason: 'no change',
          requestId: `same-${store}`,
        })
      ).flight!;
      expect(retimedToSame).toEqual(same);
      const cancelledAgain = (
        await s.client.cancelFlight({
          flightId: gone.flightId,
          reason: 'again',
          requestId: `nc2-${store}`,
        })
      ).flight!;
      expect(cancelledAgain.status).toBe(FlightStatus.FLIGHT_STATUS_CANCELLED);
      expect(cancelledAgain.version).toBe(2);
      // A real change afterwards is the next event the feed carries.
      await s.client.retimeFlight({
        flightId: moved.flightId,
        newDepartureTime: new Date(moved.departureTime!.getTime() + 15 * 60_000),
        reason: 'slot',
        requestId: `moved-${store}`,
      });
      await watching;
      controller.abort();
      const ids = events.map((e) => e.event!.flight!.flightId);
      expect(ids).toContain(moved.flightId);
      expect(ids).not.toContain(same.flightId);
      // The watch began after the first cancellation: the second one sent nothing.
      expect(ids).not.toContain(gone.flightId);
    });
  },
);
