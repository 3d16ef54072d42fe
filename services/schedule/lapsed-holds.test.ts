import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { HoldStatus } from '../../gen/ts/flights/v1/schedule.js';
import {
  TEST_START_DATE,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A hold past its expiry that nothing has expired yet (the sweep is an hour away here): reads
// count its seats as free without writing, and a hold that needs them expires it first.
describe.each(['postgres', 'embedded'] as const)(
  'a lapsed hold before the sweep (%s store)',
  (store) => {
    let s: ScheduleFixture;
    let flightId: string;
    beforeAll(async () => {
      s = await startSchedule(store, { HOLD_SWEEP_MS: '3600000' });
      for await (const { flight } of s.client.listFlights({
        origin: 'JFK',
        destination: 'LHR',
        fromDate: TEST_START_DATE,
        toDate: '',
        includeCancelled: false,
      })) {
        flightId = flight!.flightId;
        break;
      }
    });
    afterAll(() => s?.stop());

    const economy = async () => {
      const { flights } = await s.client.getAvailability({ flightIds: [flightId] });
      return flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
    };
    const hold = (holdId: string, seats: number, ttlSeconds: number) =>
      s.client.holdSeats({
        holdId,
        items: [{ flightId, cabin: Cabin.CABIN_ECONOMY, seats }],
        ttlSeconds,
      });

    it('counts its seats as available, leaves it HELD, and gives them to a hold that needs them', async () => {
      const before = await economy();
      await hold(`lapsing-${store}`, 4, 1);
      await hold(`lasting-${store}`, 2, 600);
      expect((await economy()).held).toBe(before.held + 6);

      await sleep(1_500);
      const after = await economy();
      expect(after.held).toBe(before.held + 2);
      expect(after.available).toBe(before.available - 2);
      // Only a read: the lapsed hold is still stored HELD (GetHold shows what is stored).
      expect((await s.client.getHold({ holdId: `lapsing-${store}` })).hold!.status).toBe(
        HoldStatus.HOLD_STATUS_HELD,
      );

      // Every seat left, the lapsed hold's included (at most 9 a hold): the last holds can
      // only be made by expiring it, and they are.
      for (let left = after.available, n = 0; left > 0; left -= 9, n++) {
        const made = await hold(`all-${store}-${n}`, Math.min(9, left), 600);
        expect(made.hold!.status).toBe(HoldStatus.HOLD_STATUS_HELD);
      }
      expect((await s.client.getHold({ holdId: `lapsing-${store}` })).hold!.status).toBe(
        HoldStatus.HOLD_STATUS_EXPIRED,
      );
      const full = await economy();
      expect(full.available).toBe(0);
      expect(full.sold + full.held).toBe(full.capacity);
    });
  },
);
