import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../platform/heap.js';
import { startSchedule, type ScheduleFixture } from '../../test/support/schedule.js';

/**
 * The feed waits for the next event or its poll timeout. On Node 20 that wait once listened on
 * an AbortSignal.any(...) signal, which only weak references held: after a full collection its
 * timeout never fired, so an idle feed sent no heartbeat until an event came, and search dropped
 * it as silent every 35 s (seen when the mesh collected garbage after start-up).
 */
describe('WatchSchedule through a full garbage collection', () => {
  let s: ScheduleFixture;
  beforeAll(async () => {
    s = await startSchedule('embedded', { FEED_HEARTBEAT_MS: '100', FEED_POLL_MS: '50' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('keeps sending heartbeats on an idle feed after the collection', async () => {
    const controller = new AbortController();
    const arrivals: number[] = [];
    const reading = (async () => {
      for await (const m of s.client.watchSchedule(
        { cursor: '' },
        { signal: controller.signal, deadlineMs: 30_000 },
      )) {
        expect(m.event).toBeUndefined(); // nothing changes: heartbeats only
        arrivals.push(Date.now());
      }
    })().catch(() => undefined);
    try {
      // The first tick comes at once; the wait after it is the one a collection used to break.
      await expect.poll(() => arrivals.length, { timeout: 5_000, interval: 20 }).toBeGreaterThan(1);
      for (let i = 0; i < 3; i++) collectGarbage();
      const collectedAt = Date.now();
      // Heartbeats every 100 ms: three within 5 s prove the wait still ends on its timeout.
      await expect
        .poll(() => arrivals.filter((t) => t > collectedAt).length, {
          timeout: 5_000,
          interval: 20,
        })
        .toBeGreaterThanOrEqual(3);
    } finally {
      controller.abort();
      await reading;
    }
  });
});
