import { halfJitterGenerator } from 'cockatiel';

/**
 * The wait before the next try after `failures` failures in a row, in ms: `initialMs` doubled
 * per failure up to `maxMs`, with half jitter (between half and all of it), so instances that
 * failed together do not retry together. cockatiel's exponential backoff, asked for one delay.
 */
export function retryDelayMs(failures: number, initialMs: number, maxMs: number): number {
  const options = { generator: halfJitterGenerator, initialDelay: initialMs, maxDelay: maxMs };
  return halfJitterGenerator(failures, { ...options, exponent: 2 })[0];
}
