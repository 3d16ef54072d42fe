/**
 * The one place HTTP/JSON and the gRPC messages meet, both ways. Requests: validated HTTP input
 * → the service's request message. Answers: proto messages → the JSON HTTP clients get:
 * camelCase, ISO-8601 instants with offsets, money as { amount, currency } in minor units, enums
 * as lower-case words. Pure functions, no I/O.
 */
import {
  FlightStatus,
  PriceLine_Kind,
  type Cabin,
  type PassengerType,
  type Airport,
  type Flight,
  type FlightSegment,
  type Money,
  type PriceBreakdown,
} from '../gen/ts/flights/v1/common.js';
import {
  BookingStatus,
  type Booking,
  type CreateBookingRequest,
} from '../gen/ts/flights/v1/booking.js';
import { QuoteStatus, type CreateQuoteRequest, type Quote } from '../gen/ts/flights/v1/pricing.js';
import {
  PriceStatus,
  SortOrder,
  type Itinerary,
  type SearchItinerariesRequest,
  type SearchSummary,
} from '../gen/ts/flights/v1/search.js';
import {
  CABINS,
  PASSENGER_TYPES,
  SORTS,
  type AirportJson,
  type BookingBody,
  type BookingJson,
  type FlightJson,
  type ItineraryJson,
  type MoneyJson,
  type PriceJson,
  type QuoteBody,
  type QuoteJson,
  type SearchQuery,
  type SearchSummaryJson,
  type SegmentJson,
} from './schemas.js';
import { cabinCode, cabinProto, passengerKind, passengerTypeProto } from '../flights/enums.js';

export { CABINS, PASSENGER_TYPES, SORTS };

export type CabinName = (typeof CABINS)[number];
export const cabinEnum = (c: CabinName) => cabinProto(c);
export const cabinName = (c: Cabin): CabinName | null => cabinCode(c) ?? null;

export type PassengerTypeName = (typeof PASSENGER_TYPES)[number];
export const passengerEnum = (t: PassengerTypeName) => passengerTypeProto(t);
export const passengerName = (t: PassengerType): PassengerTypeName | null =>
  passengerKind(t) ?? null;

export type SortName = (typeof SORTS)[number];
export const sortEnum = (s: SortName) =>
  ({
    price: SortOrder.SORT_ORDER_PRICE,
    duration: SortOrder.SORT_ORDER_DURATION,
    departure: SortOrder.SORT_ORDER_DEPARTURE,
  })[s];

// ——— requests: HTTP → gRPC ———

export const searchRequest = (q: SearchQuery): SearchItinerariesRequest => ({
  origin: q.origin,
  destination: q.destination,
  departureDate: q.date,
  passengers: { adults: q.adults, children: q.children, infants: q.infants },
  cabin: cabinEnum(q.cabin),
  maxStops: q.maxStops,
  sort: sortEnum(q.sort),
  maxResults: q.maxResults,
});

/** `idempotencyKey`: the optional Idempotency-Key header, which becomes the quote's request id. */
export const quoteRequest = (
  body: QuoteBody,
  idempotencyKey: string | undefined,
): CreateQuoteRequest => ({
  flightIds: body.flightIds,
  passengers: body.passengers,
  cabin: cabinEnum(body.cabin),
  requestId: idempotencyKey ?? '',
});

/** `customerId` comes from the bearer token, never from the body. */
export const bookingRequest = (
  body: BookingBody,
  customerId: string,
  idempotencyKey: string,
): CreateBookingRequest => ({
  idempotencyKey,
  quoteId: body.quoteId,
  customerId,
  passengers: body.passengers.map((p) => ({ ...p, type: passengerEnum(p.type) })),
  contactEmail: body.contactEmail,
});

// ——— answers: gRPC → HTTP ———

/** Amounts are integers in the currency's minor unit (USD: cents, exponent 2). */
export const money = (m: Money | undefined): MoneyJson | null =>
  m ? { amount: m.amountMinor, currency: m.currency } : null;

export const airportJson = (a: Airport): AirportJson => ({
  code: a.iataCode,
  icao: a.icaoCode || null,
  name: a.name,
  city: a.city,
  country: a.country,
  latitude: a.latitude,
  longitude: a.longitude,
  timeZone: a.timeZone,
});

export const segmentJson = (s: FlightSegment): SegmentJson => ({
  flightId: s.flightId,
  flightNumber: `${s.carrierCode}${s.flightNumber}`,
  carrier: s.carrierCode,
  origin: s.origin,
  destination: s.destination,
  departure: s.departureLocal,
  arrival: s.arrivalLocal,
  durationMinutes: s.durationMinutes,
  distanceKm: s.distanceKm,
  aircraft: s.aircraftCode,
});

