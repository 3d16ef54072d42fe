import path from 'node:path';
import type { z } from 'zod';
import { breakerEnv, createGuard, guardOptionsFrom, type Guard } from './breaker.js';
import { createClient, type ClientOptions, type ServiceClient } from './clients.js';
import { commonEnv, loadConfig } from './config.js';
import { ConsulCertificates } from './connect-ca.js';
import { useConsul } from './consul.js';
import { openDatabase, type Database, type Migration, type SessionLimits } from './db.js';
import { targetFor } from './discovery.js';
import { faultEnv } from './faults.js';
import { createLogger, type Logger } from './logger.js';
import { addressEnv, type Mesh } from './mesh.js';
import { meshChannelCredentials } from './mtls.js';
import { startPeriodic } from './periodic.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './telemetry/metrics.js';
import type { ServiceDef } from './rpc-types.js';

type BaseShape = ReturnType<typeof commonEnv> & typeof breakerEnv & typeof faultEnv;
/** The common variables, the process's own, and (untyped here) the peers' static addresses. */
export type ServiceConfig<S extends z.ZodRawShape> = z.infer<z.ZodObject<BaseShape>> &
  z.infer<z.ZodObject<S>>;

/** What every process of a mesh is: which mesh, its name, its default port, its variables. */
export interface ProcessSpec<S extends z.ZodRawShape, N extends string = string> {
  /** The mesh this process belongs to: its peers' names and ports, its error vocabulary. */
  mesh: Mesh<N>;
  /** Its name in logs, traces, Consul and the default data dir, e.g. "booking" or "bff". */
  name: string;
  defaultPort: number;
  /** Default METRICS_PORT, where /metrics is served; none = not served unless set. */
  defaultMetricsPort?: number;
  /** Variables this process reads on top of the common ones. */
  env?: S;
}

/** What a process's start function gets from the platform. */
export interface Runtime<S extends z.ZodRawShape, N extends string = string> {
  readonly name: string;
  readonly config: ServiceConfig<S>;
  readonly log: Logger;
  /**
   * This process's mesh certificates from Consul's CA when Consul is configured (mTLS on every
   * call, in and out); undefined in static mode, where calls are plaintext.
   */
  readonly certificates: ConsulCertificates | undefined;
  /** PostgreSQL via DATABASE_URL, else the embedded store in DATA_DIR (default ./data/<name>). */
  database(migrations: Migration[], limits?: SessionLimits): Promise<Database>;
  /**
   * A typed client of another service, found through Consul or static addresses; `options`
   * gives its deadlines and any grpc-js channel options of its own (e.g. a larger flow-control
   * window for a client of bulk streams).
   */
  client<D extends ServiceDef>(
    service: N,
    definition: D,
    options: Pick<ClientOptions<D>, 'defaultDeadlineMs' | 'methodDeadlinesMs' | 'channelOptions'>,
  ): ServiceClient<D>;
  /**
   * Runs `job` every `intervalMs` ms in the background (see startPeriodic: one run at a time,
   * failures logged, never keeps the process alive); stopped on shutdown.
   */
  every(name: string, intervalMs: number, job: () => Promise<void>): void;
  /** Runs on shutdown after the process has stopped serving, in reverse order of registration. */
  onStop(fn: () => Promise<void> | void): void;
}

/**
 * Validated config, logs, Consul resolution, and the resources a process opens through its
 * runtime (database, peer clients, background jobs), closed by `close()` in reverse order.
 * Throws ConfigError, naming every bad variable, before anything is opened.
 */
