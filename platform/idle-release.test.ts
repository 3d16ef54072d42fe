import { describe, expect, it } from 'vitest';
import { initialIdleReleaseState, releaseMemoryWhenIdle, shouldRelease } from './idle-release.js';
import type { Logger } from './logger.js';

/** Feeds `samples` (utilisation per 2 s interval) and returns the times (s) a release ran. */
function releases(samples: number[]): number[] {
  const state = initialIdleReleaseState();
  return samples.flatMap((u, i) => (shouldRelease(state, u, (i + 1) * 2_000) ? [(i + 1) * 2] : []));
}

describe('shouldRelease', () => {
  it('releases at the first idle interval after start-up, then not again while idle', () => {
    expect(releases([0.01, 0.01, 0.01, 0.01])).toEqual([2]);
  });

  it('waits out a busy start-up and intervals that are neither busy nor idle', () => {
    expect(releases([0.9, 0.8, 0.1, 0.07, 0.01])).toEqual([10]);
  });

  it('releases again after a later burst, once idle, but not within a minute of the last', () => {
    // Released at 2 s; a burst at 10 s; idle from 12 s, but a minute has not passed until 62 s.
    const samples = [0.01, 0.01, 0.01, 0.01, 0.9, ...Array<number>(40).fill(0.01)];
    expect(releases(samples)).toEqual([2, 62]);
  });

  it('releases again once memory has grown 8 MB since the last release, busy spell or not', () => {
    const state = initialIdleReleaseState();
    const MB = 2 ** 20;
    expect(shouldRelease(state, 0.01, 2_000, 160 * MB)).toBe(true);
    state.releasedRss = 150 * MB;
    // Light traffic, idle intervals, memory creeping up: nothing until it is 8 MB up and a
    // minute has passed.
    expect(shouldRelease(state, 0.01, 30_000, 157 * MB)).toBe(false);
    expect(shouldRelease(state, 0.01, 40_000, 158 * MB)).toBe(false);
    expect(shouldRelease(state, 0.01, 62_000, 158 * MB)).toBe(true);
  });

  it('does not take steady light traffic for a burst', () => {
    expect(releases([0.01, ...Array<number>(60).fill(0.2), 0.01])).toEqual([2]);
  });
});

describe('releaseMemoryWhenIdle', () => {
  it('releases once this process is idle after its start, and logs the RSS before and after', async () => {
    const logged: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const log = {
      info: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
      warn: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
    } as unknown as Logger;
    releaseMemoryWhenIdle(log);
    // Start-up counts as busy: the first idle 2 s interval releases (the test's timeout bounds it).
    await expect.poll(() => logged.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    const [first] = logged;
    expect(first!.message).toBe('returned freed memory to the operating system');
    expect(first!.fields).toMatchObject({
      rssBeforeMb: expect.any(Number),
      rssAfterMb: expect.any(Number),
      // glibc here (Debian): the trim itself ran, not only the collection.
      trimmed: true,
    });
  });
});
