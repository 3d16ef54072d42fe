import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HealthCheckResponse_ServingStatus } from '../gen/ts/grpc/health/v1/health.js';
import type {
  Itinerary,
  SearchItinerariesRequest,
  SearchSummary,
} from '../gen/ts/flights/v1/search.js';
import type { CallOptions } from '../platform/clients.js';
import { errorDetails } from '../platform/errors.js';
import type { ServiceName } from '../platform/mesh.js';
import { requireRole, type Authenticator } from './auth.js';
import type { BffClients } from './clients.js';
import type { BffConfig } from './config.js';
import { requestBudgetMs } from './deadlines.js';
import {
  airportJson,
  bookingJson,
  cabinEnum,
  itineraryJson,
  passengerEnum,
  quoteJson,
  sortEnum,
  summaryJson,
} from './json.js';
import { problemFromGrpc } from './problem.js';
import {
  airport,
  airportsQuery,
  booking,
  bookingBody,
  bookingHeaders,
  bookingList,
  bookingParams,
  bookingsQuery,
  cancelBody,
  problem,
  quote,
  quoteBody,
  quoteHeaders,
  quoteParams,
  SEARCH_FIELD_NAMES,
  searchQuery,
  searchResult,
  type SearchQuery,
} from './schemas.js';

export interface RouteDeps {
  clients: BffClients;
  config: BffConfig;
  authenticate: Authenticator;
  draining?: () => boolean;
}

const problemContent = { 'application/problem+json': { schema: problem } };
const problems = {
  '4XX': { description: 'client error (problem+json)', content: problemContent },
  '5XX': {
    description: 'server error: 503 and 504 say which, with Retry-After on 503',
    content: problemContent,
  },
};

/**
 * Call options for one request: its deadline budget, and cancellation of the downstream call
 * when the client goes away before the answer is written.
 */
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