export function openRuntime<S extends z.ZodRawShape, N extends string>(
  spec: ProcessSpec<S, N>,
  env: NodeJS.ProcessEnv,
): { runtime: Runtime<S, N>; close(): Promise<void> } {
  const { services } = spec.mesh;
  const shape = {
    ...commonEnv(spec.defaultPort, spec.defaultMetricsPort),
    ...breakerEnv,
    ...faultEnv,
    ...addressEnv(services),
    ...(spec.env ?? {}),
  };
  const config = loadConfig(shape, env) as ServiceConfig<S>;
  const addresses = config as unknown as Record<string, string>;
  const log = createLogger(spec.name, config.LOG_LEVEL);
  if (config.CONSUL_HTTP_ADDR) useConsul(config.CONSUL_HTTP_ADDR);
  const stops: Array<() => Promise<void> | void> = [];
  const certificates = config.CONSUL_HTTP_ADDR
    ? new ConsulCertificates(config.CONSUL_HTTP_ADDR, spec.name, log)
    : undefined;
  if (certificates) stops.push(() => certificates.close());
  // One breaker and bulkhead per dependency, shared by every client of it in this process.
  const guards = new Map<string, Guard>();
  const guardOf = (service: string) => {
    let guard = guards.get(service);
    if (!guard) {
      guard = createGuard(service, guardOptionsFrom(config), log, spec.mesh.errors);
      guards.set(service, guard);
    }
    return guard;
  };

  const runtime: Runtime<S, N> = {
    name: spec.name,
    config,
    log,
    certificates,
    async database(migrations, limits) {
      const db = await openDatabase({
        limits,
        url: config.DATABASE_URL,
        storeSocket: config.EMBEDDED_STORE_SOCKET,
        dataDir: config.DATA_DIR ?? path.join('data', spec.name),
        migrations,
        log,
      });
      stops.push(() => db.close());
      return db;
    },
    client(service, definition, { channelOptions, ...deadlines }) {
      const target = targetFor(
        service,
        addresses[services[service].addrEnv]!,
        config.CONSUL_HTTP_ADDR,
      );
      const credentials = certificates && meshChannelCredentials(certificates, service);
      const client = createClient(definition, {
        target,
        credentials,
        // TLS server name: the peer's service name, not the IP address Consul reports (which
        // SNI may not carry); the SPIFFE check (meshChannelCredentials) is what verifies it.
        channelOptions: {
          ...(certificates && { 'grpc.ssl_target_name_override': service }),
          ...channelOptions,
        },
        ...deadlines,
        guard: guardOf(service),
      });
      stops.push(() => client.close());
      return client;
    },
    every(name, intervalMs, run) {
      const job = startPeriodic({ name, intervalMs, run, log });
      stops.push(() => job.stop());
    },
    onStop(fn) {
      stops.push(fn);
    },
  };
  return {
    runtime,
    async close() {
      for (const stop of stops.reverse()) await stop();
      stops.length = 0;
    },
  };
}

/** A started process of the mesh, as its entry point and tests hold it. */
export interface RunningProcess<S extends z.ZodRawShape = z.ZodRawShape> {
  /** The port it serves on (PORT, or the one picked for 0). */
  readonly port: number;
  readonly config: ServiceConfig<S>;
  readonly log: Logger;
  /** Stops serving, drains, closes what the runtime opened; once, however often called. */
  stop(): Promise<void>;
}

/**
 * Opens the runtime and runs the process's start function with it; a start that fails closes
 * what it had opened before the error goes on.
 */
export async function launch<S extends z.ZodRawShape, N extends string, T>(
  spec: ProcessSpec<S, N>,
  env: NodeJS.ProcessEnv,
  start: (runtime: Runtime<S, N>) => Promise<T>,
): Promise<{
  runtime: Runtime<S, N>;
  started: T;
  close(): Promise<void>;
  /** Its /metrics endpoint (METRICS_PORT), unless that is 0. */
  metrics?: MetricsEndpoint;
}> {
  const { runtime, close } = openRuntime(spec, env);
  try {
    if (runtime.certificates) {
      await runtime.certificates.start();
      runtime.log.info(
        { trust_domain: runtime.certificates.trustDomain },
        'mesh mTLS on: certificates from the Consul CA, intentions enforced',
      );
    } else runtime.log.warn('static mode (no CONSUL_HTTP_ADDR): mesh calls are plaintext');
    // Before the process's own start, so a METRICS_PORT already taken fails it early; closed
    // last (stops run in reverse), so the endpoint still answers while the process drains.
    const metrics = await startMetricsEndpoint(
      runtime.config.METRICS_PORT,
      runtime.log,
      runtime.config.HOST,
    );
    if (metrics) runtime.onStop(() => metrics.close());
    return { runtime, started: await start(runtime), close, metrics };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `fn` run once: later calls get the first call's promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
