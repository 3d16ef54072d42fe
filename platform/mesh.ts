import { z } from 'zod';
import type { ErrorVocabulary } from './errors.js';

/** One service of a mesh: where it listens by default and how its callers find it. */
export interface MeshService {
  /** Default listening port (PORT overrides it). */
  readonly port: number;
  /** The variable holding its static addresses, e.g. "SCHEDULE_ADDR" (used without Consul). */
  readonly addrEnv: string;
  /** Full protobuf name of its gRPC service, e.g. "example.v1.ScheduleService". */
  readonly fullName: string;
  /** Default port of its Prometheus /metrics endpoint (METRICS_PORT overrides it; none = off). */
  readonly metricsPort?: number;
}

/**
 * What the runtime needs to know about the mesh a process belongs to, handed in by the mesh's
 * own vocabulary module: its services and the words its errors are spelled in.
 */
export interface Mesh<N extends string = string> {
  readonly services: Readonly<Record<N, MeshService>>;
  readonly errors: ErrorVocabulary;
}

/** One host:port, or several separated by commas (static discovery of several instances). */
export const hostPorts = z
  .string()
  .regex(
    /^[A-Za-z0-9.\-[\]:]+:\d{1,5}(,[A-Za-z0-9.\-[\]:]+:\d{1,5})*$/,
    'expected host:port[,host:port…], e.g. 127.0.0.1:50051',
  );

type AddressShape<M extends Record<string, MeshService>> = {
  [K in keyof M as M[K]['addrEnv']]: z.ZodDefault<typeof hostPorts>;
};

/**
 * The static-address variables of every service (e.g. SCHEDULE_ADDR), each defaulting to
 * 127.0.0.1 and the service's port: used when no Consul agent is configured.
 */
export function addressEnv<M extends Record<string, MeshService>>(services: M): AddressShape<M> {
  return Object.fromEntries(
    Object.values(services).map((s) => [s.addrEnv, hostPorts.default(`127.0.0.1:${s.port}`)]),
  ) as AddressShape<M>;
}