const LINE_KINDS: Partial<Record<PriceLine_Kind, PriceJson['lines'][number]['kind']>> = {
  [PriceLine_Kind.KIND_BASE_FARE]: 'fare',
  [PriceLine_Kind.KIND_TAX]: 'tax',
  [PriceLine_Kind.KIND_FEE]: 'fee',
};

export const priceJson = (p: PriceBreakdown | undefined): PriceJson | null =>
  p
    ? {
        total: money(p.total),
        fareBuckets: p.fareBuckets,
        lines: p.lines.map((l) => ({
          kind: LINE_KINDS[l.kind] ?? 'other',
          code: l.code,
          description: l.description,
          passengerType: passengerName(l.passengerType),
          segmentIndex: l.segmentIndex >= 0 ? l.segmentIndex : null,
          unitAmount: money(l.unitAmount),
          quantity: l.quantity,
          amount: money(l.amount),
        })),
      }
    : null;

const PRICE_STATUS: Partial<Record<PriceStatus, ItineraryJson['priceStatus']>> = {
  [PriceStatus.PRICE_STATUS_PRICED]: 'priced',
  [PriceStatus.PRICE_STATUS_DEGRADED]: 'estimated',
  [PriceStatus.PRICE_STATUS_UNPRICED]: 'unpriced',
};

export const itineraryJson = (i: Itinerary): ItineraryJson => ({
  id: i.itineraryId,
  segments: i.segments.map(segmentJson),
  departure: i.segments[0]?.departureLocal ?? null,
  arrival: i.segments.at(-1)?.arrivalLocal ?? null,
  durationMinutes: i.durationMinutes,
  stops: i.stops,
  price: priceJson(i.price),
  priceStatus: PRICE_STATUS[i.priceStatus] ?? 'unpriced',
});

export const summaryJson = (s: SearchSummary | undefined): SearchSummaryJson => ({
  resultCount: s?.resultCount ?? 0,
  partial: s?.partial ?? true,
  note: s?.note || null,
  elapsedMs: s?.elapsedMs ?? 0,
});

export const quoteJson = (q: Quote): QuoteJson => ({
  id: q.quoteId,
  status: q.status === QuoteStatus.QUOTE_STATUS_EXPIRED ? 'expired' : 'active',
  segments: q.segments.map(segmentJson),
  passengers: {
    adults: q.passengers?.adults ?? 0,
    children: q.passengers?.children ?? 0,
    infants: q.passengers?.infants ?? 0,
  },
  cabin: cabinName(q.cabin),
  price: priceJson(q.price),
  createdAt: q.createdAt?.toISOString() ?? null,
  expiresAt: q.expiresAt?.toISOString() ?? null,
});

const BOOKING_STATUS: Partial<Record<BookingStatus, BookingJson['status']>> = {
  [BookingStatus.BOOKING_STATUS_PENDING]: 'pending',
  [BookingStatus.BOOKING_STATUS_CONFIRMED]: 'confirmed',
  [BookingStatus.BOOKING_STATUS_FAILED]: 'failed',
  [BookingStatus.BOOKING_STATUS_CANCELLED]: 'cancelled',
};

export const bookingJson = (b: Booking): BookingJson => ({
  reference: b.bookingReference,
  status: BOOKING_STATUS[b.status] ?? 'unknown',
  quoteId: b.quoteId,
  segments: b.segments.map(segmentJson),
  cabin: cabinName(b.cabin),
  passengers: b.passengers.map((p) => ({
    givenName: p.givenName,
    familyName: p.familyName,
    type: passengerName(p.type),
    dateOfBirth: p.dateOfBirth,
  })),
  contactEmail: b.contactEmail,
  price: priceJson(b.price),
  failureReason: b.failureReason || null,
  createdAt: b.createdAt?.toISOString() ?? null,
  updatedAt: b.updatedAt?.toISOString() ?? null,
});

const FLIGHT_STATUS: Partial<Record<FlightStatus, FlightJson['status']>> = {
  [FlightStatus.FLIGHT_STATUS_SCHEDULED]: 'scheduled',
  [FlightStatus.FLIGHT_STATUS_RETIMED]: 'retimed',
  [FlightStatus.FLIGHT_STATUS_CANCELLED]: 'cancelled',
};

export const flightJson = (f: Flight): FlightJson => ({
  flightId: f.flightId,
  flightNumber: `${f.carrierCode}${f.flightNumber}`,
  carrier: f.carrierCode,
  carrierName: f.carrierName,
  origin: f.origin,
  destination: f.destination,
  departureDate: f.departureDate,
  departure: f.departureLocal,
  arrival: f.arrivalLocal,
  durationMinutes: f.durationMinutes,
  aircraft: f.aircraftCode,
  status: FLIGHT_STATUS[f.status] ?? 'unknown',
  version: f.version,
});
