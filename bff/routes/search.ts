/**
 * GET /api/v1/search (the whole result, sorted) and GET /api/v1/search/stream (Server-Sent
 * Events as each batch is priced), both fed by search.SearchItineraries.
 */
import { z } from 'zod';
import type { Itinerary, SearchSummary } from '../../gen/ts/flights/v1/search.js';
import { errorDetails } from '../../platform/errors.js';
import { itineraryJson, searchRequest, summaryJson } from '../json.js';
import { problemFromGrpc } from '../problem.js';
import { SEARCH_FIELD_NAMES, searchQuery, searchResult } from '../schemas.js';
import { openEventStream } from '../sse.js';
import { callOptions, problems, type Api, type RouteDeps } from './common.js';

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

export function registerSearchRoutes(api: Api, { clients, config }: RouteDeps): void {
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
      const events = openEventStream(reply);
      try {
        while (!next.done) {
          if (next.value.itinerary) events.send('itinerary', itineraryJson(next.value.itinerary));
          if (next.value.summary) events.send('end', summaryJson(next.value.summary));
          next = await stream.next();
        }
      } catch (err) {
        // A client that left has cancelled the call; nobody is there to tell.
        if (!options.signal?.aborted) {
          const p = problemFromGrpc(errorDetails(err), SEARCH_FIELD_NAMES);
          events.send('problem', p.body);
          req.log.warn({ err: (err as Error).message }, 'search stream failed midway');
        }
      } finally {
        events.end();
      }
    },
  });
}
