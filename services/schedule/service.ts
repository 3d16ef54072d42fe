import { z } from 'zod';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { RollingWindow } from '../../flights/calendar.js';
import { fields } from '../../flights/fields.js';
import { FLIGHT_MESH } from '../../flights/mesh.js';
import { sessionLimits, sessionLimitsEnv } from '../../platform/db.js';
import { PageTokens } from '../../platform/page-tokens.js';
import { bind } from '../../platform/server.js';
import type { ServiceSpec } from '../../platform/service.js';
import { Catalog } from './catalog.js';
import { scheduleHandlers } from './handlers.js';
import { ChangeFeedStore } from './change-feed-store.js';
import { HoldStore } from './hold-store.js';
import { InventoryStore } from './inventory-store.js';
import { SeatFeed } from './seat-feed.js';
import { migrations } from './migrations.js';
import { OverrideStore } from './override-store.js';
import { OverrideView } from './override-view.js';

export const scheduleEnv = {
  /** Same seed, same timetable: every machine sees the same flights. */
  SCHEDULE_SEED: z.coerce.number().int().default(1),
  /** small: major hubs, for development; world: every route, for benchmarks. */
  SCHEDULE_SIZE: z.enum(['small', 'world']).default('small'),
  /** First date of a fixed horizon; unset, the horizon starts today (UTC) and rolls daily. */
  SCHEDULE_START_DATE: fields.localDate.optional(),
  /** Length of the horizon: today through the next 60 days by default. */
  SCHEDULE_DAYS: z.coerce.number().int().min(1).max(400).default(61),
  HOLD_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
  HOLD_SWEEP_MS: z.coerce.number().int().min(50).default(1000),
  FEED_POLL_MS: z.coerce.number().int().min(10).default(500),
  FEED_HEARTBEAT_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * Signs ListAirports page tokens; every instance needs the same one. The default makes tokens
   * tamper-evident only: set a secret of your own where clients must not forge them.
   */
  PAGE_TOKEN_SECRET: z.string().min(16).default('flight-mesh schedule page tokens'),
  /**
   * Bounds on PostgreSQL sessions: a frozen instance cannot keep inventory rows locked for more
   * than DB_IDLE_IN_TRANSACTION_TIMEOUT_MS (PostgreSQL ends its transaction), and nobody waits on
   * a lock longer than DB_LOCK_TIMEOUT_MS.
   */
  ...sessionLimitsEnv,
};

export const scheduleService: ServiceSpec<typeof scheduleEnv> = {
  mesh: FLIGHT_MESH,
  name: 'schedule',
  env: scheduleEnv,
  async start({ config, log, database, every }) {
    const started = performance.now();
    const catalog = Catalog.build({
      seed: config.SCHEDULE_SEED,
      size: config.SCHEDULE_SIZE,
      horizon: new RollingWindow(config.SCHEDULE_DAYS, config.SCHEDULE_START_DATE),
    });
    log.info(
      {
        size: config.SCHEDULE_SIZE,
        patterns: catalog.patterns.length,
        airports: catalog.servedAirports.length,
        ...catalog.horizon.current,
        ms: Math.round(performance.now() - started),
      },
      'timetable generated',
    );
    const db = await database(migrations, sessionLimits(config));
    const inventory = new InventoryStore(db, (flightId, cabin) =>
      catalog.capacity(flightId, cabin),
    );
    const holds = new HoldStore(db, inventory);
    const overrideStore = new OverrideStore(db);
    const feed = new ChangeFeedStore(db, overrideStore);
    const overrides = new OverrideView(overrideStore, feed);
    await overrides.load();
    // Who else can write these rows: on the embedded store nobody (this process's own PGlite),
    // so every change is this process's and wakes its feeds at once (commits.ts); the feeds
    // look at the database only to send their heartbeats. An idle schedule polled its store
    // ~12 times a second for nothing (1.8 s of CPU a minute, measured). On PostgreSQL other
    // instances may write: their changes are found within a poll.
    const alone = db.kind === 'embedded';
    const pollMs = alone ? config.FEED_HEARTBEAT_MS : config.FEED_POLL_MS;
    if (!alone) every('override catch-up', pollMs, () => overrides.catchUp());

    // Holds nobody confirms give their seats back on their own.
    every('hold sweep', config.HOLD_SWEEP_MS, async () => {
      const expired = await holds.expireDue(new Date());
      if (expired > 0) log.info({ expired }, 'expired holds released');
    });

    const handlers = scheduleHandlers({
      catalog,
      holds,
      inventory,
      overrides,
      feed,
      pageTokens: new PageTokens(config.PAGE_TOKEN_SECRET),
      now: () => new Date(),
      defaultHoldTtlSeconds: config.HOLD_TTL_SECONDS,
      feedOptions: { pollMs, heartbeatMs: config.FEED_HEARTBEAT_MS, alone },
      seatFeed: new SeatFeed(db, holds.seatMoves),
      seatFeedOptions: { pollMs, heartbeatMs: config.FEED_HEARTBEAT_MS, alone },
    });
    return {
      bindings: [
        bind(ScheduleServiceService, handlers, { feeds: ['watchSchedule', 'watchAvailability'] }),
      ],
    };
  },
};
