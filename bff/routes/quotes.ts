/** POST /api/v1/quotes and GET /api/v1/quotes/{id} (pricing.CreateQuote, pricing.GetQuote). */
import { quoteJson, quoteRequest } from '../json.js';
import { quote, quoteBody, quoteHeaders, quoteParams } from '../schemas.js';
import { callOptions, problems, type Api, type RouteDeps } from './common.js';

export function registerQuoteRoutes(api: Api, { clients, config }: RouteDeps): void {
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
        quoteRequest(req.body, req.headers['idempotency-key']),
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
    config: { fieldNames: { quoteId: 'id' } },
    handler: async (req, reply) => {
      const { quote } = await clients.pricing.getQuote(
        { quoteId: req.params.id },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return quoteJson(quote!);
    },
  });
}
