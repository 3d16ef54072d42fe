import { startBff, type BffFixture } from './bff.js';
import { startBooking, type BookingFixture } from './booking.js';
import { startPricing, type PricingFixture } from './pricing.js';
import { startSchedule, type ScheduleFixture } from './schedule.js';
import { startSearch, type SearchFixture } from './search.js';

export interface MeshFixture {
  schedule: ScheduleFixture;
  pricing: PricingFixture;
  search: SearchFixture;
  booking: BookingFixture;
  bff: BffFixture;
  /** Stops the BFF, then the services, callers before the called. */
  stop(): Promise<void>;
}

/**
 * The whole mesh in this process, each service real on an ephemeral port with an embedded store,
 * and the real BFF in front. `pricingNow` moves pricing's clock; `bffEnv` adds BFF variables.
 * If one part fails to start, the parts already started are stopped before the error is thrown.
 */
export async function startMesh(
  options: { pricingNow?: () => Date; bffEnv?: Record<string, string> } = {},
): Promise<MeshFixture> {
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const part of started.reverse()) await part.stop();
  };
  const up = async <T extends { stop(): Promise<void> }>(part: Promise<T>) => {
    const running = await part;
    started.push(running);
    return running;
  };
  try {
    const schedule = await up(startSchedule('embedded'));
    const pricing = await up(
      startPricing(schedule.address, { store: 'embedded', now: options.pricingNow }),
    );
    const search = await up(startSearch({ schedule: schedule.address, pricing: pricing.address }));
    const booking = await up(
      startBooking({ schedule: schedule.address, pricing: pricing.address }, { store: 'embedded' }),
    );
    const bff = await up(
      startBff(
        {
          schedule: schedule.address,
          pricing: pricing.address,
          search: search.address,
          booking: booking.address,
        },
        options.bffEnv,
      ),
    );
    return { schedule, pricing, search, booking, bff, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
