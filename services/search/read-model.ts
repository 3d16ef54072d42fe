import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { anySignal } from 'any-signal';
import { addDays, type RollingWindow } from '../../flights/calendar.js';
import { retryDelayMs } from '../../platform/backoff.js';
import type { Logger } from '../../platform/logger.js';
import { startPeriodic, type PeriodicJob } from '../../platform/periodic.js';
import { coverage, type Coverage } from './domain/coverage.js';
import { FlightIndex } from './domain/flight-index.js';
import type { FeedMessage, ListedPage } from './mapping.js';
import { searchMetrics } from './metrics.js';
import { scheduleFailure, type SchedulePeer } from './peers.js';

export interface ReadModelOptions {
  /** The dates held: today's window unless a fixed one is configured. */
  window: RollingWindow;
  /** Days, from the first, loaded before the model is ready; the rest loads behind it. */
  readyDays: number;
  /** Days per ListFlights call: a failed call is retried alone. */
  chunkDays: number;
  /** A feed silent for this long (no event, no heartbeat) is dropped and resumed. */
  feedIdleMs: number;
  /** How often to look whether the day (and with it the window) has turned; default a minute. */
  rollCheckMs?: number;
  log: Logger;
}

export interface ReadModelStats {
  /** Full loads (the first one and each reload after CURSOR_EXPIRED). */
  loads: number;
  /** Milliseconds until ready, and until the whole window was in, for the latest load. */
  readyMs: number;
  lastLoadMs: number;
  flightsLoaded: number;
  eventsApplied: number;
  /** Events older than what the index held (replayed after a reconnect), or outside the window. */
  eventsSkipped: number;
  reconnects: number;
  /** Milliseconds from an event happening at schedule to it being in the index, last seen. */
  lastEventLagMs: number;
}

/** The wait before retrying a schedule call after `failures` failures in a row: 100 ms … 5 s. */
const retryDelay = (failures: number) => retryDelayMs(failures, 100, 5_000);

/** Waits `ms`, or less when `signal` aborts (the caller's loop then sees the signal and ends). */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(() => undefined);

/**
 * Search's copy of the schedule. `start()` loads the first `readyDays` of the window from
 * ListFlights (the service is ready then), loads the rest of the window behind it, and follows
 * WatchSchedule from the cursor of the first listing. A dropped feed resumes from the last cursor
 * it saw, with backoff. Two things rebuild the index: the day turning (the window moves on a day)
 * and a cursor schedule no longer knows (CURSOR_EXPIRED). A rebuild lists the whole new window
 * beside the serving index, which keeps serving and following the feed meanwhile, then is swapped
 * in and the feed resumed from the rebuild's own cursor, so no change made during it is lost.
 *
 * Listings and feed events may race (the feed starts before the later days are listed): the
 * index keeps the newest version of every flight, and cancelled ones as tombstones, so whatever
 * arrives last, the newest state wins.
 */
export class ScheduleReadModel {
  index = new FlightIndex();
  cursor = '';
  from = '';
  to = '';
  /** The last date of the window whose flights are all in (contiguously from `from`). */
  loadedThrough = '';
  readonly stats: ReadModelStats = {
    loads: 0,
    readyMs: 0,
    lastLoadMs: 0,
    flightsLoaded: 0,
    eventsApplied: 0,
    eventsSkipped: 0,
    reconnects: 0,
    lastEventLagMs: 0,
  };
  private readonly stopped = new AbortController();
  /** The job that rebuilds the index when the day (and with it the window) has turned. */
  private roll: PeriodicJob | undefined;
  private generation = new AbortController();
  private fullyLoaded: Promise<void> = Promise.resolve();
  /** The rebuild under way: one at a time, whatever asked for it. */
  private loading: Promise<void> | undefined;
  /** The feed call being read, and whether a rebuild asked for it to start over. */
  private feedAttempt: AbortController | undefined;
  private feedRestart = false;

  constructor(
    private readonly schedule: SchedulePeer,
    private readonly options: ReadModelOptions,
  ) {}

  /** Resolves once the first days are in; loading the rest and following the feed go on. */
  async start(): Promise<void> {
    await this.load();
    if (this.isStopped) return;
    void this.follow();
    this.roll = startPeriodic({
      name: 'read model day roll',
      intervalMs: this.options.rollCheckMs ?? 60_000,
      runAtStart: false,
      log: this.options.log,
      run: async () => {
        if (this.options.window.current.from !== this.from) await this.load();
      },
    });
  }

  /** Resolves when the whole window of the current load is in. */
  whenFullyLoaded(): Promise<void> {
    return this.fullyLoaded;
  }

  /** True once the first days of the window are in. */
  get isReady(): boolean {
    return this.stats.loads > 0;
  }

  get isStopped(): boolean {
    return this.stopped.signal.aborted;
  }

