import type { z } from 'zod';
import { runProcess } from './lifecycle.js';
import { launch, once, type ProcessSpec, type RunningProcess, type Runtime } from './runtime.js';

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

/**
 * An HTTP process of the mesh (an edge, a BFF) started the way services are: validated config,
 * logs, Consul resolution, typed clients of its peers; `stop()` drains the listener within
 * SHUTDOWN_GRACE_MS, then closes what the runtime opened.
 */
export async function startHttpProcess<S extends z.ZodRawShape, N extends string>(
  spec: HttpProcessSpec<S, N>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningProcess<S>> {
  const { runtime, started: listener, close } = await launch(spec, env, spec.start);
  const { config, log } = runtime;
  log.info({ port: listener.port }, 'ready: serving');
  return {
    port: listener.port,
    config,
    log,
    stop: once(async () => {
      await listener.close(config.SHUTDOWN_GRACE_MS);
      await close();
    }),
  };
}

/** Entry point of an HTTP process: start, stop on SIGTERM/SIGINT, explain bad config. */
export function runHttpProcess<S extends z.ZodRawShape, N extends string>(
  spec: HttpProcessSpec<S, N>,
): Promise<void> {
  return runProcess(spec.name, () => startHttpProcess(spec));
}
