import type { Logger } from './logger.js';

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
