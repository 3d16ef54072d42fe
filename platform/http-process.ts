import type { z } from 'zod';
import { runProcess } from './lifecycle.js';
import type { Logger } from './logger.js';
import { openRuntime, type ProcessSpec, type Runtime, type ServiceConfig } from './runtime.js';

/** An HTTP server a process's start function has started listening. */
export interface HttpListener {
  /** The port it listens on (PORT, or the one picked for 0). */
  port: number;
  /**
   * Stops taking requests and lets the running ones finish for up to `graceMs` ms, then cuts
   * their connections (which cancels their downstream calls).
   */
  close(graceMs: number): Promise<void>;
}

export interface HttpProcessSpec<
  S extends z.ZodRawShape,
  N extends string = string,
> extends ProcessSpec<S, N> {
  /** Builds the app from the runtime (config, log, peer clients) and starts it listening. */
  start(runtime: Runtime<S, N>): Promise<HttpListener>;
}

export interface RunningHttpProcess<S extends z.ZodRawShape = z.ZodRawShape> {
  readonly port: number;
  readonly config: ServiceConfig<S>;
  readonly log: Logger;
  stop(): Promise<void>;
}

/**
 * An HTTP process of the mesh (an edge, a BFF) started the way services are: validated config,
 * logs, Consul resolution, typed clients of its peers; `stop()` drains the listener within
 * SHUTDOWN_GRACE_MS, then closes what the runtime opened.
 */
export async function startHttpProcess<S extends z.ZodRawShape, N extends string>(
  spec: HttpProcessSpec<S, N>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningHttpProcess<S>> {
  const { runtime, close } = openRuntime(spec, env);
  const { config, log } = runtime;
  let listener: HttpListener;
  try {
    listener = await spec.start(runtime);
  } catch (err) {
    await close();
    throw err;
  }
  log.info({ port: listener.port }, 'ready: serving');
  let stopping: Promise<void> | undefined;
  return {
    port: listener.port,
    config,
    log,
    stop() {
      stopping ??= (async () => {
        await listener.close(config.SHUTDOWN_GRACE_MS);
        await close();
      })();
      return stopping;
    },
  };
}

/** Entry point of an HTTP process: start, stop on SIGTERM/SIGINT, explain bad config. */
export function runHttpProcess<S extends z.ZodRawShape, N extends string>(
  spec: HttpProcessSpec<S, N>,
): Promise<void> {
  return runProcess(spec.name, () => startHttpProcess(spec));
}
