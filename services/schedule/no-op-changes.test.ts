/**
 * Retimes and cancellations at their edges, over gRPC against a real schedule service:
 * - a change that changes nothing (a retime to the time the flight already departs, a
 *   cancellation of a cancelled flight) answers with the flight as it is, with no change-feed
 *   event and no new version, and still spends its request id: a retry of it later changes
 *   nothing, and the id used again for another change is refused (a newcomer's retry moved a
 *   flight back after another operator had moved it on);
 * - a flight retimed back to its timetabled departure is SCHEDULED again;
 * - a new departure in the past is refused, naming the field.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightStatus, type Flight } from '../../gen/ts/flights/v1/common.js';
import type { WatchScheduleResponse } from '../../gen/ts/flights/v1/schedule.js';
import {
  flightsOn,
  oneFlightEach,
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';

const MINUTE = 60_000;
const later = (f: Flight, minutes: number) =>
  new Date(f.departureTime!.getTime() + minutes * MINUTE);

/** Every change-feed event from now on, until `stop` is called. */
function watch(s: ScheduleFixture) {
  const controller = new AbortController();
  const events: WatchScheduleResponse[] = [];
  let started = false;
  const done = (async () => {
    for await (const m of s.client.watchSchedule(
      { cursor: '' },
      { signal: controller.signal, deadlineMs: 60_000 },
    )) {
      started = true;
      if (m.event) events.push(m);
    }
  })().catch(() => undefined);
  return {
    events,
    /** Resolves once the feed's first message (a heartbeat with the cursor) has come. */
    async ready() {
      while (!started) await new Promise((r) => setTimeout(r, 20));
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

describe.each<StoreKind>(['postgres', 'embedded'])(
  'retimes and cancellations (%s store)',
  (store) => {
    let s: ScheduleFixture;
    let flights: Flight[];
    beforeAll(async () => {
      s = await startSchedule(store);
      // Flights of their own: the other schedule tests use JFK→LHR.
      flights = await flightsOn(s, 'LHR', 'JFK');
    });
    afterAll(() => s?.stop());

    const aFlight = oneFlightEach(() => flights, 'LHR-JFK');
    const retime = (f: Flight, departure: Date, requestId: string, reason = 'ops') =>
      s.client.retimeFlight({
        flightId: f.flightId,
        newDepartureTime: departure,
        reason,
        requestId,
      });
    const cancel = (f: Flight, requestId: string, reason = 'weather') =>
      s.client.cancelFlight({ flightId: f.flightId, reason, requestId });

    it('answers a change that changes nothing with the flight as it is: no event, no new version', async () => {
      const [same, gone, moved] = [aFlight(), aFlight(), aFlight()];
      await cancel(gone, `nc-${store}`);
      const feed = watch(s);
      await feed.ready();
      expect((await retime(same, same.departureTime!, `same-${store}`)).flight).toEqual(same);
      const again = (await cancel(gone, `nc2-${store}`, 'again')).flight!;
      expect(again.status).toBe(FlightStatus.FLIGHT_STATUS_CANCELLED);
      expect(again.version).toBe(2);
      // A real change afterwards is the next event the feed carries.
      await retime(moved, later(moved, 15), `moved-${store}`);
      while (!feed.events.length) await new Promise((r) => setTimeout(r, 20));
      await feed.stop();
      expect(feed.events.map((e) => e.event!.flight!.flightId)).toEqual([moved.flightId]);
    });

    it('spends the request id of a change that changed nothing: a retry changes nothing later, another change under it is refused', async () => {
      const f = aFlight();
      // The newcomer's sequence: a no-op under one id, another operator moves the flight on,
      // then the first request is retried.
      await retime(f, f.departureTime!, `noop-${store}`);
      const movedOn = (await retime(f, later(f, 95), `on-${store}`)).flight!;
      expect(movedOn.version).toBe(2);
      const retried = (await retime(f, f.departureTime!, `noop-${store}`)).flight!;
      expect(retried.departureTime).toEqual(later(f, 95));
      expect(retried.version).toBe(2);
      // The id once more, for another change: refused, and nothing moves.
      const reused = await failure(retime(f, later(f, 30), `noop-${store}`));
      expect(reused.code).toBe(status.ALREADY_EXISTS);
      expect(reused.reason).toBe('IDEMPOTENCY_CONFLICT');
      // And the same for a cancellation that changed nothing.
      const g = aFlight();
      await cancel(g, `cx-${store}`);
      await cancel(g, `cx-again-${store}`, 'again');
      expect((await cancel(g, `cx-again-${store}`, 'again')).flight!.version).toBe(2);
      expect((await failure(cancel(g, `cx-again-${store}`, 'other reason'))).reason).toBe(
        'IDEMPOTENCY_CONFLICT',
      );
    });

    it('answers a retry of an applied retime as it was, even once the flight is cancelled; a cancellation’s id reused for a retime is a conflict', async () => {
      const f = aFlight();
      const moved = (await retime(f, later(f, 25), `then-${store}`)).flight!;
      await cancel(f, `then-cx-${store}`);
      // The retry finds its change applied: answered with the flight as it is now, not refused
      // as if it had failed because the flight is cancelled since.
      const retried = (await retime(f, later(f, 25), `then-${store}`)).flight!;
      expect(retried.status).toBe(FlightStatus.FLIGHT_STATUS_CANCELLED);
      expect(retried.version).toBe(moved.version + 1);
      const reused = await failure(retime(f, later(f, 25), `then-cx-${store}`));
      expect(reused.reason).toBe('IDEMPOTENCY_CONFLICT');
      // A new retime of the cancelled flight is still refused as such.
      expect((await failure(retime(f, later(f, 35), `new-${store}`))).reason).toBe(
        'FLIGHT_CANCELLED',
      );
    });

    it('calls a flight retimed back to its timetabled departure SCHEDULED, at the version that change made', async () => {
      const f = aFlight();
      const feed = watch(s);
      await feed.ready();
      const away = (await retime(f, later(f, 40), `away-${store}`)).flight!;
      expect(away.status).toBe(FlightStatus.FLIGHT_STATUS_RETIMED);
      const back = (await retime(f, f.departureTime!, `back-${store}`)).flight!;
      expect(back.status).toBe(FlightStatus.FLIGHT_STATUS_SCHEDULED);
      expect(back.departureTime).toEqual(f.departureTime);
      expect(back.version).toBe(3);
      while (feed.events.length < 2) await new Promise((r) => setTimeout(r, 20));
      await feed.stop();
      // Followers see the move back as a change, with the flight on time again.
      const last = feed.events.at(-1)!.event!;
      expect(last.flight!.flightId).toBe(f.flightId);
      expect(last.flight!.status).toBe(FlightStatus.FLIGHT_STATUS_SCHEDULED);
      const { flight } = await s.client.getFlight({ flightId: f.flightId });
      expect(flight!.status).toBe(FlightStatus.FLIGHT_STATUS_SCHEDULED);
    });
  },
);

describe('a retime into the past', () => {
  let s: ScheduleFixture;
  const today = new Date().toISOString().slice(0, 10);
  beforeAll(async () => {
    // Today's flights, so that a time before now is within the 72 hours a retime may move one.
    s = await startSchedule('postgres', { SCHEDULE_START_DATE: today, SCHEDULE_DAYS: '2' });
  });
  afterAll(() => s?.stop());

  it('is INVALID_ARGUMENT naming new_departure_time, and moves nothing', async () => {
    const [f] = await flightsOn(s, 'LHR', 'JFK', today);
    const anHourAgo = new Date(Math.floor((Date.now() - 60 * MINUTE) / MINUTE) * MINUTE);
    const refused = await failure(
      s.client.retimeFlight({
        flightId: f!.flightId,
        newDepartureTime: anHourAgo,
        reason: 'ops',
        requestId: 'into-the-past',
      }),
    );
    expectInvalidField(refused, 'new_departure_time');
    expect(refused.fieldViolations[0]!.description).toBe('must not be in the past');
    expect((await s.client.getFlight({ flightId: f!.flightId })).flight!.version).toBe(1);
  });
});
