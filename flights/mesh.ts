/** The services of the flight mesh: names, default ports and the variables that point at them. */
import { addressEnv, type Mesh } from '../platform/mesh.js';
import { targetFor as platformTargetFor } from '../platform/discovery.js';
import { FLIGHTS_ERRORS } from './errors.js';

export const MESH = {
  schedule: {
    port: 50051,
    metricsPort: 9451,
    addrEnv: 'SCHEDULE_ADDR',
    fullName: 'flights.v1.ScheduleService',
  },
  pricing: {
    port: 50052,
    metricsPort: 9452,
    addrEnv: 'PRICING_ADDR',
    fullName: 'flights.v1.PricingService',
  },
  search: {
    port: 50053,
    metricsPort: 9453,
    addrEnv: 'SEARCH_ADDR',
    fullName: 'flights.v1.SearchService',
  },
  booking: {
    port: 50054,
    metricsPort: 9454,
    addrEnv: 'BOOKING_ADDR',
    fullName: 'flights.v1.BookingService',
  },
} as const;

export type ServiceName = keyof typeof MESH;
export const BFF_PORT = 3000;
export const BFF_METRICS_PORT = 9455;

/** What every service's spec hands the runtime (`mesh: FLIGHT_MESH`). */
export const FLIGHT_MESH: Mesh<ServiceName> = { services: MESH, errors: FLIGHTS_ERRORS };

/** SCHEDULE_ADDR, PRICING_ADDR, SEARCH_ADDR, BOOKING_ADDR: static peer addresses (no Consul). */
export const peerEnv = addressEnv(MESH);

export interface DiscoveryConfig {
  CONSUL_HTTP_ADDR?: string | undefined;
  SCHEDULE_ADDR: string;
  PRICING_ADDR: string;
  SEARCH_ADDR: string;
  BOOKING_ADDR: string;
}

/** The grpc-js target of a service: consul:///name with an agent, else its static addresses. */
export const targetFor = (service: ServiceName, config: DiscoveryConfig): string =>
  platformTargetFor(service, config[MESH[service].addrEnv], config.CONSUL_HTTP_ADDR);

/**
 * The mesh identity of the edge proxy (Envoy's gRPC listener in compose): it presents a leaf
 * for this name (written by edge/main.ts) when it passes a caller's request to a service.
 */
export const EDGE_IDENTITY = 'envoy';

/**
 * Exactly the calls the architecture makes, as Consul intentions (platform/intentions.ts):
 * every other call between services is denied. The edge reaches all four services: what a
 * caller may do there is decided by Envoy's rbac (envoy/envoy.yaml), before the mesh.
 */
export const MESH_CALLS = [
  { source: EDGE_IDENTITY, destination: 'schedule' },
  { source: EDGE_IDENTITY, destination: 'pricing' },
  { source: EDGE_IDENTITY, destination: 'search' },
  { source: EDGE_IDENTITY, destination: 'booking' },
  { source: 'bff', destination: 'search' },
  { source: 'bff', destination: 'pricing' },
  { source: 'bff', destination: 'booking' },
  { source: 'bff', destination: 'schedule' },
  { source: 'search', destination: 'schedule' },
  { source: 'search', destination: 'pricing' },
  { source: 'pricing', destination: 'schedule' },
  { source: 'booking', destination: 'pricing' },
  { source: 'booking', destination: 'schedule' },
] as const;
