/**
 * The HTTP contract: zod schemas of every request and response. They validate input, shape
 * output, and are the source of /openapi.json (named ones become components).
 */
import { z } from 'zod';
import { CABIN_CODES, PASSENGER_KINDS } from '../flights/codes.js';
import { fields, text, visibleText } from '../flights/fields.js';

export const CABINS = CABIN_CODES;
export const PASSENGER_TYPES = PASSENGER_KINDS;
export const SORTS = ['price', 'duration', 'departure'] as const;

// ——— input ———

/** A real calendar date, "YYYY-MM-DD" (not 2026-02-30). */
export const calendarDate = fields.localDate;

/** IATA airport code, any case, upper-cased. */
export const iataCode = fields.iataCode;

/**
 * A whole number in a query string, written in decimal digits: "2", not "0x2", "2e0", "2.0" or
 * " 2" (z.coerce.number reads each of those as 2, so a typo could search for something else).
 * The document shows it as the integer it is.
 */
const queryInt = (
  min: number,
  max: number,
  rule = `must be a whole number from ${min} to ${max}`,
) =>
  text()
    .regex(/^\d{1,9}$/, rule)
    .transform(Number)
    .pipe(z.number().int().min(min, rule).max(max, rule))
    .meta({ type: 'integer', minimum: min, maximum: max });
/** A passenger count in a query string. */
const count = (min: number) => queryInt(min, 9);
/** A passenger count in a JSON body: a JSON number, never converted (`true`, `"2"`, `[1]` are refused). */
const bodyCount = (min: number, rule = `must be a whole number from ${min} to 9`) =>
  z.number(rule).int(rule).min(min, rule).max(9, rule);

export const searchQuery = z.strictObject({
  origin: iataCode.describe('IATA code of the departure airport'),
  destination: iataCode.describe('IATA code of the arrival airport'),
  date: calendarDate.describe('local departure date at the origin'),
  adults: count(1).default(1),
  children: count(0).default(0),
  infants: count(0).default(0),
  cabin: z.enum(CABINS).default('economy'),
  maxStops: queryInt(0, 2).default(1),
  sort: z.enum(SORTS).default('price'),
  maxResults: queryInt(1, 100).default(20),
});
export type SearchQuery = z.infer<typeof searchQuery>;

/** Where the search service's (proto) field names differ from this API's query parameters. */
export const SEARCH_FIELD_NAMES: Record<string, string> = {
  departureDate: 'date',
  'passengers.adults': 'adults',
  'passengers.children': 'children',
  'passengers.infants': 'infants',
};

export const airportsQuery = z.strictObject({
  q: text()
    .max(100)
    .default('')
    .describe('text to look for: a code, a city or a name, with or without accents'),
  limit: queryInt(1, 100).default(20),
  pageToken: text()
    .max(512)
    .default('')
    .describe('the nextPageToken of the previous page, for the same q'),
});

export const quoteBody = z.strictObject({
  flightIds: z
    // Checked by pricing, which knows which ids exist; its field errors come back named.
    // Any case, as the flight routes take them: the mesh's ids are upper-case.
    .array(
      text()
        .min(1)
        .max(64)
        .transform((s) => s.toUpperCase()),
    )
    .min(1)
    .max(3)
    .describe('dated flight ids from a search result, in travel order'),
  passengers: z
    .strictObject({
      adults: bodyCount(1),
      children: bodyCount(0).default(0),
      infants: bodyCount(0).default(0),
    })
    // The mesh's own rule: at most 9 seats, an infant on each adult's lap at most.
    .pipe(fields.passengers),
  cabin: z.enum(CABINS),
});

