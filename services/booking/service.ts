import { z } from 'zod';
import { BookingServiceService } from '../../gen/ts/flights/v1/booking.js';
import { FLIGHT_MESH, type ServiceName } from '../../flights/mesh.js';
import { sessionLimits, sessionLimitsEnv } from '../../platform/db.js';
import { salesEnv } from '../../flights/sales.js';
import { PageTokens } from '../../platform/page-tokens.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { BookingStore } from './booking-store.js';
import { bookingHandlers } from './handlers.js';
import { migrations } from './migrations.js';
import { bookingPeers } from './peers.js';
import { BookingSaga } from './saga.js';

export const bookingEnv = {
  /**
   * How long a saga runner owns a booking without renewing (a heartbeat renews it every third):
   * another instance takes a dead or paused runner's saga over within about this plus
   * RECOVERY_INTERVAL_MS.
   */
  SAGA_LEASE_MS: z.coerce.number().int().min(100).default(1_500),
  /** How often to look for sagas nobody runs (runner died, or a retry is due). */
  RECOVERY_INTERVAL_MS: z.coerce.number().int().min(50).default(250),
  /** Transient failures are retried this long at most (and never past the quote's expiry). */
  SAGA_RETRY_LIMIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /** First and longest wait between retries of a saga step after a transient failure. */
  SAGA_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(200),
  SAGA_RETRY_MAX_MS: z.coerce.number().int().min(10).default(5_000),
  /** Seat holds outlive a slow saga but not a dead one (schedule expires them). */
  HOLD_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** Deadline of calls to pricing and schedule (the caller's deadline wins when sooner). */
  DOWNSTREAM_DEADLINE_MS: z.coerce.number().int().min(50).default(5_000),
  /**
   * Signs ListBookings page tokens; every instance needs the same one. The default makes tokens
   * tamper-evident only: set a secret of your own where clients must not forge them.
   */
  PAGE_TOKEN_SECRET: z.string().min(16).default('flight-mesh booking page tokens'),
  /** Bounds on PostgreSQL sessions and the pool size (platform/db.ts). */
  ...sessionLimitsEnv,
  ...salesEnv,
};

/** The booking service; `now` moves the clock its sales cut-off and timestamps are read on. */
export function createBookingService(
  options: { now?: () => Date } = {},
): ServiceSpec<typeof bookingEnv, ServiceName> {
  const now = options.now ?? (() => new Date());
  return {
    mesh: FLIGHT_MESH,
    name: 'booking',
    env: bookingEnv,
    async start({ config, log, database, client, every }) {
      const store = new BookingStore(
        await database(migrations, sessionLimits(config)),
        config.SAGA_LEASE_MS,
      );
      const peers = bookingPeers(client, {
        deadlineMs: config.DOWNSTREAM_DEADLINE_MS,
        holdTtlSeconds: config.HOLD_TTL_SECONDS,
      });
      const saga = new BookingSaga(
        store,
        peers.schedule,
        config.SAGA_LEASE_MS,
        {
          retryInitialMs: config.SAGA_RETRY_INITIAL_MS,
          retryMaxMs: config.SAGA_RETRY_MAX_MS,
          recoveryConcurrency: 16,
          pollMs: 100,
        },
        now,
        log,
      );
      // The leases of the sagas this instance runs, renewed while it is alive.
      every('saga lease heartbeat', Math.max(50, Math.floor(config.SAGA_LEASE_MS / 3)), () =>
        saga.heartbeat(),
      );
      // At start and then periodically: sagas nobody runs are finished or compensated.
      every('saga recovery', config.RECOVERY_INTERVAL_MS, async () => {
        const recovered = await saga.recover();
        if (recovered > 0) log.info({ recovered }, 'unfinished booking sagas recovered');
      });
      const handlers = bookingHandlers({
        store,
        saga,
        pricing: peers.pricing,
        pageTokens: new PageTokens(config.PAGE_TOKEN_SECRET),
        now,
        salesCutoffMinutes: config.SALES_CUTOFF_MINUTES,
        retryLimitMs: config.SAGA_RETRY_LIMIT_MS,
      });
      return { bindings: [bind(BookingServiceService, handlers)] };
    },
  };
}

export const bookingService = createBookingService();
