import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CallOptions } from '../platform/clients.js';
import type { ServiceName } from '../platform/mesh.js';
import { HealthCheckResponse_ServingStatus } from '../gen/ts/grpc/health/v1/health.js';
import type {
  SearchItinerariesRequest,
  SearchSummary,
  Itinerary,
} from '../gen/ts/flights/v1/search.js';
import type { BffClients } from './clients.js';
import type { BffConfig } from './config.js';
import { requestBudgetMs } from './deadlines.js';
import {
  airportJson,
  bookingJson,
  CABINS,
  cabinEnum,
  itineraryJson,
  PASSENGER_TYPES,
  passengerEnum,
  quoteJson,
  SORTS,
  sortEnum,
  summaryJson,
} from './json.js';

export interface RouteDeps {
  clients: BffClients;
  config: BffConfig;
  authenticate(authorization: string | undefined): Promise<string>;
}

const iata = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter IATA airport code')
  .transform((s) => s.toUpperCase());
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const count = (min: number) => z.coerce.number().int().min(min).max(9);

const searchQuery = z.object({
  origin: iata.describe('IATA code of the departure airport'),
  destination: iata.describe('IATA code of the arrival airport'),
  date: date.describe('local departure date at the origin'),
  adults: count(1).default(1),
  children: count(0).default(0),
  infants: count(0).default(0),
  cabin: z.enum(CABINS).default('economy'),
  maxStops: z.coerce.number().int().min(0).max(2).default(1),
  sort: z.enum(SORTS).default('price'),
  maxResults: z.coerce.number().int().min(1).max(100).default(20),
});

const passengersBody = z.object({
  adults: count(1),
  children: count(0).default(0),
  infants: count(0).default(0),
});
const quoteBody = z.object({
  flightIds: z
    .array(z.string().min(1))
    .min(1)
    .max(3)
    .describe('dated flight ids from a search result, in travel order'),
  passengers: passengersBody,
  cabin: z.enum(CABINS),
});
const bookingBody = z.object({
  quoteId: z.string().min(1),
  passengers: z
    .array(
      z.object({
        givenName: z.string().min(1).max(100),
        familyName: z.string().min(1).max(100),
        type: z.enum(PASSENGER_TYPES),
        dateOfBirth: date,
      }),
    )
    .min(1)
    .max(18),
  contactEmail: z.string().email(),
});
const idempotencyKey = z
  .string({ error: 'the Idempotency-Key header is required' })
  .regex(/^[A-Za-z0-9._:~-]{1,128}$/, 'must be 1–128 characters of letters, digits and . _ : ~ -');
const reference = z.object({
  reference: z.string().regex(/^[A-Za-z0-9]{6}$/, 'must be a 6-character booking reference'),
});

/** Call options for one request: its deadline budget and cancellation when the client goes away. */
function callOptions(req: FastifyRequest, reply: FastifyReply, budgetMs: number): CallOptions {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return {
    deadlineMs: requestBudgetMs(budgetMs, req.headers['x-request-timeout']),
    signal: controller.signal,
  };
}

function searchRequest(q: z.infer<typeof searchQuery>): SearchItinerariesRequest {
  return {
    origin: q.origin,
    destination: q.destination,
    departureDate: q.date,
    passengers: { adults: q.adults, children: q.children, infants: q.infants },
    cabin: cabinEnum(q.cabin),
    maxStops: q.maxStops,
    sort: sortEnum(q.sort),
    maxResults: q.maxResults,
  };
}

const byPrice = (a: Itinerary, b: Itinerary) =>
  (a.price?.total?.amountMinor ?? Infinity) - (b.price?.total?.amountMinor ?? Infinity);
