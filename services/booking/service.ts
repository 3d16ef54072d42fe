import { z } from 'zod';
import { BookingServiceService } from '../../gen/ts/flights/v1/booking.js';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { FLIGHT_MESH } from '../../flights/mesh.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { BookingStore } from './booking-store.js';
import { bookingHandlers } from './handlers.js';
import { migrations } from './migrations.js';
import { BookingSaga } from './saga.js';

export const bookingEnv = {
  /** How long a saga runner owns a booking before recovery may take it over. */
  SAGA_LEASE_MS: z.coerce.number().int().min(100).default(15_000),
  /** How often to look for sagas a crashed runner left unfinished. */
  RECOVERY_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  /** Seat holds outlive a slow saga but not a dead one (schedule expires them). */
  HOLD_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** Deadline of calls to pricing and schedule (the caller's deadline wins when sooner). */
  DOWNSTREAM_DEADLINE_MS: z.coerce.number().int().min(50).default(5_000),
};

export const bookingService: ServiceSpec<typeof bookingEnv> = {
  mesh: FLIGHT_MESH,
  name: 'booking',
  env: bookingEnv,
  async start({ config, log, database, client, onStop }) {
    const store = new BookingStore(await database(migrations), config.SAGA_LEASE_MS);
    const deadlines = { defaultDeadlineMs: config.DOWNSTREAM_DEADLINE_MS };
    const schedule = client('schedule', ScheduleServiceService, deadlines);
    const pricing = client('pricing', PricingServiceService, deadlines);
    const now = () => new Date();
    const saga = new BookingSaga(
      store,
      {
        async holdSeats(holdId, items, parent) {
          const { hold } = await schedule.holdSeats(
            { holdId, items, ttlSeconds: config.HOLD_TTL_SECONDS },
            { parent },
          );
          return hold!.status;
        },
        async confirmHold(holdId, parent) {
          await schedule.confirmHold({ holdId }, { parent });
        },
        // Compensation runs on its own deadline: it must not die with a caller that gave up.
        async releaseSeats(holdId) {
          await schedule.releaseSeats({ holdId });
        },
      },
      now,
      log,
    );

    let recovering: Promise<unknown> | null = null;
    const recover = () => {
      if (recovering) return; // one sweep at a time; the next tick picks up what is left
      recovering = saga
        .recover()
        .then(
          (n) => n > 0 && log.info({ recovered: n }, 'unfinished booking sagas recovered'),
          (err: unknown) => log.warn({ err }, 'saga recovery failed; will retry'),
        )
        .finally(() => (recovering = null));
    };
    recover();
    const timer = setInterval(recover, config.RECOVERY_INTERVAL_MS);
    timer.unref();
    onStop(async () => {
      clearInterval(timer);
      await recovering;
    });

    const handlers = bookingHandlers({
      store,
      saga,
      now,
      confirmQuote: async (quoteId, parent) =>
        (await pricing.confirmQuote({ quoteId }, { parent })).quote!,
    });
    return { bindings: [bind(BookingServiceService, handlers)] };
  },
};
