/**
 * `npm run chaos`: the project's own chaos suite (issue 17). Starts the mesh on PostgreSQL with
 * Consul, books seats through the BFF with retrying clients while instances are killed, paused
 * and faulted, then prints a PASS/FAIL line with numbers per invariant and exits 1 if any fails.
 *
 *   npm run chaos                       # 120 s of load, 8 clients, a fault every 4 s
 *   npm run chaos -- --seconds 30 --clients 4 --fault-every 3
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/run.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    clients: { type: 'string', default: '8' },
    'fault-every': { type: 'string', default: '4' },
  },
});
const result = await runChaos({
  durationMs: Number(values.seconds) * 1000,
  clients: Number(values.clients),
  faultEveryMs: Number(values['fault-every']) * 1000,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(
  `\n${result.bookings} bookings attempted, ${result.confirmed} confirmed, ${result.faults.length} faults injected\n`,
);
for (const c of result.checks)
  process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
process.exit(result.checks.every((c) => c.pass) ? 0 : 1);
