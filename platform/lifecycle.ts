import { ConfigError } from './config.js';
import { ListenError } from './listen.js';
import { releaseMemoryWhenIdle } from './idle-release.js';
import type { Logger } from './logger.js';
import { flushTracing } from './telemetry/tracing.js';

/**
 * Runs the shutdown steps once on SIGTERM or SIGINT, in order, then exits. A second signal
 * exits at once, for an operator who does not want to wait for the drain.
 */
export function onShutdownSignal(log: Logger, steps: Array<() => Promise<void>>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    (async () => {
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          log.error({ err }, 'shutdown step failed');
        }
      }
      log.flush();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * Entry point of any process of the mesh: start it, stop it on SIGTERM/SIGINT (then flush
 * traces), and exit 2 with the message when the configuration is bad, 1 when it cannot start.
 * Once it is ready (`ready`, when its start has a warm-up after it), the memory its start-up
 * freed, and later each burst's, is returned to the system when it goes idle (releaseMemoryWhenIdle).
 */
export async function runProcess(
  name: string,
  start: () => Promise<{ log: Logger; stop(): Promise<void>; ready?: Promise<void> }>,
): Promise<void> {
  try {
    const running = await start();
    onShutdownSignal(running.log, [() => running.stop(), flushTracing]);
    void (running.ready ?? Promise.resolve()).then(
      () => releaseMemoryWhenIdle(running.log),
      () => undefined,
    );
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(2);
    }
    // A refused listen is said in one line (what to change is the environment); anything
    // else with its stack, as it is a fault to find.
    const said = err instanceof ListenError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`${name}: failed to start: ${said}\n`);
    process.exit(1);
  }
}
