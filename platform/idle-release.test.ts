import { describe, expect, it } from 'vitest';
import { initialIdleReleaseState, shouldRelease } from './idle-release.js';

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

  it('does not take steady light traffic for a burst', () => {
    expect(releases([0.01, ...Array<number>(60).fill(0.2), 0.01])).toEqual([2]);
  });
});
