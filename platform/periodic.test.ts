import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capturingLogger } from '../test/support/logs.js';
import { startPeriodic } from './periodic.js';
import { retryDelayMs } from './backoff.js';

/** A logger whose lines a test can read. */
const capturing = () => capturingLogger<{ level: number; msg: string; job?: string }>();

/** A run the test finishes by hand. */
function controllableRun() {
  const state = { started: 0, finish: () => {}, fail: (_err: Error) => {} };
  const run = () =>
    new Promise<void>((resolve, reject) => {
      state.started++;
      state.finish = resolve;
      state.fail = reject;
    });
  return { state, run };
}

describe('periodic jobs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs at start and every interval, never two runs at once', async () => {
    const { log } = capturing();
    const { state, run } = controllableRun();
    const job = startPeriodic({ name: 'sweep', intervalMs: 1_000, run, log });
    expect(state.started).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000); // the first run is still going: ticks are skipped
    expect(state.started).toBe(1);
    state.finish();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.started).toBe(2);
    state.finish();
    await job.stop();
  });

  it('logs a failed run and keeps its schedule', async () => {
    const { log, lines } = capturing();
    const { state, run } = controllableRun();
    const job = startPeriodic({ name: 'sweep', intervalMs: 1_000, run, log });
    state.fail(new Error('database gone'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, job: 'sweep', msg: 'sweep failed; will retry' }),
    );
    expect(state.started).toBe(2);
    state.finish();
    await job.stop();
  });

  it('stops: waits for the run under way, then runs no more', async () => {
    const { log } = capturing();
    const { state, run } = controllableRun();
    const job = startPeriodic({ name: 'sweep', intervalMs: 1_000, run, log });
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    state.finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(state.started).toBe(1);
  });
});

describe('retry backoff', () => {
  it('doubles from the first delay up to the cap, with half jitter', () => {
    for (let failures = 0; failures < 10; failures++) {
      const full = Math.min(5_000, 100 * 2 ** failures);
      const delay = retryDelayMs(failures, 100, 5_000);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(full / 2));
      expect(delay).toBeLessThanOrEqual(full);
    }
  });
});