function searchRequest(q: SearchQuery): SearchItinerariesRequest {
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
/** The search service streams batch by batch; the whole JSON result is in one order. */
const ORDER = {
  price: (a: Itinerary, b: Itinerary) => byPrice(a, b) || a.durationMinutes - b.durationMinutes,
  duration: (a: Itinerary, b: Itinerary) => a.durationMinutes - b.durationMinutes || byPrice(a, b),
  departure: (a: Itinerary, b: Itinerary) =>
    (a.segments[0]?.departureTime?.getTime() ?? 0) -
      (b.segments[0]?.departureTime?.getTime() ?? 0) || byPrice(a, b),
};

/** A comment line now and then keeps idle proxies from closing a quiet event stream. */
const SSE_HEARTBEAT_MS = 15_000;

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { clients, config } = deps;

  api.get('/api/v1/airports', {
    schema: {
      summary: 'Find airports by code, city or name',
      tags: ['airports'],
      querystring: airportsQuery,
      response: { 200: z.object({ airports: z.array(airport) }), ...problems },
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
      summary: 'Search itineraries (the whole result, sorted)',
      description:
        'Direct and connecting itineraries leaving on the local date at the origin, priced. `partial` is true when the deadline cut the search short.',
      tags: ['search'],
      querystring: searchQuery,
      response: { 200: searchResult, ...problems },
    },
    config: { fieldNames: SEARCH_FIELD_NAMES },
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
      summary: 'Search itineraries as Server-Sent Events',
      description: [
        'The same search, streamed as each batch is priced (`text/event-stream`):',
        '`event: itinerary` with one Itinerary as JSON in `data:`, once per itinerary;',
        'then `event: end` with `{resultCount, partial, note, elapsedMs}`; the server then closes the stream.',
        'A failure after the first event arrives as `event: problem` with a problem+json body.',
        'An EventSource reconnects when a stream closes: close it yourself on `end`.',
      ].join(' '),
      tags: ['search'],
      querystring: searchQuery,
      response: {
        200: {
          description:
            'event: itinerary (data: an Itinerary), …, then event: end (data: resultCount, partial, note, elapsedMs)',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        ...problems,
      },
    },
    config: { fieldNames: SEARCH_FIELD_NAMES },
    handler: async (req, reply) => {
      const options = callOptions(req, reply, config.STREAM_TIMEOUT_MS);
      const results = clients.search.searchItineraries(searchRequest(req.query), options);
      const stream = results[Symbol.asyncIterator]();
      // The first message decides the status: a failure before it is an ordinary problem.
      let next = await stream.next();
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) =>
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
      try {
        while (!next.done) {
          if (next.value.itinerary) send('itinerary', itineraryJson(next.value.itinerary));
          if (next.value.summary) send('end', summaryJson(next.value.summary));
          next = await stream.next();
        }
      } catch (err) {
        // A client that left has cancelled the call; nobody is there to tell.
        if (!options.signal?.aborted) {
          const p = problemFromGrpc(errorDetails(err), SEARCH_FIELD_NAMES);
          send('problem', p.body);
          req.log.warn({ err: (err as Error).message }, 'search stream failed midway');
        }
      } finally {
        clearInterval(heartbeat);
        out.end();
      }
    },
  });

  api.post('/api/v1/quotes', {
    schema: {
      summary: 'Quote an itinerary: a price guaranteed until expiresAt',
      tags: ['quotes'],
      headers: quoteHeaders,
      body: quoteBody,
      response: { 201: quote, ...problems },
    },
    handler: async (req, reply) => {
      const { quote } = await clients.pricing.createQuote(
        {
          flightIds: req.body.flightIds,
          passengers: req.body.passengers,
          cabin: cabinEnum(req.body.cabin),
          requestId: req.headers['idempotency-key'] ?? '',
        },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return reply
        .code(201)
        .header('location', `/api/v1/quotes/${encodeURIComponent(quote!.quoteId)}`)
        .send(quoteJson(quote!));
    },
  });

  api.get('/api/v1/quotes/:id', {
    schema: {
      summary: 'Read a quote',
      tags: ['quotes'],
      params: quoteParams,
      response: { 200: quote, ...problems },
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
  /**
   * Booking routes check the bearer token first (no token, no further word about the request)
   * and need the customer role: bookings are kept under the token's subject.
   */
  const authenticated = {
    onRequest: async (req: FastifyRequest) => {
      req.customerId = requireRole(
        await deps.authenticate(req.headers.authorization),
        'customer',
      ).subject;
    },
  };

  api.post('/api/v1/bookings', {
    ...authenticated,
    schema: {
      ...auth,
      summary: 'Book a quote',
      description:
        'Send an `Idempotency-Key`: a retry with the same key and body returns the same booking (201 again); the same key with another body is 422.',
      headers: bookingHeaders,
      body: bookingBody,
      response: { 201: booking, ...problems },
    },
    handler: async (req, reply) => {
      const customerId = req.customerId!;
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
    ...authenticated,
    schema: {
      ...auth,
      summary: 'My bookings, newest first',
      querystring: bookingsQuery,
      response: { 200: bookingList, ...problems },
    },
    handler: async (req, reply) => {
      const customerId = req.customerId!;
      const r = await clients.booking.listBookings(
        { customerId, pageSize: req.query.pageSize, pageToken: req.query.pageToken },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return { bookings: r.bookings.map(bookingJson), nextPageToken: r.nextPageToken || null };
    },
  });

  api.get('/api/v1/bookings/:reference', {
    ...authenticated,
    schema: {
      ...auth,
      summary: 'One of my bookings (another customer’s is 404)',
      params: bookingParams,
      response: { 200: booking, ...problems },
    },
    handler: async (req, reply) => {
      const customerId = req.customerId!;
      const { booking } = await clients.booking.getBooking(
        { bookingReference: req.params.reference, customerId },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return bookingJson(booking!);
    },
  });

  api.post('/api/v1/bookings/:reference/cancel', {
    ...authenticated,
    schema: {
      ...auth,
      summary: 'Cancel one of my bookings (cancelling twice is fine)',
      params: bookingParams,
      body: cancelBody,
      response: { 200: booking, ...problems },
    },
    handler: async (req, reply) => {
      const customerId = req.customerId!;
      const { booking } = await clients.booking.cancelBooking(
        { bookingReference: req.params.reference, customerId, reason: req.body?.reason ?? '' },
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return bookingJson(booking!);
    },
  });

  api.get('/healthz', {
    schema: {
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  const readiness = z.object({
    status: z.enum(['ready', 'not ready', 'draining']),
    dependencies: z.record(z.string(), z.enum(['serving', 'unavailable'])),
  });
  api.get('/readyz', {
    schema: {
      summary: 'Readiness: every service behind the BFF answers its health check',
      tags: ['operations'],
      response: { 200: readiness, 503: readiness },
    },
    handler: async (_req, reply) => {
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
        names.map((n, i) => [n, states[i] ? ('serving' as const) : ('unavailable' as const)]),
      );
      if (deps.draining?.()) return reply.code(503).send({ status: 'draining', dependencies });
      const ready = states.every(Boolean);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', dependencies });
    },
  });
}
