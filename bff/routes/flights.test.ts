import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBff, type BffFixture } from '../../test/support/bff.js';
import { startSchedule, type ScheduleFixture } from '../../test/support/schedule.js';
import { inZone, testDate } from '../../test/support/dates.js';

let schedule: ScheduleFixture;
let bff: BffFixture;
let operator: string;
let customer: string;

/** A token like the identity service's: subject and roles, signed with the BFF's key. */
const tokenWith = (sub: string, roles: string[]) =>
  new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(bff.config.JWT_ISSUER)
    .setAudience(bff.config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(bff.config.JWT_SECRET));

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  bff = await startBff({ schedule: schedule.address }, { READ_TIMEOUT_MS: '20000' });
  operator = await tokenWith('olive', ['operator']);
  customer = await tokenWith('alice', ['customer']);
});
afterAll(async () => {
  await bff?.stop();
  await schedule?.stop();
});

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(bff.url + path, {
    method,
    headers: {
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON under test
    json: (await res.json()) as any,
  };
}

const day = async (date = testDate(5)) => {
  const r = await call('GET', `/api/v1/flights?origin=JFK&destination=LHR&date=${date}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.flights as Array<{ flightId: string; status: string; departure: string }>;
};

describe('flights: the operator routes', () => {
  it("lists a day's flights on a route, in departure order, local times with offsets", async () => {
    const flights = await day();
    expect(flights.length).toBeGreaterThan(0);
    expect(flights[0]).toMatchObject({
      origin: 'JFK',
      destination: 'LHR',
      departureDate: testDate(5),
      status: 'scheduled',
      departure: expect.stringMatching(
        new RegExp(`^${testDate(5)}T\\d\\d:\\d\\d:00[-+]\\d\\d:\\d\\d$`),
      ),
    });
    expect(flights[0]!.departure).toBe(inZone(flights[0]!.departure, 'America/New_York'));
    const times = flights.map((f) => Date.parse(f.departure));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('retimes and cancels a flight with the operator role; the day lists the change', async () => {
    const [first, second] = await day(testDate(6));
    const later = new Date(Date.parse(first!.departure) + 90 * 60_000).toISOString();
    const retimed = await call('POST', `/api/v1/flights/${first!.flightId}/retime`, operator, {
      departure: later,
      reason: 'crew rest',
    });
    expect(retimed.status, JSON.stringify(retimed.json)).toBe(200);
    expect(retimed.json.status).toBe('retimed');
    expect(Date.parse(retimed.json.departure)).toBe(Date.parse(later));

    // A reason is read by people: one that shows nothing, or shows reversed, is refused.
    for (const reason of ['\u200B', '\u2800', '\u202Eweather']) {
      const unseen = await call('POST', `/api/v1/flights/${second!.flightId}/cancel`, operator, {
        reason,
      });
      expect(unseen.status, JSON.stringify(reason)).toBe(400);
      expect(unseen.json.errors[0].field).toBe('reason');
    }
    const cancelled = await call('POST', `/api/v1/flights/${second!.flightId}/cancel`, operator, {
      reason: 'weather',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    const after = await day(testDate(6));
    expect(after.find((f) => f.flightId === second!.flightId)?.status).toBe('cancelled');
    // Retiming a cancelled flight is a conflict, in plain words.
    const late = await call('POST', `/api/v1/flights/${second!.flightId}/retime`, operator, {
      departure: later,
      reason: 'try',
    });
    expect(late.status).toBe(409);
    expect(late.json.reason).toBe('FLIGHT_CANCELLED');
    // A timetable is in whole minutes: seconds or fractions are refused, naming the field.
    for (const departure of [
      later.replace(/:00\.000Z$/, ':00.123Z'),
      later.replace(/:00\.000Z$/, ':30.000Z'),
      // Below a millisecond: a Date would drop it, so the text is checked.
      later.replace(/:00\.000Z$/, ':00.0001Z'),
    ]) {
      const odd = await call('POST', `/api/v1/flights/${first!.flightId}/retime`, operator, {
        departure,
        reason: 'seconds',
      });
      expect(odd.status, departure).toBe(400);
      expect(odd.json.errors).toEqual([
        { field: 'departure', detail: 'must be a whole minute (no seconds)' },
      ]);
    }
  });

  it('makes a change once when it is retried with the same Idempotency-Key', async () => {
    const [, , third] = await day(testDate(6));
    const send = (key: string, departure: string) =>
      fetch(`${bff.url}/api/v1/flights/${third!.flightId}/retime`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${operator}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ departure, reason: 'slot' }),
      }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { version: number; reason?: string; errors?: unknown },
      }));
    const at = new Date(Date.parse(third!.departure) + 30 * 60_000).toISOString();
    const once = await send('retime-once', at);
    const again = await send('retime-once', at);
    expect([once.status, again.status]).toEqual([200, 200]);
    expect(again.json.version).toBe(once.json.version);
    // The key used again for another change: refused naming the key, and nothing changes
    // (it answered 200 with the flight as it was).
    const later = new Date(Date.parse(third!.departure) + 45 * 60_000).toISOString();
    const reused = await send('retime-once', later);
    expect(reused.status).toBe(422);
    expect(reused.json).toMatchObject({
      reason: 'IDEMPOTENCY_CONFLICT',
      errors: [{ field: 'idempotency-key', detail: 'was used before for a different request' }],
    });
    const reusedCancel = await fetch(`${bff.url}/api/v1/flights/${third!.flightId}/cancel`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${operator}`,
        'content-type': 'application/json',
        'idempotency-key': 'retime-once',
      },
      body: JSON.stringify({ reason: 'slot' }),
    });
    expect(reusedCancel.status).toBe(422);
    const now = (await day(testDate(6))).find((f) => f.flightId === third!.flightId)!;
    expect(now.status).toBe('retimed');
    expect(Date.parse(now.departure)).toBe(Date.parse(at));
    const noKey = await fetch(`${bff.url}/api/v1/flights/${third!.flightId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x' }),
    });
    expect(noKey.status).toBe(400);
  });

  it('needs a token (401) with the operator role (403) to change anything', async () => {
    const [f] = await day();
    const path = `/api/v1/flights/${f!.flightId}/cancel`;
    const none = await call('POST', path, undefined, { reason: 'x' });
    expect(none.status).toBe(401);
    const notOperator = await call('POST', path, customer, { reason: 'x' });
    expect(notOperator.status).toBe(403);
    expect(notOperator.type).toMatch(/^application\/problem\+json/);
    expect((await day()).find((x) => x.flightId === f!.flightId)?.status).toBe('scheduled');
  });

  it('answers bad input with 400 problem+json naming the field', async () => {
    const [f] = await day();
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/api/v1/flights?origin=JFK&destination=LHR&date=2026-02-30', undefined, 'date'],
      ['GET', `/api/v1/flights?origin=J&destination=LHR&date=${testDate(5)}`, undefined, 'origin'],
      // As search answers it: an airport to itself is a mistake, not an empty day.
      [
        'GET',
        `/api/v1/flights?origin=JFK&destination=JFK&date=${testDate(5)}`,
        undefined,
        'destination',
      ],
      ['POST', '/api/v1/flights/nope/cancel', { reason: 'x' }, 'flightId'],
      ['POST', `/api/v1/flights/${f!.flightId}/cancel`, { reason: ' ' }, 'reason'],
      [
        'POST',
        `/api/v1/flights/${f!.flightId}/retime`,
        { departure: 'soon', reason: 'x' },
        'departure',
      ],
      // Further than the schedule allows (72 hours): the service's field, in this API's name.
      [
        'POST',
        `/api/v1/flights/${f!.flightId}/retime`,
        { departure: `${testDate(19)}T10:00:00Z`, reason: 'x' },
        'departure',
      ],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await call(method, path, operator, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(r.json)}`).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(
        r.json.errors.map((e: { field: string }) => e.field),
        path,
      ).toContain(field);
    }
  });
});
