/**
 * HoldSeats with `confirm` (issue 16): the seats are held and sold in one transaction, which is
 * what the booking saga asks for. The same guarantees as HoldSeats then ConfirmHold: idempotent
 * by hold id, all or nothing, never oversold, refused after a release (tombstone), given back by
 * ReleaseSeats. Both stores.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { HoldStatus } from '../../gen/ts/flights/v1/schedule.js';
import { errorDetails } from '../../platform/errors.js';
import {
  failure,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';

describe.each<StoreKind>(['postgres', 'embedded'])('HoldSeats with confirm (%s store)', (store) => {
  let s: ScheduleFixture;
  const flights: string[] = [];

  beforeAll(async () => {
    s = await startSchedule(store);
    for await (const r of s.client.listFlights({
      origin: 'LHR',
      destination: 'JFK',
      fromDate: '2026-12-02',
      toDate: '2026-12-12',
      includeCancelled: false,
    }))
      flights.push(r.flight!.flightId);
  });
  afterAll(() => s?.stop());

  /** A distinct flight for each test, so tests do not share seats. */
  const aFlight = () => {
    const f = flights.shift();
    if (!f) throw new Error('ran out of LHR-JFK flights for tests');
    return f;
  };
  const economy = async (flightId: string) => {
    const { flights: found } = await s.client.getAvailability({ flightIds: [flightId] });
    return found[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
  };
  const sell = (holdId: string, flightId: string, seats: number, confirm = true) =>
    s.client.holdSeats({
      holdId,
      items: [{ flightId, cabin: Cabin.CABIN_ECONOMY, seats }],
      ttlSeconds: 600,
      confirm,
    });

  it('sells at once, and a retry answers the same sale without selling twice', async () => {
    const flightId = aFlight();
    const before = await economy(flightId);
    const { hold } = await sell('sell-1', flightId, 2);
    expect(hold!.status).toBe(HoldStatus.HOLD_STATUS_CONFIRMED);
    expect(await economy(flightId)).toMatchObject({
      sold: before.sold + 2,
      held: before.held,
      available: before.available - 2,
    });
    expect((await sell('sell-1', flightId, 2)).hold!.status).toBe(HoldStatus.HOLD_STATUS_CONFIRMED);
    expect((await economy(flightId)).sold).toBe(before.sold + 2);
    expect((await s.client.getHold({ holdId: 'sell-1' })).hold!.status).toBe(
      HoldStatus.HOLD_STATUS_CONFIRMED,
    );
  });

  it('confirms a hold of the same id made without confirm', async () => {
    const flightId = aFlight();
    const before = await economy(flightId);
    expect((await sell('sell-2', flightId, 1, false)).hold!.status).toBe(
      HoldStatus.HOLD_STATUS_HELD,
    );
    expect((await economy(flightId)).held).toBe(before.held + 1);
    expect((await sell('sell-2', flightId, 1)).hold!.status).toBe(HoldStatus.HOLD_STATUS_CONFIRMED);
    expect(await economy(flightId)).toMatchObject({ sold: before.sold + 1, held: before.held });
  });

  it('gives sold seats back on ReleaseSeats, and a released id cannot sell (tombstone)', async () => {
    const flightId = aFlight();
    const before = await economy(flightId);
    await sell('sell-3', flightId, 3);
    expect((await s.client.releaseSeats({ holdId: 'sell-3' })).hold!.status).toBe(
      HoldStatus.HOLD_STATUS_RETURNED,
    );
    expect(await economy(flightId)).toMatchObject({ sold: before.sold, held: before.held });

    await s.client.releaseSeats({ holdId: 'sell-late' });
    const late = await failure(sell('sell-late', flightId, 1));
    expect(late.code).toBe(status.FAILED_PRECONDITION);
    expect(late.reason).toBe('HOLD_STATE_CONFLICT');
    expect((await economy(flightId)).sold).toBe(before.sold);
  });

  it('never oversells: concurrent buyers of more seats than there are', async () => {
    const flightId = aFlight();
    const { available } = await economy(flightId);
    const buyers = Math.ceil(available / 4) + 10;
    const answers = await Promise.allSettled(
      Array.from({ length: buyers }, (_, i) => sell(`sell-rush-${i}`, flightId, 4)),
    );
    const sold = answers.filter((a) => a.status === 'fulfilled').length;
    expect(sold).toBe(Math.floor(available / 4));
    const refusals = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason] : []));
    expect(refusals.map((err) => errorDetails(err).reason)).toEqual(refusals.map(() => 'SOLD_OUT'));
    expect(await economy(flightId)).toMatchObject({
      available: available - sold * 4,
      held: 0,
    });
  });
});
