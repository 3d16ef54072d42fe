import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin, FlightStatus, type Flight } from '../../gen/ts/flights/v1/common.js';
import {
  HoldStatus,
  ScheduleEventType,
  type WatchScheduleResponse,
} from '../../gen/ts/flights/v1/schedule.js';
import {
  TEST_START_DATE,
  collect,
  flightsOn,
  oneFlightEach,
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';
import { inZone, testDate } from '../../test/support/dates.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<StoreKind>(['postgres', 'embedded'])(
  'schedule service over gRPC (%s store)',
  (store) => {
    let s: ScheduleFixture;
    let jfkLhr: Flight[];

    beforeAll(async () => {
      s = await startSchedule(store);
      jfkLhr = await flightsOn(s, 'JFK', 'LHR');
    });
    afterAll(() => s?.stop());

    /** A distinct flight for each test, so tests do not share seats or feed events. */
    const aFlight = oneFlightEach(() => jfkLhr, 'JFK-LHR');
    const economy = async (flightId: string) => {
      const { flights } = await s.client.getAvailability({ flightIds: [flightId] });
      return flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
    };
    const hold = (holdId: string, flightId: string, seats: number, ttlSeconds = 0) =>
      s.client.holdSeats({
        holdId,
        items: [{ flightId, cabin: Cabin.CABIN_ECONOMY, seats }],
        ttlSeconds,
      });

    it('lists real airports and flights with local times and time zones', async () => {
      const { airports } = await s.client.listAirports({
        query: 'lon',
        pageSize: 50,
        pageToken: '',
      });
      expect(airports.map((a) => a.iataCode)).toContain('LHR');
      const lhr = (await s.client.getAirport({ iataCode: 'lhr' })).airport!;
      expect(lhr.timeZone).toBe('Europe/London');

      expect(jfkLhr.length).toBeGreaterThan(0);
      for (const f of jfkLhr) {
        expect(f.departureDate).toBe(TEST_START_DATE);
        expect(f.departureLocal).toMatch(
          new RegExp(`^${TEST_START_DATE}T\\d\\d:\\d\\d:00[-+]\\d\\d:\\d\\d$`),
        );
        expect(f.departureLocal).toBe(inZone(f.departureLocal, 'America/New_York'));
        expect(f.arrivalLocal).toBe(inZone(f.arrivalLocal, 'Europe/London'));
        expect(f.arrivalTime!.getTime() - f.departureTime!.getTime()).toBe(
          f.durationMinutes * 60_000,
        );
        expect(f.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)?.capacity).toBeGreaterThan(0);
      }
      const one = (await s.client.getFlight({ flightId: jfkLhr[0]!.flightId })).flight!;
      expect(one).toEqual(jfkLhr[0]);
    });

    it('lets exactly the available seats be held when 200 buyers race for the last 10', async () => {
      const flight = aFlight();
      let available = (await economy(flight.flightId)).available;
      // Fill the cabin until 10 seats are left (a hold takes at most 9 seats).
      for (let i = 0; available > 10; i++) {
        await hold(`fill-${store}-${i}`, flight.flightId, Math.min(9, available - 10));
        available = (await economy(flight.flightId)).available;
      }
      expect(available).toBe(10);

      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => hold(`race-${store}-${i}`, flight.flightId, 1)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(10);
      for (const r of results) {
        if (r.status === 'rejected') {
          const d = await failure(Promise.reject(r.reason));
          expect(d.code).toBe(status.FAILED_PRECONDITION);
          expect(d.reason).toBe('SOLD_OUT');
          expect(d.metadata.flight_id).toBe(flight.flightId);
        }
      }
      const after = await economy(flight.flightId);
      expect(after.available).toBe(0);
      expect(after.sold + after.held).toBe(after.capacity);
    });

    it('gives the seats of an expired hold back and refuses to confirm it', async () => {
      const flight = aFlight();
      const before = await economy(flight.flightId);
      const { hold: h } = await hold(`expiring-${store}`, flight.flightId, 3, 1);
      expect(h!.status).toBe(HoldStatus.HOLD_STATUS_HELD);
      expect((await economy(flight.flightId)).held).toBe(before.held + 3);

      await sleep(1_500);
      expect((await economy(flight.flightId)).held).toBe(before.held);
      expect((await s.client.getHold({ holdId: `expiring-${store}` })).hold!.status).toBe(
        HoldStatus.HOLD_STATUS_EXPIRED,
      );
      const d = await failure(s.client.confirmHold({ holdId: `expiring-${store}` }));
      expect(d.code).toBe(status.FAILED_PRECONDITION);
      expect(d.reason).toBe('HOLD_EXPIRED');
    });

    it('expires a hold nobody touches on its own, by the background sweep', async () => {
      const flight = aFlight();
      const holdId = `swept-${store}`;
      const before = await economy(flight.flightId);
      await hold(holdId, flight.flightId, 2, 1);
      // GetHold only reads: a hold it shows EXPIRED was expired by the sweep, not by this call.
      let status = (await s.client.getHold({ holdId })).hold!.status;
      while (status === HoldStatus.HOLD_STATUS_HELD) {
        await sleep(100);
        status = (await s.client.getHold({ holdId })).hold!.status;
      }
      expect(status).toBe(HoldStatus.HOLD_STATUS_EXPIRED);
      expect((await economy(flight.flightId)).held).toBe(before.held);
    });

    it('does not take seats twice for a retried hold, and rejects a reused id with other items', async () => {
      const flight = aFlight();
      const before = await economy(flight.flightId);
      const tries = await Promise.all(
        Array.from({ length: 5 }, () => hold(`retried-${store}`, flight.flightId, 2)),
      );
      expect(new Set(tries.map((t) => t.hold!.holdId)).size).toBe(1);
      expect((await economy(flight.flightId)).held).toBe(before.held + 2);

      const d = await failure(hold(`retried-${store}`, flight.flightId, 4));
      expect(d.code).toBe(status.FAILED_PRECONDITION);
      expect(d.reason).toBe('IDEMPOTENCY_CONFLICT');
      expect((await economy(flight.flightId)).held).toBe(before.held + 2);
    });

    it('confirms, returns and releases seats idempotently', async () => {
      const flight = aFlight();
      const before = await economy(flight.flightId);
      await hold(`sold-${store}`, flight.flightId, 2);
      for (let i = 0; i < 2; i++) {
        expect((await s.client.confirmHold({ holdId: `sold-${store}` })).hold!.status).toBe(
          HoldStatus.HOLD_STATUS_CONFIRMED,
        );
      }
      let seats = await economy(flight.flightId);
      expect([seats.sold, seats.held]).toEqual([before.sold + 2, before.held]);

      const conflict = await failure(s.client.releaseHold({ holdId: `sold-${store}` }));
      expect(conflict.reason).toBe('HOLD_STATE_CONFLICT');
      for (let i = 0; i < 2; i++) {
        expect((await s.client.releaseSeats({ holdId: `sold-${store}` })).hold!.status).toBe(
          HoldStatus.HOLD_STATUS_RETURNED,
        );
      }
      seats = await economy(flight.flightId);
      expect(seats.sold).toBe(before.sold);

      await hold(`released-${store}`, flight.flightId, 1);
      for (let i = 0; i < 2; i++) {
        expect((await s.client.releaseHold({ holdId: `released-${store}` })).hold!.status).toBe(
          HoldStatus.HOLD_STATUS_RELEASED,
        );
      }
      expect((await economy(flight.flightId)).held).toBe(before.held);
      expect((await failure(s.client.getHold({ holdId: 'never-made' }))).code).toBe(
        status.NOT_FOUND,
      );
    });

    it('resumes the change feed exactly after a cursor', async () => {
      const [a, b, c] = [aFlight(), aFlight(), aFlight()];
      const controller = new AbortController();
      const live: WatchScheduleResponse[] = [];
      const watching = (async () => {
        for await (const m of s.client.watchSchedule(
          { cursor: '' },
          { signal: controller.signal, deadlineMs: 60_000 },
        )) {
          live.push(m);
          if (live.filter((x) => x.event).length === 2) break;
        }
      })();
      // The first message is a heartbeat with the starting cursor.
      while (live.length === 0) await sleep(20);
      const start = live[0]!.cursor;

      const newDeparture = new Date(a.departureTime!.getTime() + 45 * 60_000);
      const retimed = (
        await s.client.retimeFlight({
          flightId: a.flightId,
          newDepartureTime: newDeparture,
          reason: 'crew',
          requestId: `rt-${store}`,
        })
      ).flight!;
      expect(retimed.status).toBe(FlightStatus.FLIGHT_STATUS_RETIMED);
      expect(retimed.departureTime).toEqual(newDeparture);
      expect(retimed.version).toBe(2);
      // A retried operator request changes nothing more.
      await s.client.retimeFlight({
        flightId: a.flightId,
        newDepartureTime: newDeparture,
        reason: 'crew',
        requestId: `rt-${store}`,
      });
      await s.client.cancelFlight({
        flightId: b.flightId,
        reason: 'weather',
        requestId: `cx-${store}`,
      });
      await watching;
      controller.abort();

      const events = live.filter((m) => m.event);
      expect(events.map((m) => [m.event!.type, m.event!.flight!.flightId])).toEqual([
        [ScheduleEventType.SCHEDULE_EVENT_TYPE_RETIMED, a.flightId],
        [ScheduleEventType.SCHEDULE_EVENT_TYPE_CANCELLED, b.flightId],
      ]);

      await s.client.retimeFlight({
        flightId: c.flightId,
        newDepartureTime: new Date(c.departureTime!.getTime() - 30 * 60_000),
        reason: 'slot',
        requestId: `rt2-${store}`,
      });

      const resumeFrom = async (cursor: string, want: number) => {
        const got: WatchScheduleResponse[] = [];
        const ctl = new AbortController();
        for await (const m of s.client.watchSchedule(
          { cursor },
          { signal: ctl.signal, deadlineMs: 30_000 },
        )) {
          if (m.event) got.push(m);
          if (got.length === want) break;
        }
        ctl.abort();
        return got.map((m) => m.event!.flight!.flightId);
      };
      expect(await resumeFrom(start, 3)).toEqual([a.flightId, b.flightId, c.flightId]);
      expect(await resumeFrom(events[0]!.cursor, 2)).toEqual([b.flightId, c.flightId]);
      expect(await resumeFrom(events[1]!.cursor, 1)).toEqual([c.flightId]);

      // A cancelled flight takes no holds and is left out of listings unless asked for.
      expect((await failure(hold(`on-cancelled-${store}`, b.flightId, 1))).reason).toBe(
        'FLIGHT_CANCELLED',
      );
      const listed = await collect(
        s.client.listFlights({
          origin: 'JFK',
          destination: 'LHR',
          fromDate: TEST_START_DATE,
          toDate: '',
          includeCancelled: false,
        }),
      );
      expect(listed.map((r) => r.flight!.flightId)).not.toContain(b.flightId);
      expect(listed.find((r) => r.flight!.flightId === a.flightId)!.flight!.departureTime).toEqual(
        newDeparture,
      );
      expect(Number(listed[0]!.cursor)).toBeGreaterThanOrEqual(Number(events[1]!.cursor));

      const ahead = await failure(collect(s.client.watchSchedule({ cursor: '999999' })));
      expect(ahead.reason).toBe('CURSOR_EXPIRED');
    });

    it('answers bad input with INVALID_ARGUMENT naming the field', async () => {
      expectInvalidField(
        await failure(s.client.getFlight({ flightId: 'not a flight' })),
        'flight_id',
      );
      expectInvalidField(await failure(s.client.getAirport({ iataCode: 'LONDON' })), 'iata_code');
      expectInvalidField(
        await failure(
          collect(
            s.client.listFlights({
              origin: 'JFK',
              destination: '',
              fromDate: '2026-02-30',
              toDate: '',
              includeCancelled: false,
            }),
          ),
        ),
        'from_date',
      );
      expectInvalidField(
        await failure(
          collect(
            s.client.listFlights({
              origin: '',
              destination: '',
              fromDate: testDate(4),
              toDate: testDate(0),
              includeCancelled: false,
            }),
          ),
        ),
        'to_date',
      );
      const f = jfkLhr[0]!.flightId;
      expectInvalidField(
        await failure(
          s.client.holdSeats({
            holdId: 'h',
            items: [{ flightId: f, cabin: Cabin.CABIN_ECONOMY, seats: 0 }],
            ttlSeconds: 0,
          }),
        ),
        'items[0].seats',
      );
      expectInvalidField(
        await failure(
          s.client.holdSeats({
            holdId: 'h',
            items: [{ flightId: f, cabin: Cabin.CABIN_UNSPECIFIED, seats: 1 }],
            ttlSeconds: 0,
          }),
        ),
        'items[0].cabin',
      );
      expectInvalidField(
        await failure(s.client.holdSeats({ holdId: '', items: [], ttlSeconds: 0 })),
        'hold_id',
      );
      expectInvalidField(
        await failure(
          s.client.retimeFlight({
            flightId: f,
            newDepartureTime: undefined,
            reason: '',
            requestId: 'x',
          }),
        ),
        'new_departure_time',
      );
      expectInvalidField(
        await failure(s.client.watchSchedule({ cursor: 'abc' })[Symbol.asyncIterator]().next()),
        'cursor',
      );
      const unknown = await failure(s.client.getFlight({ flightId: `ZZ9999-${testDate(0)}` }));
      expect(unknown.code).toBe(status.NOT_FOUND);
      expect(unknown.reason).toBe('FLIGHT_NOT_FOUND');
      // Nothing stored was lost: the service still answers.
      expect((await s.client.getFlight({ flightId: f })).flight!.flightId).toBe(f);
    });
  },
);
