import { setTimeout as sleep } from 'node:timers/promises';
import { anySignal } from 'any-signal';
import { retryDelayMs } from '../../platform/backoff.js';
import type { Logger } from '../../platform/logger.js';
import type { AvailabilityCache, FeedName } from './availability-cache.js';
import type { FeedMessage, SchedulePeer } from './peers.js';

export interface AvailabilityFeedsOptions {
  /** Heartbeats asked of the seat feed when nothing changes (ms): below the cache's max lag. */
  seatHeartbeatMs: number;
  /** A feed silent for this long (not even a heartbeat) is dropped and resumed (ms). */
  idleMs: number;
  log: Logger;
}

/** Feed cursors, and how many times each feed was (re)opened, for tests and logs. */
export interface FeedStats {
  cursors: Record<FeedName, string>;
  connects: Record<FeedName, number>;
}

/** Where each feed starts: the seat feed from the inventory's beginning, the change feed from now. */
const START: Record<FeedName, string> = { seats: '0', schedule: '' };

/**
 * Follows schedule's seat feed (WatchAvailability) and change feed (WatchSchedule) into the
 * availability cache, the way search's read model follows the change feed: each from the last
 * cursor it saw (so a schedule restart or another schedule instance on the same database
 * resumes exactly after it), reconnecting with backoff (100 ms … 5 s), dropping a feed silent
 * for `idleMs`, and starting over with an empty cache on CURSOR_EXPIRED. The seat feed starts
 * from cursor "0": every cabin with a seat sold or held first, so the cache holds the whole
 * inventory (availability-cache.ts, hints); the change feed from "now".
 */
export class AvailabilityFeeds {
  readonly stats: FeedStats = {
    cursors: { ...START },
    connects: { seats: 0, schedule: 0 },
  };
  private readonly stopped = new AbortController();
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly schedule: SchedulePeer,
    private readonly cache: AvailabilityCache,
    private readonly options: AvailabilityFeedsOptions,
  ) {}

  /** Starts following both feeds (in the background: pricing serves meanwhile, by fetching). */
  start(): void {
    this.running = Promise.all([
      this.follow('seats', (cursor, signal) =>
        this.schedule.watchAvailability(cursor, this.options.seatHeartbeatMs, signal),
      ),
      this.follow('schedule', (cursor, signal) => this.schedule.watchSchedule(cursor, signal)),
    ]);
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.running;
  }

  private async follow(
    feed: FeedName,
    open: (cursor: string, signal: AbortSignal) => AsyncIterable<FeedMessage>,
  ): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      const attempt = new AbortController();
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => attempt.abort(), this.options.idleMs);
      };
      this.stats.connects[feed]++;
      // any-signal, not AbortSignal.any (weakly held on Node 20, see schedule's feed.ts); its
      // listener on `stopped` is removed after each call.
      const signal = anySignal([this.stopped.signal, attempt.signal]);
      try {
        arm();
        let first = true;
        for await (const message of open(this.stats.cursors[feed], signal)) {
          arm();
          for (const seats of message.seats)
            this.cache.applySeats(seats.flightId, seats.cabin, seats.seats);
          if (message.flight) this.cache.applyFlight(message.flight);
          this.stats.cursors[feed] = message.cursor;
          // The first message repeats the cursor asked for: it proves nothing about since.
          this.cache.feedMessage(feed, !first);
          if (feed === 'seats' && message.caughtUp) this.cache.seatFeedCaughtUp();
          first = false;
          failures = 0;
        }
      } catch (err) {
        if (this.stopped.signal.aborted) break;
        const failure = this.schedule.failure(err);
        if (failure.cursorExpired) {
          this.options.log.warn(
            { feed, cursor: this.stats.cursors[feed], err: failure.message },
            'feed cursor unknown to schedule; forgetting what is known and following from the start',
          );
          this.stats.cursors[feed] = START[feed];
          this.cache.feedReset(feed);
        } else if (!attempt.signal.aborted && !failure.deadlineExceeded) {
          failures++;
          this.options.log.warn(
            { feed, err: failure.message, cursor: this.stats.cursors[feed], failures },
            'feed dropped; prices are asked of schedule until it resumes from its cursor',
          );
        }
      } finally {
        signal.clear();
        clearTimeout(idle);
        this.cache.feedClosed(feed);
      }
      await sleep(retryDelayMs(failures, 100, 5_000), undefined, {
        signal: this.stopped.signal,
      }).catch(() => undefined);
    }
  }
}