export const idempotencyKey = z
  .string({ error: 'the Idempotency-Key header is required' })
  // Node reads a header's bytes one by one (latin1): UTF-8 arrives as characters U+0080–U+00FF,
  // some of them C1 controls, and would be refused for those instead of for what was sent.
  // Other text problems (C0 controls, DEL) keep the text rule's words, as every field does.
  .superRefine((s, ctx) => {
    // Sent but empty: the mesh's rule (clientId) says "is required", which over gRPC is what an
    // empty field means; a header sent empty was sent.
    if (s === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    const c0OrDel = [...s].some((c) => c < ' ' || c === '\u007F');
    if (/[\u0080-\u00FF]/.test(s) && !c0OrDel)
      ctx.addIssue({
        code: 'custom',
        message: 'must be printable ASCII: letters (a–z, A–Z), digits and . _ : ~ -',
      });
  })
  .pipe(fields.clientId);

export const quoteHeaders = z.object({
  'idempotency-key': idempotencyKey
    .optional()
    .describe('optional: a retry with the same key returns the same quote'),
});

export const quoteParams = z.object({ id: text().min(1).max(64) });

export const bookingBody = z.strictObject({
  quoteId: text().min(1).max(64),
  passengers: z
    .array(
      z.strictObject({
        givenName: fields.personName,
        familyName: fields.personName,
        type: z.enum(PASSENGER_TYPES),
        dateOfBirth: fields.dateOfBirth,
      }),
    )
    .min(1)
    .max(27),
  contactEmail: text().max(254).pipe(z.email()),
});

export const bookingHeaders = z.object({
  'idempotency-key': idempotencyKey.describe(
    'required: a retry with the same key returns the same booking, never a second one',
  ),
});

export const bookingParams = z.object({
  reference: fields.bookingReference,
});

export const bookingsQuery = z.strictObject({
  pageSize: queryInt(1, 100).default(20),
  pageToken: text().max(512).default(''),
});

export type QuoteBody = z.infer<typeof quoteBody>;
export type BookingBody = z.infer<typeof bookingBody>;

/**
 * The body of a route that can do without one: none at all, an empty body (under
 * `application/json` too: bff/http-input.ts reads it as none), or a JSON object of `shape`.
 * `null` here is fastify's "no body" (its validation is handed null for an absent body); a
 * JSON `null`, array, string, number or boolean never gets this far: `rejectNonObjectBody` (bff/
 * http-input.ts) answers 400 naming `(body)`, on every route that reads a body.
 */
export const optionalBody = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).nullish();

export const cancelBody = optionalBody({ reason: text().max(200).default('') });

/** The body of a route that reads nothing from it (/auth/logout): none, or `{}`. */
export const emptyBody = z.strictObject({}).nullish();

// ——— output ———

export const money = z
  .object({
    amount: z
      .number()
      .int()
      .describe("integer amount in the currency's minor unit (ISO-4217 exponent: USD 2, JPY 0)"),
    currency: z.string().describe('ISO-4217 code, e.g. "USD"'),
  })
  .meta({
    id: 'Money',
    description:
      '53037 USD is 530.37 USD: amounts are integers in the minor unit of the currency, whose ISO-4217 exponent says how many digits are decimals (USD, EUR: 2; JPY: 0).',
  });

const localTime = z
  .string()
  .describe('ISO-8601 local time at the airport with its UTC offset, 2026-12-01T08:25:00-05:00');
const instant = z.string().describe('ISO-8601 instant in UTC, 2026-12-01T13:25:00.000Z');

export const airport = z
  .object({
    code: z.string().describe('IATA code'),
    icao: z.string().nullable(),
    name: z.string(),
    city: z.string(),
    country: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    timeZone: z.string().describe('IANA time zone of every local time at this airport'),
  })
  .meta({ id: 'Airport' });

export const segment = z
  .object({
    flightId: z.string(),
    flightNumber: z.string().describe('carrier code and number, "BA117"'),
    carrier: z.string(),
    origin: z.string(),
    destination: z.string(),
    departure: localTime,
    arrival: localTime,
    durationMinutes: z.number().int(),
    distanceKm: z.number().int(),
    aircraft: z.string(),
  })
  .meta({ id: 'Segment' });

export const price = z
  .object({
    total: money.nullable(),
    fareBuckets: z.array(z.string()).describe('fare bucket per segment'),
    lines: z.array(
      z.object({
        kind: z.enum(['fare', 'tax', 'fee', 'other']),
        code: z.string(),
        description: z.string(),
        passengerType: z.enum(PASSENGER_TYPES).nullable(),
        segmentIndex: z.number().int().nullable().describe('null: for the whole itinerary'),
        unitAmount: money.nullable(),
        quantity: z.number().int(),
        amount: money.nullable(),
      }),
    ),
  })
  .meta({ id: 'Price', description: 'An itemised price; the lines add up to the total.' });

export const itinerary = z
  .object({
    id: z.string(),
    segments: z.array(segment),
    departure: localTime.nullable(),
    arrival: localTime.nullable(),
    durationMinutes: z.number().int(),
    stops: z.number().int(),
    price: price.nullable(),
    priceStatus: z
      .enum(['priced', 'estimated', 'unpriced'])
      .describe('estimated: priced from last known load factors; unpriced: pricing was down'),
  })
  .meta({ id: 'Itinerary' });

export const searchSummary = z.object({
  resultCount: z.number().int(),
  partial: z.boolean().describe('true when the deadline cut the search short'),
  note: z.string().nullable(),
  elapsedMs: z.number().int(),
});

