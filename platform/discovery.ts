import { MESH, type ServiceName } from './mesh.js';

export interface DiscoveryConfig {
  CONSUL_HTTP_ADDR?: string | undefined;
  SCHEDULE_ADDR: string;
  PRICING_ADDR: string;
  SEARCH_ADDR: string;
  BOOKING_ADDR: string;
}

/**
 * The grpc-js target for a service: through Consul when an agent is configured, otherwise the
 * static address list from the environment (comma-separated host:port for several instances).
 */
export function targetFor(service: ServiceName, config: DiscoveryConfig): string {
  if (config.CONSUL_HTTP_ADDR) return `consul:///${service}`;
  const addresses = config[MESH[service].addrEnv]
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (addresses.length === 1) return `dns:///${addresses[0]}`;
  return `ipv4:${addresses.join(',')}`;
}
