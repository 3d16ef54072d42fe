/** Pure translation, no network: proto → JSON shapes, request budgets, field paths. */
import { describe, expect, it } from 'vitest';
import { BookingStatus, type Booking } from '../gen/ts/flights/v1/booking.js';
import {
  Cabin,
  PassengerType,
  PriceLine_Kind,
  type FlightSegment,
  type PriceBreakdown,
} from '../gen/ts/flights/v1/common.js';
import { QuoteStatus, type Quote } from '../gen/ts/flights/v1/pricing.js';
import { PriceStatus, SortOrder, type Itinerary } from '../gen/ts/flights/v1/search.js';
import { jsonPointerToPath } from './error-handler.js';
import { requestBudgetMs } from './deadlines.js';
import {
  airportJson,
  bookingJson,
  cabinEnum,
  cabinName,
  CABINS,
  itineraryJson,
  money,
  passengerEnum,
  passengerName,
  PASSENGER_TYPES,
  quoteJson,
  sortEnum,
  summaryJson,
} from './json.js';
import { HttpProblem } from './problem.js';
import * as schemas from './schemas.js';

const segment: FlightSegment = {
  flightId: 'BA117-2026-12-01',
  carrierCode: 'BA',
  flightNumber: 117,
  origin: 'LHR',
  destination: 'JFK',
  departureTime: new Date('2026-12-01T08:25:00Z'),
  arrivalTime: new Date('2026-12-01T16:10:00Z'),
  departureLocal: '2026-12-01T08:25:00+00:00',
  arrivalLocal: '2026-12-01T11:10:00-05:00',
  durationMinutes: 465,
  distanceKm: 5555,
  aircraftCode: '77W',
};

const price: PriceBreakdown = {
  total: { currency: 'USD', amountMinor: 53037 },
  fareBuckets: ['M'],
  lines: [
    {
      kind: PriceLine_Kind.KIND_BASE_FARE,
      code: 'FARE',
      description: 'Fare, segment 1',
      passengerType: PassengerType.PASSENGER_TYPE_ADULT,
      segmentIndex: 0,
      unitAmount: { currency: 'USD', amountMinor: 45000 },
      quantity: 1,
      amount: { currency: 'USD', amountMinor: 45000 },
    },
    {
      kind: PriceLine_Kind.KIND_TAX,
      code: 'APC',
      description: 'Airport charge',
      passengerType: PassengerType.PASSENGER_TYPE_UNSPECIFIED,
      segmentIndex: -1,
      unitAmount: { currency: 'USD', amountMinor: 8037 },
      quantity: 1,
      amount: { currency: 'USD', amountMinor: 8037 },
    },
  ],
};