  /** Stops loading, following and rolling; resolves once a rebuild under way has ended. */
  async stop(): Promise<void> {
    this.stopped.abort();
    this.generation.abort();
    await this.roll?.stop();
  }

  /** Whether every flight a search from `date` may use (through `throughDays` later) is in. */
  coverage(date: string, throughDays: number): Coverage {
    return coverage(this, date, throughDays);
  }

  private load(): Promise<void> {
    this.loading ??= this.rebuild().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /**
   * A fresh index of the current window. The first is swapped in once its first days are in
   * (retried until they load: nothing can be served without them) and the rest loads behind it.
   * A later one is listed whole beside the serving index and swapped in complete, so searches
   * keep the whole window meanwhile (at the cost of holding two indexes for that time).
   */
  private async rebuild(): Promise<void> {
    this.generation.abort();
    const generation = new AbortController();
    this.generation = generation;
    // stop() aborts the generation under way; one started after it has nothing to do.
    if (this.isStopped) return;
    const signal = generation.signal;
    const started = performance.now();
    // This process's CPU time (user + system) over the load: the figure to compare on a busy
    // machine, where the wall time mostly measures the other processes.
    const cpuAtStart = process.cpuUsage();
    const index = new FlightIndex();
    const { from, to } = this.options.window.current;
    const first = !this.isReady;
    const swapAfter = first ? minDate(addDays(from, this.options.readyDays - 1), to) : to;

    // The first listing's cursor is the oldest: following from it misses nothing later.
    const cursor = await this.loadChunks(index, from, swapAfter, to, signal);
    if (signal.aborted) return;
    this.index = index;
    this.cursor = cursor;
    this.from = from;
    this.to = to;
    this.loadedThrough = swapAfter;
    this.stats.loads++;
    this.stats.readyMs = Math.round(performance.now() - started);
    if (!first) {
      // Changes made while the new index was listed reached only the old one: replay them.
      this.restartFeed();
      this.stats.lastLoadMs = this.stats.readyMs;
      this.stats.flightsLoaded = index.size;
      this.options.log.info(
        { flights: index.size, from, to, ms: this.stats.readyMs, cursor },
        'read model rebuilt and swapped in',
      );
      return;
    }
    this.options.log.info(
      { flights: index.size, from, through: swapAfter, ms: this.stats.readyMs, cursor },
      'read model ready; loading the rest of the window behind it',
    );
    this.fullyLoaded = (async () => {
      if (swapAfter < to)
        await this.loadChunks(index, addDays(swapAfter, 1), to, to, signal, (last) => {
          this.loadedThrough = last;
        });
      if (signal.aborted) return;
      this.stats.lastLoadMs = Math.round(performance.now() - started);
      this.stats.flightsLoaded = index.size;
      this.options.log.info(
        {
          flights: index.size,
          from,
          to,
          ms: this.stats.lastLoadMs,
          cpu_ms: cpuMs(process.cpuUsage(cpuAtStart)),
          index_mb: Math.round(index.memoryBytes() / 1e6),
        },
        'read model fully loaded',
      );
    })();
  }

  /** Ends the feed call being read, so follow() resumes it from `this.cursor`. */
  private restartFeed(): void {
    if (!this.feedAttempt) return;
    this.feedRestart = true;
    this.feedAttempt.abort();
  }

  /**
   * Lists fromDate…toDate into the index a chunk (`chunkDays`) at a time, in date order, and
   * returns the first chunk's cursor ('' when `signal` aborted). The next chunk is fetched while
   * one is put into the index (two listing calls at most), so schedule makes and sends a day
   * while search indexes the one before; indexing in date order keeps each route's list an
   * append. `loaded` hears the last date of each chunk once it is in. `windowEnd` (the window's
   * last date) sizes the index once the first chunk shows how many flights a day brings.
   */
  private async loadChunks(
    index: FlightIndex,
    fromDate: string,
    toDate: string,
    windowEnd: string,
    signal: AbortSignal,
    loaded?: (last: string) => void,
  ): Promise<string> {
    const chunks: Array<[string, string]> = [];
    for (let day = fromDate; day <= toDate; day = addDays(day, this.options.chunkDays))
      chunks.push([day, minDate(addDays(day, this.options.chunkDays - 1), toDate)]);
    let cursor = '';
    let next = this.fetchChunk(...chunks[0]!, signal);
    for (let k = 0; k < chunks.length && !signal.aborted; k++) {
      const [first, last] = chunks[k]!;
      let chunk = await next;
      if (k + 1 < chunks.length) next = this.fetchChunk(...chunks[k + 1]!, signal);
      const before = index.slotCount;
      for (let failures = 0; !signal.aborted; failures++) {
        try {
          for (const page of chunk.pages) {
            if (page.batch) index.upsertBatch(page.batch);
            for (const flight of page.records) index.upsert(flight);
            // A page at a time, as they used to come off the stream: searches (and the feed, and
            // the next chunk's stream) are served in between.
            await setImmediate();
          }
          break;
        } catch (err) {
          // A malformed page: list the chunk again (what went in is harmless, by version).
          this.options.log.warn(
            { err: String(err), from: first, to: last, failures: failures + 1 },
            'listed flights could not be indexed; listing them again',
          );
          await pause(retryDelay(failures), signal);
          chunk = await this.fetchChunk(first, last, signal);
        }
      }
      if (signal.aborted) break;
      cursor ||= chunk.cursor;
      if (k === 0) {
        // Room for the rest of the window at this chunk's rate (+5 %): the columns grow once.
        const perDay = (index.slotCount - before) / dayCount(first, last);
        index.reserve(Math.ceil(index.slotCount + perDay * (dayCount(last, windowEnd) - 1) * 1.05));
      }
      loaded?.(last);
    }
    return cursor;
  }

  /**
   * One ListFlightPages call, its pages held until indexed, retried with backoff until it works
   * (never rejects: `signal` aborting ends it with what it has).
   */
  private async fetchChunk(
    fromDate: string,
    toDate: string,
    signal: AbortSignal,
  ): Promise<{ cursor: string; pages: ListedPage[] }> {
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        const pages: ListedPage[] = [];
        for await (const page of this.schedule.listFlights(fromDate, toDate, signal))
          pages.push(page);
        return { cursor: pages[0]?.cursor ?? '', pages };
      } catch (err) {
        if (signal.aborted) break;
        this.options.log.warn(
          { err: scheduleFailure(err).message, from: fromDate, to: toDate, failures: failures + 1 },
          'listing flights failed; retrying',
        );
        await pause(retryDelay(failures), signal);
      }
    }
    return { cursor: '', pages: [] };
  }

  /** Applies one feed message: a change (newest version wins) and the cursor after it. */
  apply(message: FeedMessage): void {
    const change = message.change;
    if (change) {
      const flight = change.flight;
      const inWindow = flight.departureDate >= this.from && flight.departureDate <= this.to;
      if (inWindow && this.index.upsert(flight)) {
        this.stats.eventsApplied++;
        if (change.occurredAtMs !== undefined) {
          this.stats.lastEventLagMs = Date.now() - change.occurredAtMs;
          searchMetrics.feedLag.record(this.stats.lastEventLagMs / 1000);
        }
      } else {
        this.stats.eventsSkipped++;
      }
    }
    if (message.cursor) this.cursor = message.cursor;
  }

  /** Follows the change feed until stop(): resumes from the cursor, reloads on CURSOR_EXPIRED. */
  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      const attempt = new AbortController();
      this.feedAttempt = attempt;
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => attempt.abort(), this.options.feedIdleMs);
      };
      // any-signal, not AbortSignal.any (weakly held on Node 20, see schedule's feed.ts); its
      // listener on `stopped` is removed after each call.
      const signal = anySignal([this.stopped.signal, attempt.signal]);
      try {
        arm();
        for await (const message of this.schedule.watchSchedule(this.cursor, signal)) {
          // Once a rebuild has swapped in, what this call still holds is for the old index.
          if (attempt.signal.aborted) break;
          arm();
          this.apply(message);
          failures = 0;
        }
      } catch (err) {
        if (this.stopped.signal.aborted) return;
        const failure = scheduleFailure(err);
        if (failure.cursorExpired) {
          this.options.log.warn(
            { cursor: this.cursor, err: failure.message },
            'feed cursor unknown to schedule; reloading the whole window',
          );
          await this.load();
          failures = 0;
          continue;
        }
        if (this.feedRestart) {
          this.options.log.info(
            { cursor: this.cursor },
            'following the feed again from the rebuilt index’s cursor',
          );
        } else if (attempt.signal.aborted) {
          this.options.log.warn(
            { idle_ms: this.options.feedIdleMs, cursor: this.cursor },
            'feed silent for too long; resuming from the cursor',
          );
        } else if (!failure.deadlineExceeded) {
          failures++;
          this.options.log.warn(
            { err: failure.message, code: failure.code, cursor: this.cursor, failures },
            'feed dropped; resuming from the cursor',
          );
        }
      } finally {
        signal.clear();
        clearTimeout(idle);
        this.feedAttempt = undefined;
        this.feedRestart = false;
      }
      this.stats.reconnects++;
      await pause(retryDelay(failures), this.stopped.signal);
    }
  }
}

const minDate = (a: string, b: string) => (a < b ? a : b);

/** Dates from `first` to `last`, both counted ("YYYY-MM-DD"). */
const dayCount = (first: string, last: string) =>
  Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1;

const cpuMs = (usage: NodeJS.CpuUsage) => Math.round((usage.user + usage.system) / 1000);
