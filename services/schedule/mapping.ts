import {
  FlightStatus,
  Flight,
  type Airport as AirportProto,
} from '../../gen/ts/flights/v1/common.js';
import {
  type FlightColumns,
  HoldStatus,
  ScheduleEventType,
  type CabinAvailability as CabinAvailabilityProto,
  type Hold,
  type WatchScheduleResponse,
} from '../../gen/ts/flights/v1/schedule.js';
import { CABIN_CODES } from '../../flights/codes.js';
import { cabinProto } from '../../flights/enums.js';
import type { Catalog, OperatedFlight } from './catalog.js';
import type { CabinAvailability } from './domain/availability.js';
import type { DayDepartures } from './domain/day-departures.js';
import type { FlightPattern } from './domain/timetable.js';
import type { ChangeKind } from './domain/flight-changes.js';
import type { HoldRecord } from './domain/holds.js';
import type { Airport } from './domain/reference-data.js';
import type { FeedTick } from './feed.js';

export function toAirportProto(a: Airport): AirportProto {
  return {
    iataCode: a.iata,
    icaoCode: a.icao ?? '',
    name: a.name,
    city: a.city,
    country: a.country,
    latitude: a.latitude,
    longitude: a.longitude,
    timeZone: a.timeZone,
  };
}

const STATUS: Record<OperatedFlight['status'], FlightStatus> = {
  SCHEDULED: FlightStatus.FLIGHT_STATUS_SCHEDULED,
  RETIMED: FlightStatus.FLIGHT_STATUS_RETIMED,
  CANCELLED: FlightStatus.FLIGHT_STATUS_CANCELLED,
};

export function toFlightProto(f: OperatedFlight, catalog: Catalog): Flight {
  return {
    flightId: f.flightId,
    carrierCode: f.carrier,
    carrierName: catalog.carrierName(f.carrier),
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departureDate: f.departureDate,
    departureTime: f.departureUtc,
    arrivalTime: f.arrivalUtc,
    departureLocal: f.departureLocal,
    arrivalLocal: f.arrivalLocal,
    durationMinutes: f.durationMinutes,
    distanceKm: f.distanceKm,
    aircraftCode: f.aircraft,
    status: STATUS[f.status],
    cabins: CABIN_CODES.filter((code) => f.cabins[code] > 0).map((code) => ({
      cabin: cabinProto(code),
      capacity: f.cabins[code],
    })),
    version: f.version,
  };
}

/**
 * One ListFlightPages page as columns (FlightColumns): a row per flight, each code and date
 * once per page. Timetabled flights go in straight from a day's columns, with no object or
 * string made per flight; the few with an operational change, as OperatedFlight.
 */
export class FlightColumnsPage {
  private strings = new Map<string, number>();
  private columns = emptyColumns();

  get size(): number {
    return this.columns.flightNumber.length;
  }

  /** The i-th flight of a day as the timetable makes it (pattern: its pattern). */
  addScheduled(pattern: FlightPattern, day: DayDepartures, i: number): void {
    this.row(pattern.carrier, pattern.flightNumber, pattern.origin, pattern.destination);
    const c = this.columns;
    c.departureDate.push(this.ref(day.date));
    c.aircraftCode.push(this.ref(pattern.aircraft));
    c.departureMs.push(day.departureMs[i]!);
    c.arrivalMs.push(day.arrivalMs[i]!);
    c.departureOffsetMinutes.push(day.departureOffset[i]!);
    c.arrivalOffsetMinutes.push(day.arrivalOffset[i]!);
    c.durationMinutes.push(pattern.blockMinutes);
    c.distanceKm.push(pattern.distanceKm);
    c.status.push(FlightStatus.FLIGHT_STATUS_SCHEDULED);
    c.version.push(1);
  }

  /** A flight as it operates, its local times at these UTC offsets (minutes). */
  addOperated(f: OperatedFlight, departureOffset: number, arrivalOffset: number): void {
    this.row(f.carrier, f.flightNumber, f.origin, f.destination);
    const c = this.columns;
    c.departureDate.push(this.ref(f.departureDate));
    c.aircraftCode.push(this.ref(f.aircraft));
    c.departureMs.push(f.departureUtc.getTime());
    c.arrivalMs.push(f.arrivalUtc.getTime());
    c.departureOffsetMinutes.push(departureOffset);
    c.arrivalOffsetMinutes.push(arrivalOffset);
    c.durationMinutes.push(f.durationMinutes);
    c.distanceKm.push(f.distanceKm);
    c.status.push(STATUS[f.status]);
    c.version.push(f.version);
  }

  /** The page so far; the builder starts a new one. */
  take(): FlightColumns {
    const page = { ...this.columns, strings: [...this.strings.keys()] };
    this.strings = new Map();
    this.columns = emptyColumns();
    return page;
  }

  private row(carrier: string, flightNumber: number, origin: string, destination: string) {
    const c = this.columns;
    c.carrierCode.push(this.ref(carrier));
    c.flightNumber.push(flightNumber);
    c.origin.push(this.ref(origin));
    c.destination.push(this.ref(destination));
  }

  private ref(value: string): number {
    let ref = this.strings.get(value);
    if (ref === undefined) this.strings.set(value, (ref = this.strings.size));
    return ref;
  }
}

const emptyColumns = (): FlightColumns => ({
  strings: [],
  carrierCode: [],
  origin: [],
  destination: [],
  departureDate: [],
  aircraftCode: [],
  flightNumber: [],
  departureMs: [],
  arrivalMs: [],
  departureOffsetMinutes: [],
  arrivalOffsetMinutes: [],
  durationMinutes: [],
  distanceKm: [],
  status: [],
  version: [],
});

const HOLD_STATUS: Record<HoldRecord['status'], HoldStatus> = {
  HELD: HoldStatus.HOLD_STATUS_HELD,
  CONFIRMED: HoldStatus.HOLD_STATUS_CONFIRMED,
  RELEASED: HoldStatus.HOLD_STATUS_RELEASED,
  EXPIRED: HoldStatus.HOLD_STATUS_EXPIRED,
  RETURNED: HoldStatus.HOLD_STATUS_RETURNED,
};

export function toHoldProto(h: HoldRecord): Hold {
  return {
    holdId: h.holdId,
    items: h.items.map((i) => ({
      flightId: i.flightId,
      cabin: cabinProto(i.cabin),
      seats: i.seats,
    })),
    status: HOLD_STATUS[h.status],
    createdAt: h.createdAt,
    expiresAt: h.expiresAt,
  };
}

export function toCabinAvailabilityProto(c: CabinAvailability): CabinAvailabilityProto {
  return { ...c, cabin: cabinProto(c.cabin) };
}

const EVENT_TYPES: Record<ChangeKind, ScheduleEventType> = {
  RETIMED: ScheduleEventType.SCHEDULE_EVENT_TYPE_RETIMED,
  CANCELLED: ScheduleEventType.SCHEDULE_EVENT_TYPE_CANCELLED,
};

/** A feed tick as WatchSchedule sends it: a heartbeat has a cursor and no event. */
export function toWatchResponse({ cursor, event }: FeedTick): WatchScheduleResponse {
  return {
    cursor: String(cursor),
    event: event && {
      type: EVENT_TYPES[event.type],
      flight: Flight.fromJSON(event.flight),
      occurredAt: event.occurredAt,
      reason: event.reason,
    },
  };
}
