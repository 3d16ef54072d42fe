import { BookingServiceService } from '../gen/ts/flights/v1/booking.js';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { SearchServiceService } from '../gen/ts/flights/v1/search.js';
import { HealthService } from '../gen/ts/grpc/health/v1/health.js';
import type { ServiceClient } from '../platform/clients.js';
import type { ServiceDef } from '../platform/rpc-types.js';
import type { Runtime } from '../platform/runtime.js';
import { BFF_PORT, FLIGHT_MESH, type ServiceName } from '../flights/mesh.js';
import { bffEnv } from './config.js';

/** Deadline of a BFF call unless its route's budget (bff/deadlines.ts) is shorter. */
export const DEFAULT_DEADLINE_MS = 5_000;

/** The BFF as a process of the mesh (bff/main.ts; tests open its runtime the same way). */
export const BFF_PROCESS = {
  mesh: FLIGHT_MESH,
  name: 'bff',
  defaultPort: BFF_PORT,
  env: bffEnv,
};

/** Makes a typed client of one service of the mesh. */
export type Connect = <D extends ServiceDef>(
  service: ServiceName,
  definition: D,
) => ServiceClient<D>;

/**
 * Clients from the runtime's client factory (platform/runtime.ts), the one every process of the
 * mesh calls its peers through: Consul or static addresses, mTLS, and per service one circuit
 * breaker and its bulkheads (platform/breaker.ts), shared by every client of that service.
 */
export const connectThrough =
  (client: Runtime<typeof bffEnv, ServiceName>['client']): Connect =>
  (service, definition) =>
    client(service, definition, { defaultDeadlineMs: DEFAULT_DEADLINE_MS });

export interface BffClients {
  schedule: ServiceClient<typeof ScheduleServiceService>;
  pricing: ServiceClient<typeof PricingServiceService>;
  search: ServiceClient<typeof SearchServiceService>;
  booking: ServiceClient<typeof BookingServiceService>;
  health: Record<ServiceName, ServiceClient<typeof HealthService>>;
}

/**
 * Clients of every service of the mesh, and of their health, made by `make`; whoever made them
 * closes them (the runtime, on stop).
 */
export function createBffClients(make: Connect): BffClients {
  const health = {
    schedule: make('schedule', HealthService),
    pricing: make('pricing', HealthService),
    search: make('search', HealthService),
    booking: make('booking', HealthService),
  };
  const clients = {
    schedule: make('schedule', ScheduleServiceService),
    pricing: make('pricing', PricingServiceService),
    search: make('search', SearchServiceService),
    booking: make('booking', BookingServiceService),
  };
  return { ...clients, health };
}