const ORDER = {
  price: (a: Itinerary, b: Itinerary) => byPrice(a, b) || a.durationMinutes - b.durationMinutes,
  duration: (a: Itinerary, b: Itinerary) => a.durationMinutes - b.durationMinutes || byPrice(a, b),
  departure: (a: Itinerary, b: Itinerary) =>
    a.departureTime!.getTime() - b.departureTime!.getTime() || byPrice(a, b),
};

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { clients, config } = deps;

  api.get('/api/v1/airports', {
    schema: {
      summary: 'Find airports by code, city or name',
      tags: ['airports'],
      querystring: z.object({
        q: z.string().max(100).default(''),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    handler: async (req, reply) => {
      const { airports } = await clients.schedule.listAirports(
        { query: req.query.q, pageSize: req.query.limit, pageToken: '' },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return { airports: airports.map(airportJson) };
    },
  });

  api.get('/api/v1/search', {
    schema: {
      summary: 'Search itineraries (whole result, sorted)',
      tags: ['search'],
      querystring: searchQuery,
    },
    handler: async (req, reply) => {
      const itineraries: Itinerary[] = [];
      let summary: SearchSummary | undefined;
      for await (const r of clients.search.searchItineraries(
        searchRequest(req.query),
        callOptions(req, reply, config.SEARCH_TIMEOUT_MS),
      )) {
        if (r.itinerary) itineraries.push(r.itinerary);
        if (r.summary) summary = r.summary;
      }
      itineraries.sort(ORDER[req.query.sort]);
      return { itineraries: itineraries.map(itineraryJson), ...summaryJson(summary) };
    },
  });

  api.get('/api/v1/search/stream', {
    schema: {
      summary:
        'Search itineraries as Server-Sent Events: one `itinerary` event each as it is priced, then `end`',
      tags: ['search'],
      querystring: searchQuery,
    },
    handler: async (req, reply) => {
      const options = callOptions(req, reply, config.STREAM_TIMEOUT_MS);
      const results = clients.search.searchItineraries(searchRequest(req.query), options);
      const stream = results[Symbol.asyncIterator]();
      // The first message decides the status: an error before it is an ordinary problem response.
      let next = await stream.next();
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        ...(reply.getHeaders() as Record<string, string>),
      });
      const send = (event: string, data: unknown) =>
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      try {
        while (!next.done) {
          if (next.value.itinerary) send('itinerary', itineraryJson(next.value.itinerary));
          if (next.value.summary) send('end', summaryJson(next.value.summary));
          next = await stream.next();
        }
      } catch (err) {
        if (!options.signal?.aborted)
          send('error', { title: 'search failed', detail: (err as Error).message });
      } finally {
        out.end();
      }
    },
  });

  api.post('/api/v1/quotes', {
    schema: {
      summary: 'Quote an itinerary: a price guaranteed until expiresAt',
      tags: ['quotes'],
      body: quoteBody,
    },
    handler: async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const { quote } = await clients.pricing.createQuote(
        {
          flightIds: req.body.flightIds,
          passengers: req.body.passengers,
          cabin: cabinEnum(req.body.cabin),
          requestId: typeof key === 'string' ? key : '',
        },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return reply
        .code(201)
        .header('location', `/api/v1/quotes/${quote!.quoteId}`)
        .send(quoteJson(quote!));
    },
  });

  api.get('/api/v1/quotes/:id', {
    schema: {
      summary: 'Read a quote',
      tags: ['quotes'],
      params: z.object({ id: z.string().min(1) }),
    },
    handler: async (req, reply) => {
      const { quote } = await clients.pricing.getQuote(
        { quoteId: req.params.id },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return quoteJson(quote!);
    },
  });

  const auth = { security: [{ bearer: [] }], tags: ['bookings'] };

  api.post('/api/v1/bookings', {
    schema: {
      ...auth,
      summary: 'Book a quote (send an Idempotency-Key; a retry returns the same booking)',
      headers: z.object({ 'idempotency-key': idempotencyKey }),
      body: bookingBody,
    },
    handler: async (req, reply) => {
      const customerId = await deps.authenticate(req.headers.authorization);
      const { booking } = await clients.booking.createBooking(
        {
          idempotencyKey: req.headers['idempotency-key'],
          quoteId: req.body.quoteId,
          customerId,
          passengers: req.body.passengers.map((p) => ({ ...p, type: passengerEnum(p.type) })),
          contactEmail: req.body.contactEmail,
        },
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return reply
        .code(201)
        .header('location', `/api/v1/bookings/${booking!.bookingReference}`)
        .send(bookingJson(booking!));
    },
  });

  api.get('/api/v1/bookings', {
    schema: {
      ...auth,
      summary: 'My bookings, newest first',
      querystring: z.object({
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
        pageToken: z.string().default(''),
      }),
    },
    handler: async (req, reply) => {
      const customerId = await deps.authenticate(req.headers.authorization);
      const r = await clients.booking.listBookings(
        { customerId, pageSize: req.query.pageSize, pageToken: req.query.pageToken },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return { bookings: r.bookings.map(bookingJson), nextPageToken: r.nextPageToken || null };
    },
  });

  api.get('/api/v1/bookings/:reference', {
    schema: { ...auth, summary: 'One of my bookings', params: reference },
    handler: async (req, reply) => {
      const customerId = await deps.authenticate(req.headers.authorization);
      const { booking } = await clients.booking.getBooking(
        { bookingReference: req.params.reference, customerId },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return bookingJson(booking!);
    },
  });

  api.post('/api/v1/bookings/:reference/cancel', {
    schema: {
      ...auth,
      summary: 'Cancel one of my bookings (cancelling twice is fine)',
      params: reference,
      body: z.object({ reason: z.string().max(200).default('') }).nullish(),
    },
    handler: async (req, reply) => {
      const customerId = await deps.authenticate(req.headers.authorization);
      const { booking } = await clients.booking.cancelBooking(
        { bookingReference: req.params.reference, customerId, reason: req.body?.reason ?? '' },
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return bookingJson(booking!);
    },
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const names = Object.keys(clients.health) as ServiceName[];
    const states = await Promise.all(
      names.map((name) =>
        clients.health[name].check({ service: '' }, { deadlineMs: 1_000 }).then(
          (r) => r.status === HealthCheckResponse_ServingStatus.SERVING,
          () => false,
        ),
      ),
    );
    const dependencies = Object.fromEntries(
      names.map((n, i) => [n, states[i] ? 'serving' : 'unavailable']),
    );
    const ready = states.every(Boolean);
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', dependencies });
  });
}