describe('proto → JSON', () => {
  it('writes money as integer minor units with the currency', () => {
    expect(money({ currency: 'JPY', amountMinor: 12000 })).toEqual({
      amount: 12000,
      currency: 'JPY',
    });
    expect(money(undefined)).toBeNull();
  });

  it('shapes an itinerary: camelCase, local times with offsets, itemised price', () => {
    const it: Itinerary = {
      itineraryId: segment.flightId,
      segments: [segment],
      departureTime: segment.departureTime,
      arrivalTime: segment.arrivalTime,
      durationMinutes: 465,
      stops: 0,
      price,
      priceStatus: PriceStatus.PRICE_STATUS_DEGRADED,
    };
    const json = itineraryJson(it);
    expect(json).toEqual({
      id: 'BA117-2026-12-01',
      segments: [
        {
          flightId: 'BA117-2026-12-01',
          flightNumber: 'BA117',
          carrier: 'BA',
          origin: 'LHR',
          destination: 'JFK',
          departure: '2026-12-01T08:25:00+00:00',
          arrival: '2026-12-01T11:10:00-05:00',
          durationMinutes: 465,
          distanceKm: 5555,
          aircraft: '77W',
        },
      ],
      departure: '2026-12-01T08:25:00+00:00',
      arrival: '2026-12-01T11:10:00-05:00',
      durationMinutes: 465,
      stops: 0,
      price: {
        total: { amount: 53037, currency: 'USD' },
        fareBuckets: ['M'],
        lines: [
          {
            kind: 'fare',
            code: 'FARE',
            description: 'Fare, segment 1',
            passengerType: 'adult',
            segmentIndex: 0,
            unitAmount: { amount: 45000, currency: 'USD' },
            quantity: 1,
            amount: { amount: 45000, currency: 'USD' },
          },
          {
            kind: 'tax',
            code: 'APC',
            description: 'Airport charge',
            passengerType: null,
            segmentIndex: null,
            unitAmount: { amount: 8037, currency: 'USD' },
            quantity: 1,
            amount: { amount: 8037, currency: 'USD' },
          },
        ],
      },
      priceStatus: 'estimated',
    });
    // What the mapping writes is what the response schema (and so OpenAPI) promises.
    expect(schemas.itinerary.parse(json)).toEqual(json);
    expect(
      itineraryJson({ ...it, price: undefined, priceStatus: PriceStatus.UNRECOGNIZED }),
    ).toMatchObject({ price: null, priceStatus: 'unpriced' });
  });

  it('summarises a search; a missing summary counts as partial', () => {
    expect(summaryJson({ resultCount: 3, partial: false, note: '', elapsedMs: 12 })).toEqual({
      resultCount: 3,
      partial: false,
      note: null,
      elapsedMs: 12,
    });
    expect(summaryJson(undefined).partial).toBe(true);
  });

  it('shapes a quote with UTC instants and its expiry', () => {
    const q: Quote = {
      quoteId: 'q1',
      segments: [segment],
      passengers: { adults: 2, children: 1, infants: 0 },
      cabin: Cabin.CABIN_BUSINESS,
      price,
      createdAt: new Date('2026-11-20T10:00:00Z'),
      expiresAt: new Date('2026-11-20T10:15:00Z'),
      status: QuoteStatus.QUOTE_STATUS_ACTIVE,
    };
    const json = quoteJson(q);
    expect(json).toMatchObject({
      id: 'q1',
      status: 'active',
      passengers: { adults: 2, children: 1, infants: 0 },
      cabin: 'business',
      createdAt: '2026-11-20T10:00:00.000Z',
      expiresAt: '2026-11-20T10:15:00.000Z',
    });
    expect(schemas.quote.parse(json)).toEqual(json);
    expect(quoteJson({ ...q, status: QuoteStatus.QUOTE_STATUS_EXPIRED }).status).toBe('expired');
  });

  it('shapes a booking without internal ids (booking id, customer id)', () => {
    const b: Booking = {
      bookingId: 'internal-uuid',
      bookingReference: 'K7QX2M',
      customerId: 'alice',
      status: BookingStatus.BOOKING_STATUS_CONFIRMED,
      quoteId: 'q1',
      segments: [segment],
      cabin: Cabin.CABIN_ECONOMY,
      passengers: [
        {
          givenName: 'Ada',
          familyName: 'Lovelace',
          type: PassengerType.PASSENGER_TYPE_ADULT,
          dateOfBirth: '1985-12-10',
        },
      ],
      contactEmail: 'ada@example.com',
      price,
      failureReason: '',
      createdAt: new Date('2026-11-20T10:01:00Z'),
      updatedAt: new Date('2026-11-20T10:01:01Z'),
    };
    const json = bookingJson(b);
    expect(json).toMatchObject({
      reference: 'K7QX2M',
      status: 'confirmed',
      passengers: [{ givenName: 'Ada', type: 'adult', dateOfBirth: '1985-12-10' }],
      failureReason: null,
    });
    expect(JSON.stringify(json)).not.toMatch(/internal-uuid|alice/);
    expect(schemas.booking.parse(json)).toEqual(json);
    for (const [status, name] of [
      [BookingStatus.BOOKING_STATUS_PENDING, 'pending'],
      [BookingStatus.BOOKING_STATUS_FAILED, 'failed'],
      [BookingStatus.BOOKING_STATUS_CANCELLED, 'cancelled'],
    ] as const)
      expect(bookingJson({ ...b, status }).status).toBe(name);
  });

  it('shapes an airport', () => {
    const json = airportJson({
      iataCode: 'JFK',
      icaoCode: '',
      name: 'John F Kennedy International Airport',
      city: 'New York',
      country: 'United States',
      latitude: 40.64,
      longitude: -73.78,
      timeZone: 'America/New_York',
    });
    expect(json).toMatchObject({ code: 'JFK', icao: null, timeZone: 'America/New_York' });
    expect(schemas.airport.parse(json)).toEqual(json);
  });

  it('round-trips every enum word', () => {
    for (const c of CABINS) expect(cabinName(cabinEnum(c))).toBe(c);
    for (const t of PASSENGER_TYPES) expect(passengerName(passengerEnum(t))).toBe(t);
    expect(cabinName(Cabin.CABIN_UNSPECIFIED)).toBeNull();
    expect(sortEnum('duration')).toBe(SortOrder.SORT_ORDER_DURATION);
  });
});

