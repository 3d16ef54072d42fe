import type { z } from 'zod';
import { ConsulRegistration } from './consul.js';
import { FaultTable, methodNames, watchFaults } from './faults.js';
import { runProcess } from './lifecycle.js';
import type { Mesh } from './mesh.js';
import { launch, once, type RunningProcess, type Runtime, type ServiceConfig } from './runtime.js';
import { meshAuthorization, meshCaller, meshServerCredentials } from './mtls.js';
import { ServiceServer, type ServiceBinding } from './server.js';
import { METRICS_META_KEY } from './telemetry/metrics.js';

export type { Runtime, ServiceConfig };

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

export interface RunningService<S extends z.ZodRawShape = z.ZodRawShape> extends RunningProcess<S> {
  readonly server: ServiceServer;
  /** Resolves when the service says SERVING (at once, unless its start has a warm-up). */
  readonly ready: Promise<void>;
}

/**
 * One call gives a service everything the mesh expects of it: validated config, logs, its
 * database, clients of its peers, a gRPC server with health and reflection, and an orderly stop.
 */
export async function startService<S extends z.ZodRawShape, N extends string>(
  spec: ServiceSpec<S, N>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<S>> {
  const { runtime, started, close, metrics } = await launch(
    {
      ...spec,
      defaultPort: spec.mesh.services[spec.name].port,
      defaultMetricsPort: spec.mesh.services[spec.name].metricsPort,
    },
    env,
    spec.start,
  );
  const { config, log } = runtime;
  // Injected faults: FAULTS from the environment, replaced by Consul KV's flags when watched,
  // each for a method this service has ("/flights.v1.ScheduleService/HoldSeats" → HoldSeats).
  const faults = new FaultTable(config.FAULTS, methodNames(started.bindings), log);
  const stopWatchingFaults = config.CONSUL_HTTP_ADDR
    ? watchFaults(config.CONSUL_HTTP_ADDR, spec.name, faults, log)
    : undefined;
  const server = await ServiceServer.start({
    faults,
    bindings: started.bindings,
    log,
    errors: spec.mesh.errors,
    port: config.PORT,
    host: config.HOST,
    startNotServing: Boolean(started.ready),
    tls:
      runtime.certificates && config.CONSUL_HTTP_ADDR
        ? {
            credentials: meshServerCredentials(runtime.certificates),
            authorization: meshAuthorization({
              consulAddress: config.CONSUL_HTTP_ADDR,
              service: spec.name,
              certs: runtime.certificates,
              log,
            }),
            identify: meshCaller(runtime.certificates),
          }
        : undefined,
  });
  runtime.certificates?.onRootsChange(() => {
    log.warn('mesh CA roots changed: ending connections made under the old ones');
    server.drainConnections(config.SHUTDOWN_GRACE_MS);
  });
  const registration = config.CONSUL_HTTP_ADDR
    ? new ConsulRegistration({
        consulAddress: config.CONSUL_HTTP_ADDR,
        name: spec.name,
        host: config.SERVICE_HOST,
        port: server.port,
        tls: Boolean(runtime.certificates),
        log,
        checkInterval: config.CONSUL_CHECK_INTERVAL,
        deregisterCriticalAfter: config.CONSUL_DEREGISTER_AFTER,
        // Prometheus finds the endpoint here (deploy/prometheus/prometheus.yml).
        meta: metrics ? { [METRICS_META_KEY]: String(metrics.port) } : {},
      })
    : undefined;
  // One line every launcher and test can wait for, whether or not the service has a warm-up.
  const ready = (started.ready ?? Promise.resolve()).then(
    () => {
      server.setServing(true);
      // Registered once serving, as passing: callers find it now, not at Consul's next probe.
      registration?.start();
      log.info('ready: serving');
    },
    (err: unknown) => {
      log.error({ err }, 'never became ready');
      throw err;
    },
  );
  // The rejection is logged above; a caller that does not wait for it is not an unhandled one.
  ready.catch(() => undefined);

  return {
    port: server.port,
    config,
    log,
    server,
    ready,
    stop: once(async () => {
      // Callers stop picking this instance before it stops taking calls.
      server.setServing(false);
      await registration?.deregister();
      stopWatchingFaults?.();
      await server.shutdown(config.SHUTDOWN_GRACE_MS);
      await close();
    }),
  };
}

/** Entry point of a service process: start, stop on SIGTERM/SIGINT, explain bad config. */
export function runService<S extends z.ZodRawShape, N extends string>(
  spec: ServiceSpec<S, N>,
): Promise<void> {
  return runProcess(spec.name, () => startService(spec));
}
