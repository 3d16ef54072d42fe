/**
 * The OpenAPI 3.1 document (`/openapi.json`) and its docs page (`/docs`), generated from the zod
 * route schemas: what the routes validate is what the document says.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

const DESCRIPTION = [
  'Flight search, quotes and bookings over the flight mesh.',
  '',
  "- Money is `{ amount, currency }`: `amount` is an integer in the currency's minor unit, whose ISO-4217 exponent says how many digits are decimals (USD, EUR: 2, so 53037 USD = 530.37 USD; JPY: 0).",
  "- Local times are ISO-8601 with the airport's UTC offset (`2026-12-01T08:25:00-05:00`); instants such as `expiresAt` are UTC (`Z`).",
  '- Errors are RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail`, the service `reason` and field `errors`.',
  '- Booking routes need `Authorization: Bearer <JWT>`; its `sub` is the customer.',
  "- `X-Request-Timeout: 2500` (ms) or `2.5s` may shorten a route's deadline budget (more than 0).",
].join('\n');

/** Registers the document's generator (before the routes, so it sees them) and the docs page. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Flight mesh API', version: '1.0.0', description: DESCRIPTION },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'airports' },
        { name: 'search' },
        { name: 'quotes' },
        { name: 'bookings' },
        { name: 'flights', description: 'the timetable; changes need the operator role' },
        { name: 'operations' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
