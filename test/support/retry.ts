import { status } from '@grpc/grpc-js';
import { errorDetails } from '../../platform/errors.js';

/**
 * Calls `call` again while it fails UNAVAILABLE, waiting the delay its RetryInfo asks for (1 s
 * when none), as a client of the mesh should: UNAVAILABLE means "nothing was done, try again".
 * Any other failure, or UNAVAILABLE past `timeoutMs`, rejects with the last error.
 */
export async function retryingUnavailable<T>(
  call: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const details = errorDetails(err);
      if (details.code !== status.UNAVAILABLE || Date.now() > giveUp) throw err;
      await new Promise((r) => setTimeout(r, details.retryDelayMs ?? 1_000));
    }
  }
}
