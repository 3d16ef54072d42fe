import path from 'node:path';
import type { z } from 'zod';
import { createClient, type ClientOptions, type ServiceClient } from './clients.js';
import { commonEnv, ConfigError, loadConfig } from './config.js';
import { openDatabase, type Database, type Migration } from './db.js';
import { ConsulRegistration, useConsul } from './consul.js';
import { targetFor } from './discovery.js';
import { onShutdownSignal } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { addressEnv, type Mesh } from './mesh.js';
import type { ServiceDef } from './rpc-types.js';
import { ServiceServer, type ServiceBinding } from './server.js';
import { flushTracing } from './telemetry/tracing.js';

type BaseShape = ReturnType<typeof commonEnv>;
/** The common variables, the service's own, and (untyped here) the peers' static addresses. */
export type ServiceConfig<S extends z.ZodRawShape> = z.infer<z.ZodObject<BaseShape>> &
  z.infer<z.ZodObject<S>>;

/** What a service's start function gets from the platform. */
export interface Runtime<S extends z.ZodRawShape, N extends string = string> {
  readonly name: N;
  readonly config: ServiceConfig<S>;
  readonly log: Logger;
  /** PostgreSQL via DATABASE_URL, else the embedded store in DATA_DIR (default ./data/<name>). */
  database(migrations: Migration[]): Promise<Database>;
  /** A typed client of another service, found through Consul or static addresses. */
  client<D extends ServiceDef>(
    service: N,
    definition: D,
    deadlines: Pick<ClientOptions<D>, 'defaultDeadlineMs' | 'methodDeadlinesMs'>,
  ): ServiceClient<D>;
  /** Runs on shutdown after the server has drained, in reverse order of registration. */
  onStop(fn: () => Promise<void> | void): void;
}

export interface ServiceSpec<S extends z.ZodRawShape, N extends string = string> {
  /** The mesh this service belongs to: its peers' names and ports, its error vocabulary. */
  mesh: Mesh<N>;
  name: N;
  /** Variables this service reads on top of the common ones. */
  env?: S;
  start(runtime: Runtime<S, N>): Promise<{
    bindings: ServiceBinding[];
    /** Stay NOT_SERVING until the returned promise resolves (e.g. an index load). */
    ready?: Promise<void>;
  }>;
}

export interface RunningService<S extends z.ZodRawShape = z.ZodRawShape> {
  readonly port: number;
  readonly config: ServiceConfig<S>;
  readonly log: Logger;
  readonly server: ServiceServer;
  stop(): Promise<void>;
}

/**
 * One call gives a service everything the mesh expects of it: validated config, logs, its
 * database, clients of its peers, a gRPC server with health and reflection, and an orderly stop.
 */
export async function startService<S extends z.ZodRawShape, N extends string>(
  spec: ServiceSpec<S, N>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<S>> {
  const { services, errors } = spec.mesh;
  const shape = {
    ...commonEnv(services[spec.name].port),
    ...addressEnv(services),
    ...(spec.env ?? {}),
  };
  const config = loadConfig(shape, env) as ServiceConfig<S>;
  const addresses = config as unknown as Record<string, string>;
  const log = createLogger(spec.name, config.LOG_LEVEL);
  if (config.CONSUL_HTTP_ADDR) useConsul(config.CONSUL_HTTP_ADDR);
  const stops: Array<() => Promise<void> | void> = [];

  const runtime: Runtime<S, N> = {
    name: spec.name,
    config,
    log,
    async database(migrations) {
      const db = await openDatabase({
        url: config.DATABASE_URL,
        dataDir: config.DATA_DIR ?? path.join('data', spec.name),
        migrations,
        log,
      });
      stops.push(() => db.close());
      return db;
    },
    client(service, definition, deadlines) {
      const target = targetFor(
        service,
        addresses[services[service].addrEnv]!,
        config.CONSUL_HTTP_ADDR,
      );
      const client = createClient(definition, { target, ...deadlines });
      stops.push(() => client.close());
      return client;
    },
    onStop(fn) {
      stops.push(fn);
    },
  };

  let started: Awaited<ReturnType<ServiceSpec<S, N>['start']>>;
  try {
    started = await spec.start(runtime);
  } catch (err) {
    for (const stop of stops.reverse()) await stop();
    throw err;
  }
  const server = await ServiceServer.start({
    bindings: started.bindings,
    log,
    errors,
    port: config.PORT,
    startNotServing: Boolean(started.ready),
  });
  const registration = config.CONSUL_HTTP_ADDR
    ? new ConsulRegistration({
        consulAddress: config.CONSUL_HTTP_ADDR,
        name: spec.name,
        host: config.SERVICE_HOST,
        port: server.port,
        log,
        checkInterval: config.CONSUL_CHECK_INTERVAL,
        deregisterCriticalAfter: config.CONSUL_DEREGISTER_AFTER,
      })
    : undefined;
  // Registered at once even when not ready yet: Consul's gRPC check keeps it out of the
  // passing set until health says SERVING.
  registration?.start();
  // One line every launcher and test can wait for, whether or not the service has a warm-up.
  (started.ready ?? Promise.resolve()).then(
    () => {
      server.setServing(true);
      log.info('ready: serving');
    },
    (err: unknown) => log.error({ err }, 'never became ready'),
  );

  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    config,
    log,
    server,
    stop() {
      stopping ??= (async () => {
        // Callers stop picking this instance before it stops taking calls.
        server.setServing(false);
        await registration?.deregister();
        await server.shutdown(config.SHUTDOWN_GRACE_MS);
        for (const stop of stops.reverse()) await stop();
      })();
      return stopping;
    },
  };
}

/** Entry point of a service process: start, stop on SIGTERM/SIGINT, explain bad config. */
export async function runService<S extends z.ZodRawShape, N extends string>(
  spec: ServiceSpec<S, N>,
): Promise<void> {
  try {
    const running = await startService(spec);
    onShutdownSignal(running.log, [() => running.stop(), flushTracing]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${spec.name}: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${spec.name}: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}
