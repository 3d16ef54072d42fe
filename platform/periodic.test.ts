import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPeriodic } from './periodic.js';
import { retryDelayMs } from './backoff.js';

/** A logger whose lines a test can read. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; job?: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

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
    const { log } = capturingLogger();
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
    const { log, lines } = capturingLogger();
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
    const { log } = capturingLogger();
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
