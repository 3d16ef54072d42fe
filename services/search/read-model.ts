import { status } from '@grpc/grpc-js';
import { FlightStatus, type Flight } from '../../gen/ts/flights/v1/common.js';
import {
  ScheduleEventType,
  type ScheduleServiceService,
  type WatchScheduleResponse,
} from '../../gen/ts/flights/v1/schedule.js';
import type { ServiceClient } from '../../platform/clients.js';
import { errorDetails } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { FlightIndex, type IndexedFlight } from './domain/flight-index.js';

export function indexedFlight(f: Flight): IndexedFlight {
  return {
    flightId: f.flightId,
    carrier: f.carrierCode,
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departureDate: f.departureDate,
    departureMs: f.departureTime!.getTime(),
    arrivalMs: f.arrivalTime!.getTime(),
    departureLocal: f.departureLocal,
    arrivalLocal: f.arrivalLocal,
    durationMinutes: f.durationMinutes,
    distanceKm: f.distanceKm,
    aircraft: f.aircraftCode,
    version: f.version,
  };
}

export interface ReadModelOptions {
  /** First local date to load ("today" by default) and how many days. */
  fromDate: () => string;
  days: number;
  log: Logger;
}

const MAX_LIST_DAYS = 62;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Search's copy of the schedule: loaded once from ListFlights, then kept fresh by following
 * WatchSchedule from the cursor the load returned. On a dropped feed it resumes from the last
 * cursor; only a cursor schedule no longer knows forces a full reload.
 */
export class ScheduleReadModel {
  index = new FlightIndex();
  cursor = '';
  readonly stats = { loads: 0, eventsApplied: 0, reconnects: 0, lastLoadMs: 0 };
  private stopped = new AbortController();

  constructor(
    private readonly schedule: ServiceClient<typeof ScheduleServiceService>,
    private readonly options: ReadModelOptions,
  ) {}

  /** Builds a fresh index and swaps it in whole, so searches never see a half-loaded one. */
  async load(): Promise<void> {
    const started = performance.now();
    const index = new FlightIndex();
    let cursor = '';
    const from = this.options.fromDate();
    for (let offset = 0; offset < this.options.days; offset += MAX_LIST_DAYS) {
      const request = {
        origin: '',
        destination: '',
        fromDate: addDays(from, offset),
        toDate: addDays(from, Math.min(this.options.days, offset + MAX_LIST_DAYS) - 1),
        includeCancelled: false,
      };
      for await (const r of this.schedule.listFlights(request, {
        deadlineMs: 30 * 60_000,
        signal: this.stopped.signal,
      })) {
        if (!cursor) cursor = r.cursor; // the first chunk's cursor is the oldest: events after it are replayed
        index.upsert(indexedFlight(r.flight!));
      }
    }
    this.index = index;
    this.cursor = cursor;
    this.stats.loads++;
    this.stats.lastLoadMs = Math.round(performance.now() - started);
    this.options.log.info(
      { flights: index.size, ms: this.stats.lastLoadMs, cursor },
      'read model loaded',
    );
  }

  apply(r: WatchScheduleResponse): void {
    if (r.event?.flight) {
      const flight = r.event.flight;
      const gone =
        r.event.type === ScheduleEventType.SCHEDULE_EVENT_TYPE_CANCELLED ||
        flight.status === FlightStatus.FLIGHT_STATUS_CANCELLED;
      if (gone) this.index.remove(flight.flightId);
      else this.index.upsert(indexedFlight(flight));
      this.stats.eventsApplied++;
    }
    if (r.cursor) this.cursor = r.cursor;
  }

  /** Follows the change feed until stop(); reconnects with backoff. */
  async follow(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      try {
        // A long-lived stream still gets a deadline: it just reconnects from the cursor when due.
        for await (const r of this.schedule.watchSchedule(
          { cursor: this.cursor },
          { deadlineMs: 60 * 60_000, signal: this.stopped.signal },
        )) {
          this.apply(r);
          failures = 0;
        }
      } catch (err) {
        if (this.stopped.signal.aborted) return;
        const details = errorDetails(err);
        if (details.reason === 'CURSOR_EXPIRED') {
          this.options.log.warn(
            { cursor: this.cursor },
            'feed cursor no longer known; reloading the schedule',
          );
          await this.load().catch((e: unknown) =>
            this.options.log.warn({ err: e }, 'reload failed'),
          );
          continue;
        }
        if (details.code !== status.DEADLINE_EXCEEDED) {
          failures++;
          this.options.log.warn(
            { err: details.message, cursor: this.cursor, failures },
            'schedule feed dropped; resuming from cursor',
          );
        }
      }
      this.stats.reconnects++;
      await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
    }
  }

  get isStopped(): boolean {
    return this.stopped.signal.aborted;
  }

  stop(): void {
    this.stopped.abort();
  }
}