export const searchResult = z
  .object({ itineraries: z.array(itinerary) })
  .extend(searchSummary.shape)
  .meta({ id: 'SearchResult' });

export const quote = z
  .object({
    id: z.string(),
    status: z.enum(['active', 'expired']),
    segments: z.array(segment),
    passengers: z.object({
      adults: z.number().int(),
      children: z.number().int(),
      infants: z.number().int(),
    }),
    cabin: z.enum(CABINS).nullable(),
    price: price.nullable(),
    createdAt: instant.nullable(),
    expiresAt: instant.nullable().describe('the price is guaranteed until then'),
  })
  .meta({ id: 'Quote' });

export const booking = z
  .object({
    reference: z.string().describe('6-character booking reference'),
    status: z.enum(['pending', 'confirmed', 'failed', 'cancelled', 'unknown']),
    quoteId: z.string(),
    segments: z.array(segment),
    cabin: z.enum(CABINS).nullable(),
    passengers: z.array(
      z.object({
        givenName: z.string(),
        familyName: z.string(),
        type: z.enum(PASSENGER_TYPES).nullable(),
        dateOfBirth: z.string(),
      }),
    ),
    contactEmail: z.string(),
    price: price.nullable(),
    failureReason: z.string().nullable(),
    createdAt: instant.nullable(),
    updatedAt: instant.nullable(),
  })
  .meta({ id: 'Booking' });

export const bookingList = z.object({
  bookings: z.array(booking),
  nextPageToken: z.string().nullable().describe('pass as pageToken for the next page'),
});

export const problem = z
  .object({
    type: z.string().describe('URI naming the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    reason: z.string().optional().describe('the service\'s reason code, e.g. "SOLD_OUT"'),
    errors: z
      .array(z.object({ field: z.string(), detail: z.string() }))
      .optional()
      .describe('one entry per bad field, with its JSON path'),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

export type MoneyJson = z.infer<typeof money>;
export type AirportJson = z.infer<typeof airport>;
export type SegmentJson = z.infer<typeof segment>;
export type PriceJson = z.infer<typeof price>;
export type ItineraryJson = z.infer<typeof itinerary>;
export type SearchSummaryJson = z.infer<typeof searchSummary>;
export type QuoteJson = z.infer<typeof quote>;
export type BookingJson = z.infer<typeof booking>;
export type ProblemJson = z.infer<typeof problem>;

// ——— flights (the operator's view of the timetable) ———

export const flightsQuery = z.strictObject({
  origin: iataCode.describe('IATA code of the departure airport'),
  destination: iataCode.describe('IATA code of the arrival airport'),
  date: calendarDate.describe('local departure date at the origin'),
});

export const flightParams = z.object({
  // Any case, as a URL may be typed; the mesh's rule on the upper-cased id.
  flightId: text()
    .transform((s) => s.toUpperCase())
    .pipe(fields.flightId),
});

export const flightChangeHeaders = z.object({
  'idempotency-key': idempotencyKey.describe(
    'required: a retry with the same key is the same change, made once; the key used for another change is 422',
  ),
});

export const retimeBody = z.strictObject({
  departure: text()
    .pipe(z.iso.datetime({ offset: true }))
    // Checked on the text: a Date keeps whole milliseconds only, so ".0001" would be cut off
    // before schedule's whole-minute rule could see it.
    .refine(
      (s) => /T\d\d:\d\d:00(?:\.0*)?(?:Z|[+-]\d\d:\d\d)$/i.test(s),
      'must be a whole minute (no seconds)',
    )
    .describe('the new departure, ISO-8601 with an offset, within 72 hours of the scheduled one'),
  reason: visibleText(text().trim().min(1).max(200)),
});

export const flightCancelBody = z.strictObject({
  reason: visibleText(text().trim().min(1).max(200)),
});

export const flight = z
  .object({
    flightId: z.string(),
    flightNumber: z.string().describe('carrier code and number, "BA117"'),
    carrier: z.string(),
    carrierName: z.string(),
    origin: z.string(),
    destination: z.string(),
    departureDate: z.string().describe('local departure date at the origin'),
    departure: localTime,
    arrival: localTime,
    durationMinutes: z.number().int(),
    aircraft: z.string(),
    status: z.enum(['scheduled', 'retimed', 'cancelled', 'unknown']),
    version: z.number().int().describe('grows with every operational change'),
  })
  .meta({ id: 'Flight' });

export type FlightJson = z.infer<typeof flight>;
