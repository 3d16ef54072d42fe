/**
 * The chaos suite's short run inside `npm test`: 25 s of bookings through the BFF on the real
 * mesh (PostgreSQL, Consul, 2 instances of schedule, pricing and booking) while instances are
 * killed, paused and faulted; every invariant of issue 17 must PASS. `npm run chaos` is the
 * full run.
 */
import { expect, it } from 'vitest';
import { runChaos } from '../scripts/chaos/run.js';

it('keeps every invariant through kills, pauses and KV faults', async () => {
  const lines: string[] = [];
  const result = await runChaos({
    durationMs: 25_000,
    clients: 3,
    faultEveryMs: 3_000,
    log: (line) => lines.push(line),
  });
  expect(result.faults.length).toBeGreaterThan(0);
  expect(result.confirmed).toBeGreaterThan(0);
  const report = result.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
  expect(
    report.filter((l) => l.startsWith('FAIL')),
    report.join('\n'),
  ).toEqual([]);
  expect(result.checks).toHaveLength(7);
}, 600_000);
