import { BookingServiceService } from '../gen/ts/flights/v1/booking.js';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { SearchServiceService } from '../gen/ts/flights/v1/search.js';
import { HealthService } from '../gen/ts/grpc/health/v1/health.js';
import { createClient, type ServiceClient } from '../platform/clients.js';
import { targetFor, type DiscoveryConfig, type ServiceName } from '../flights/mesh.js';

export interface BffClients {
  schedule: ServiceClient<typeof ScheduleServiceService>;
  pricing: ServiceClient<typeof PricingServiceService>;
  search: ServiceClient<typeof SearchServiceService>;
  booking: ServiceClient<typeof BookingServiceService>;
  health: Record<ServiceName, ServiceClient<typeof HealthService>>;
  close(): void;
}

/** Clients of the mesh through the shared factory: Consul or static addresses, as configured. */
export function createBffClients(config: DiscoveryConfig): BffClients {
  const make = <D extends Parameters<typeof createClient>[0]>(name: ServiceName, def: D) =>
    createClient(def, { target: targetFor(name, config), defaultDeadlineMs: 5_000 });
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
