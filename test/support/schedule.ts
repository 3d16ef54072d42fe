import { status } from '@grpc/grpc-js';
import { expect } from 'vitest';
import type { Flight } from '../../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { errorDetails, type ErrorDetails } from '../../platform/errors.js';
import type { scheduleEnv } from '../../services/schedule/service.js';
import { scheduleService } from '../../services/schedule/service.js';
import { TEST_START_DATE } from './dates.js';
import { startTestService, type ServiceFixture, type StoreKind } from './services.js';

/** Day 0 of the test calendar (test/support/dates.ts): schedule's horizon starts there. */
export { TEST_START_DATE };

export type { StoreKind };

export type ScheduleFixture = ServiceFixture<typeof scheduleEnv, typeof ScheduleServiceService>;

/** A real schedule service on an ephemeral port, on a fresh PostgreSQL database or embedded store. */
export function startSchedule(
  store: StoreKind,
  env: Record<string, string> = {},
): Promise<ScheduleFixture> {
  return startTestService(scheduleService, ScheduleServiceService, {
    store,
    env: {
      SCHEDULE_START_DATE: TEST_START_DATE,
      SCHEDULE_DAYS: '30',
      HOLD_SWEEP_MS: '100',
      FEED_POLL_MS: '50',
      ...env,
    },
  });
}

/** Awaits a call that must fail and returns its status and google.rpc details. */
export async function failure(call: Promise<unknown>): Promise<ErrorDetails> {
  const err = await call.then(
    () => {
      throw new Error('expected the call to fail, but it succeeded');
    },
    (e: unknown) => e,
  );
  return errorDetails(err);
}

export function expectInvalidField(details: ErrorDetails, field: string): void {
  expect(details.code).toBe(status.INVALID_ARGUMENT);
  expect(details.reason).toBe('INVALID_FIELD');
  expect(details.fieldViolations.map((v) => v.field)).toContain(field);
}

/**
 * The flights on a route over a span of local departure dates (both ends included; `toDate`
 * empty: to the end of the horizon), as ListFlights gives them, cancelled ones left out.
 */
export async function flightsOn(
  schedule: Pick<ScheduleFixture, 'client'>,
  origin: string,
  destination: string,
  fromDate: string = TEST_START_DATE,
  toDate = '',
): Promise<Flight[]> {
  const flights: Flight[] = [];
  for await (const r of schedule.client.listFlights({
    origin,
    destination,
    fromDate,
    toDate,
    includeCancelled: false,
  }))
    flights.push(r.flight!);
  return flights;
}

/** Ids of the flights on a route over a span of local departure dates (both ends included). */
export async function flightIdsOn(
  schedule: Pick<ScheduleFixture, 'client'>,
  origin: string,
  destination: string,
  fromDate: string,
  toDate: string,
): Promise<string[]> {
  return (await flightsOn(schedule, origin, destination, fromDate, toDate)).map((f) => f.flightId);
}

/** Every message of a server stream, in order, once it has ended. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/**
 * Hands out the flights one at a time, each to one test, so tests do not share seats or feed
 * events; throws when they run out (`route` names them in the message).
 */
export function oneFlightEach(flights: () => Flight[], route: string): () => Flight {
  let next = 0;
  return () => {
    const f = flights()[next++];
    if (!f) throw new Error(`ran out of ${route} flights for tests`);
    return f;
  };
}
