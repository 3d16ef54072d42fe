import { BookingServiceService } from '../gen/ts/flights/v1/booking.js';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { SearchServiceService } from '../gen/ts/flights/v1/search.js';
import { HealthService } from '../gen/ts/grpc/health/v1/health.js';
import { createClient, type ServiceClient } from '../platform/clients.js';
import type { ServiceDef } from '../platform/rpc-types.js';
import { targetFor, type DiscoveryConfig, type ServiceName } from '../flights/mesh.js';

/** Deadline of a BFF call unless its route's budget (bff/deadlines.ts) is shorter. */
export const DEFAULT_DEADLINE_MS = 5_000;

/** Makes a typed client of one service of the mesh (bff/main.ts: the runtime's). */
export type Connect = <D extends ServiceDef>(
  service: ServiceName,
  definition: D,
) => ServiceClient<D>;

/** Clients straight from a config, for tests and tools: Consul or static addresses. */
export const connectByConfig =
  (config: DiscoveryConfig): Connect =>
  (service, definition) =>
    createClient(definition, {
      target: targetFor(service, config),
      defaultDeadlineMs: DEFAULT_DEADLINE_MS,
    });

export interface BffClients {
  schedule: ServiceClient<typeof ScheduleServiceService>;
  pricing: ServiceClient<typeof PricingServiceService>;
  search: ServiceClient<typeof SearchServiceService>;
  booking: ServiceClient<typeof BookingServiceService>;
  health: Record<ServiceName, ServiceClient<typeof HealthService>>;
  close(): void;
}

/** Clients of every service of the mesh, and of their health, made by `make`. */
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
  return {
    ...clients,
    health,
    close() {
      for (const c of [...Object.values(clients), ...Object.values(health)]) c.close();
    },
  };
}