describe('request input', () => {
  it('accepts real calendar dates only', () => {
    expect(schemas.calendarDate.safeParse('2028-02-29').success).toBe(true);
    for (const bad of ['2026-02-30', '2026-13-01', 'tomorrow', '2026-1-1', ''])
      expect(schemas.calendarDate.safeParse(bad).success, bad).toBe(false);
  });

  it('reads search parameters from strings, with defaults', () => {
    expect(
      schemas.searchQuery.parse({ origin: 'jfk', destination: 'LHR', date: '2026-12-01' }),
    ).toEqual({
      origin: 'JFK',
      destination: 'LHR',
      date: '2026-12-01',
      adults: 1,
      children: 0,
      infants: 0,
      cabin: 'economy',
      maxStops: 1,
      sort: 'price',
      maxResults: 20,
    });
  });

  it('applies the mesh’s passenger rule to a quote, naming the field', () => {
    const quote = (passengers: Record<string, number>) =>
      schemas.quoteBody.safeParse({ flightIds: ['BA117-2026-12-01'], passengers, cabin: 'first' });
    expect(quote({ adults: 2, infants: 2 }).success).toBe(true);
    for (const [passengers, field] of [
      [{ adults: 1, infants: 2 }, 'infants'],
      [{ adults: 5, children: 5 }, 'children'],
    ] as const) {
      const r = quote(passengers);
      expect(
        r.error?.issues.map((i) => i.path.join('.')),
        field,
      ).toEqual([`passengers.${field}`]);
    }
  });

  it('turns JSON pointers into the paths clients write', () => {
    expect(jsonPointerToPath('/passengers/0/givenName')).toBe('passengers[0].givenName');
    expect(jsonPointerToPath('/date')).toBe('date');
    expect(jsonPointerToPath('')).toBe('');
  });
});

describe('deadline budget', () => {
  it('is the route budget unless X-Request-Timeout asks for less', () => {
    expect(requestBudgetMs(3000, undefined)).toBe(3000);
    expect(requestBudgetMs(3000, '2500')).toBe(2500);
    expect(requestBudgetMs(3000, '2500ms')).toBe(2500);
    expect(requestBudgetMs(3000, '1.5s')).toBe(1500);
    expect(requestBudgetMs(3000, '60s')).toBe(3000);
    expect(requestBudgetMs(3000, ['100', '9000'])).toBe(100);
    expect(requestBudgetMs(3000, '0.0001s')).toBe(1);
  });

  it('rejects no time at all (0 could mean "none" or "no limit"), naming the header', () => {
    for (const zero of ['0', '0ms', '0s', '0.0s']) {
      const err = (() => {
        try {
          requestBudgetMs(3000, zero);
        } catch (e) {
          return e as HttpProblem;
        }
        throw new Error(`expected ${zero} to be refused`);
      })();
      expect(err.toResponse().status).toBe(400);
      expect(err.toResponse().body.errors).toEqual([
        { field: 'x-request-timeout', detail: 'must be more than 0' },
      ]);
    }
  });

  it('rejects a header that is not a duration, naming it', () => {
    for (const bad of ['soon', '-1', '1h', ''])
      expect(() => requestBudgetMs(3000, bad)).toThrowError(HttpProblem);
    try {
      requestBudgetMs(3000, 'soon');
    } catch (err) {
      expect((err as HttpProblem).toResponse().body.errors?.[0]?.field).toBe('x-request-timeout');
    }
  });
});
