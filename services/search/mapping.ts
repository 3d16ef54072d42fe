import { FlightStatus, type Flight, type FlightSegment } from '../../gen/ts/flights/v1/common.js';
import type { FlightToPrice, PriceItinerariesResponse } from '../../gen/ts/flights/v1/pricing.js';
import { endianness } from 'node:os';
import {
  ScheduleEventType,
  type ListFlightPagesResponse,
  type PackedFlightColumns,
  type WatchScheduleResponse,
} from '../../gen/ts/flights/v1/schedule.js';
import { PriceStatus, SortOrder, type Itinerary } from '../../gen/ts/flights/v1/search.js';
import type { FlightBatch, FlightRecord } from './domain/flight-index.js';
import type { FoundItinerary } from './domain/itineraries.js';
import type { SortKey } from './domain/ranking.js';
import type { SearchQuery } from './domain/search-plan.js';
import type { SearchItinerariesRequest } from './requests.js';

/** Proto ↔ domain for search, and nowhere else. */

/** Itineraries when the request says 0. */
const DEFAULT_RESULTS = 50;

const SORTS: Record<SortOrder, SortKey> = {
  [SortOrder.SORT_ORDER_UNSPECIFIED]: 'price',
  [SortOrder.SORT_ORDER_PRICE]: 'price',
  [SortOrder.SORT_ORDER_DURATION]: 'duration',
  [SortOrder.SORT_ORDER_DEPARTURE]: 'departure',
  [SortOrder.UNRECOGNIZED]: 'price',
};

/**
 * A validated request as the search it asks for (sort unset = price, max_results 0 = 50), of
 * flights leaving at `earliestDepartureMs` (epoch ms) or later: those still on sale.
 */
export function toSearchQuery(
  request: SearchItinerariesRequest,
  earliestDepartureMs?: number,
): SearchQuery {
  return {
    earliestDepartureMs,
    origin: request.origin,
    destination: request.destination,
    date: request.departureDate,
    maxStops: request.maxStops,
    sort: SORTS[request.sort],
    limit: request.maxResults || DEFAULT_RESULTS,
  };
}

export function flightRecord(f: Flight): FlightRecord {
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
    cancelled: f.status === FlightStatus.FLIGHT_STATUS_CANCELLED,
  };
}

/**
 * One page of a listing: its flights, as columns (`batch`) or, from a schedule that does not
 * know columns yet, as records; and the feed position the listing is consistent at.
 */
export interface ListedPage {
  cursor: string;
  batch?: FlightBatch;
  records: FlightRecord[];
}

/**
 * A ListFlightPages message asked for as columns. The arrays are the decoded message's own (no
 * copy: a world listing is ~4M flights); a page that came as Flight messages is mapped whole.
 */
export function listedPage(r: ListFlightPagesResponse): ListedPage {
  if (r.packed) return { cursor: r.cursor, records: [], batch: unpackedBatch(r.packed) };
  const c = r.columns;
  if (!c) return { cursor: r.cursor, records: r.flights.map(flightRecord) };
  return {
    cursor: r.cursor,
    records: [],
    batch: {
      strings: c.strings,
      carrier: c.carrierCode,
      origin: c.origin,
      destination: c.destination,
      departureDate: c.departureDate,
      aircraft: c.aircraftCode,
      flightNumber: c.flightNumber,
      departureMs: c.departureMs,
      arrivalMs: c.arrivalMs,
      departureOffset: c.departureOffsetMinutes,
      arrivalOffset: c.arrivalOffsetMinutes,
      durationMinutes: c.durationMinutes,
      distanceKm: c.distanceKm,
      version: c.version,
      cancelled: c.status.map((s) => s === FlightStatus.FLIGHT_STATUS_CANCELLED),
    },
  };
}

// Typed arrays read in the platform's byte order, and packed columns are little-endian.
const LITTLE_ENDIAN = endianness() === 'LE';

type NumberArray = Float64Array | Uint32Array | Uint16Array | Int16Array | Uint8Array;

/**
 * A packed column's bytes as a typed array of `count` entries: a view of the decoded message's
 * bytes when they are aligned for the type (the usual case), else a copy. Throws when the
 * length is not count × the type's width (a malformed page).
 */
function column<T extends NumberArray>(
  bytes: Uint8Array,
  count: number,
  Type: {
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
    BYTES_PER_ELEMENT: number;
  },
  name: string,
): T {
  if (!LITTLE_ENDIAN) throw new Error('packed flight columns need a little-endian platform');
  const width = Type.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== count * width)
    throw new Error(
      `packed flight columns: ${name} has ${bytes.byteLength} bytes, not ${count} × ${width}`,
    );
  const aligned = bytes.byteOffset % width === 0 ? bytes : new Uint8Array(bytes);
  return new Type(aligned.buffer, aligned.byteOffset, count);
}

