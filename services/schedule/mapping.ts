import {
  FlightStatus,
  Flight,
  type Airport as AirportProto,
} from '../../gen/ts/flights/v1/common.js';
import {
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

/** Flight status as the contract spells it (listing-pages.ts uses it too). */
export const STATUS: Record<OperatedFlight['status'], FlightStatus> = {
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
