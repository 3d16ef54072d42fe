/** Every route of the BFF, one module per resource. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerAirportRoutes } from './airports.js';
import { registerBookingRoutes } from './bookings.js';
import { registerFlightRoutes } from './flights.js';
import type { RouteDeps } from './common.js';
import { registerOperationRoutes } from './operations.js';
import { registerQuoteRoutes } from './quotes.js';
import { registerSearchRoutes } from './search.js';

export type { RouteDeps } from './common.js';

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  registerAirportRoutes(api, deps);
  registerSearchRoutes(api, deps);
  registerQuoteRoutes(api, deps);
  registerBookingRoutes(api, deps);
  registerFlightRoutes(api, deps);
  registerOperationRoutes(api, deps);
}