/** A PackedFlightColumns page as a batch of typed arrays (no number decoded one at a time). */
export function unpackedBatch(p: PackedFlightColumns): FlightBatch {
  const n = p.count;
  const status = column(p.status, n, Uint8Array, 'status');
  const cancelled = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    cancelled[i] = status[i] === FlightStatus.FLIGHT_STATUS_CANCELLED ? 1 : 0;
  return {
    strings: p.strings,
    carrier: column(p.carrierCode, n, Uint16Array, 'carrier_code'),
    origin: column(p.origin, n, Uint16Array, 'origin'),
    destination: column(p.destination, n, Uint16Array, 'destination'),
    departureDate: column(p.departureDate, n, Uint16Array, 'departure_date'),
    aircraft: column(p.aircraftCode, n, Uint16Array, 'aircraft_code'),
    flightNumber: column(p.flightNumber, n, Uint32Array, 'flight_number'),
    departureMs: column(p.departureMs, n, Float64Array, 'departure_ms'),
    arrivalMs: column(p.arrivalMs, n, Float64Array, 'arrival_ms'),
    departureOffset: column(p.departureOffsetMinutes, n, Int16Array, 'departure_offset_minutes'),
    arrivalOffset: column(p.arrivalOffsetMinutes, n, Int16Array, 'arrival_offset_minutes'),
    durationMinutes: column(p.durationMinutes, n, Uint32Array, 'duration_minutes'),
    distanceKm: column(p.distanceKm, n, Uint32Array, 'distance_km'),
    version: column(p.version, n, Uint32Array, 'version'),
    cancelled,
  };
}

/** One message of the WatchSchedule feed: a change (none on a heartbeat), and the cursor after it. */
export interface FeedMessage {
  cursor: string;
  change?: {
    /** The flight as it is after the change; `cancelled` for a cancellation. */
    flight: FlightRecord;
    /** When it happened at schedule, epoch ms. */
    occurredAtMs?: number;
  };
}

export function feedMessage(r: WatchScheduleResponse): FeedMessage {
  const event = r.event;
  if (!event?.flight) return { cursor: r.cursor };
  const flight = flightRecord(event.flight);
  if (event.type === ScheduleEventType.SCHEDULE_EVENT_TYPE_CANCELLED) flight.cancelled = true;
  return { cursor: r.cursor, change: { flight, occurredAtMs: event.occurredAt?.getTime() } };
}

function segment(f: FlightRecord): FlightSegment {
  return {
    flightId: f.flightId,
    carrierCode: f.carrier,
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departureTime: new Date(f.departureMs),
    arrivalTime: new Date(f.arrivalMs),
    departureLocal: f.departureLocal,
    arrivalLocal: f.arrivalLocal,
    durationMinutes: f.durationMinutes,
    distanceKm: f.distanceKm,
    aircraftCode: f.aircraft,
  };
}

/** A flight of the read model as pricing takes it, to price without asking schedule. */
export function toFlightToPrice(f: FlightRecord): FlightToPrice {
  return {
    flightId: f.flightId,
    departureTime: new Date(f.departureMs),
    distanceKm: f.distanceKm,
    aircraftCode: f.aircraft,
  };
}

/** An itinerary found, priced (degraded: from pricing's last known load factors) or not. */
export function toItinerary(
  found: FoundItinerary,
  priced?: { price: Itinerary['price']; degraded: boolean },
): Itinerary {
  return {
    itineraryId: found.id,
    segments: found.flights.map(segment),
    departureTime: new Date(found.departureMs),
    arrivalTime: new Date(found.arrivalMs),
    durationMinutes: found.durationMinutes,
    stops: found.stops,
    price: priced?.price,
    priceStatus: !priced?.price
      ? PriceStatus.PRICE_STATUS_UNPRICED
      : priced.degraded
        ? PriceStatus.PRICE_STATUS_DEGRADED
        : PriceStatus.PRICE_STATUS_PRICED,
  };
}

/**
 * A batch as pricing answered it: what cannot be sold is left out (and counted), the rest keep
 * their rank order, except that a search by price orders the batch by the real total price.
 */
export function pricedItineraries(
  batch: FoundItinerary[],
  response: PriceItinerariesResponse,
  sort: SortKey,
): { itineraries: Itinerary[]; unsellable: number } {
  const byKey = new Map(response.itineraries.map((p) => [p.key, p]));
  const itineraries: Itinerary[] = [];
  let unsellable = 0;
  for (const found of batch) {
    const priced = byKey.get(found.id);
    if (priced && !priced.available) {
      unsellable++;
      continue;
    }
    itineraries.push(
      toItinerary(
        found,
        priced?.price ? { price: priced.price, degraded: response.degraded } : undefined,
      ),
    );
  }
  if (sort === 'price')
    itineraries.sort(
      (a, b) =>
        (a.price?.total?.amountMinor ?? Infinity) - (b.price?.total?.amountMinor ?? Infinity),
    );
  return { itineraries, unsellable };
}
