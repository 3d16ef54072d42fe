/**
 * Polls `check` every 25 ms until it holds; resolves with the time that took (ms). Throws after
 * `timeoutMs` ms. For what a test sees through a pipe, a feed or a poll of another process.
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
