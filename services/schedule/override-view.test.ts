import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightStatus, type Flight } from '../../gen/ts/flights/v1/common.js';
import {
  TEST_START_DATE,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';

/**
 * Schedule serves retimes and cancellations from memory (OverrideView). These tests run two
 * instances on one PostgreSQL database and check that a change is in the very next read: at once
 * on the instance that made it, and on the other one no later than its next listing.
 */
let a: ScheduleFixture;
let b: ScheduleFixture;
let flights: Flight[];

const listing = async (s: ScheduleFixture) => {
  const out: Flight[] = [];
  for await (const r of s.client.listFlights({
    origin: 'FRA',
    destination: 'SIN',
    fromDate: TEST_START_DATE,
    toDate: '',
    includeCancelled: true,
  }))
    out.push(r.flight!);
  return out;
};

beforeAll(async () => {
  a = await startSchedule('postgres');
  // Polls rarely, so what b sees early can only come from reads that catch up by themselves.
  b = await startSchedule('embedded', {
    DATABASE_URL: a.running.config.DATABASE_URL!,
    FEED_POLL_MS: '600000',
  });
  flights = await listing(a);
  expect(flights.length).toBeGreaterThan(2);
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('retimes and cancellations served from memory', () => {
  it('are in the next read of the instance that made them', async () => {
    const f = flights[0]!;
    const newDeparture = new Date(f.departureTime!.getTime() + 20 * 60_000);
    await a.client.retimeFlight({
      flightId: f.flightId,
      newDepartureTime: newDeparture,
      reason: 'crew',
      requestId: 'view-retime-1',
    });
    const now = (await a.client.getFlight({ flightId: f.flightId })).flight!;
    expect(now.status).toBe(FlightStatus.FLIGHT_STATUS_RETIMED);
    expect(now.departureTime).toEqual(newDeparture);
    expect(now.version).toBe(2);
    const { flights: seats } = await a.client.getAvailability({ flightIds: [f.flightId] });
    expect(seats[0]!.flight!.version).toBe(2);
  });

  it('made through another instance, are in this one’s next listing and every read after it', async () => {
    const f = flights[1]!;
    await a.client.cancelFlight({
      flightId: f.flightId,
      reason: 'weather',
      requestId: 'view-cx-1',
    });
    const listed = (await listing(b)).find((x) => x.flightId === f.flightId)!;
    expect(listed.status).toBe(FlightStatus.FLIGHT_STATUS_CANCELLED);
    expect((await b.client.getFlight({ flightId: f.flightId })).flight!.status).toBe(
      FlightStatus.FLIGHT_STATUS_CANCELLED,
    );
  });

  it('answer a retried change with the flight as the other instance left it', async () => {
    const f = flights[2]!;
    const request = {
      flightId: f.flightId,
      newDepartureTime: new Date(f.departureTime!.getTime() - 15 * 60_000),
      reason: 'slot',
      requestId: 'view-retime-2',
    };
    const first = (await a.client.retimeFlight(request)).flight!;
    const retried = (await b.client.retimeFlight(request)).flight!;
    expect(retried.version).toBe(first.version);
    expect(retried.departureTime).toEqual(request.newDepartureTime);
    expect((await b.client.getFlight({ flightId: f.flightId })).flight!.version).toBe(2);
  });
});
