import type { Logger } from './logger.js';

export interface PeriodicJobOptions {
  /** Names the job in its log lines, e.g. "saga recovery". */
  name: string;
  /** Time between the starts of two runs, in ms. */
  intervalMs: number;
  /**
   * One run. A run still going when the next is due is not overlapped: that tick is skipped and
   * the next one picks up what is left. A failure is logged (warn) and the job keeps its schedule.
   */
  run: () => Promise<void>;
  log: Logger;
  /** Run once at once instead of waiting a first interval (default true). */
  runAtStart?: boolean;
}

export interface PeriodicJob {
  /** Stops the schedule and waits for a run under way to end. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A background job on a timer, the way every service needs one (saga recovery, the day
 * turning, …): one run at a time, failures logged and survived, the timer unref'd so it never
 * keeps a process alive, and a stop that waits for the run under way (so a shutdown does not
 * close a database under it).
 */
export function startPeriodic(options: PeriodicJobOptions): PeriodicJob {
  const { name, log } = options;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = options
      .run()
      .catch((err: unknown) => log.warn({ err, job: name }, `${name} failed; will retry`))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  if (options.runAtStart ?? true) tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
