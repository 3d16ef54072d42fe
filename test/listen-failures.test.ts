/**
 * Where a process cannot listen, it says so in one line naming the variables to change, as a
 * person starting it would read it: a service (platform/server.ts), the BFF and identity, each
 * a real process. A HOST that is no IP address exited with a stack trace from whichever listener
 * opened first (and blamed METRICS_PORT).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnEntry } from './support/processes.js';

/** 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine. */
const NOT_OURS = '192.0.2.1';

let dataDir = '';
let taken: Server;
let takenPort = 0;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'listen-failures-'));
  takenPort = await freePort();
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(takenPort, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs `entry` until it exits; its exit code and what it wrote that is not a JSON log line. */
async function run(entry: string, env: NodeJS.ProcessEnv) {
  const proc = spawnEntry(entry, {
    DATA_DIR: path.join(dataDir, entry),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  const said = proc.lines.filter(
    (l) => !l.startsWith('{') && !l.includes('oidc-provider WARNING') && !/^E \S/.test(l),
  );
  return { code, said: said.join('\n') };
}

const processes = [
  ['a service', 'services/pricing/main.ts', 'pricing'],
  ['the BFF', 'bff/main.ts', 'bff'],
  ['identity', 'identity/main.ts', 'identity'],
] as const;

describe.each(processes)('%s cannot listen', (_, entry, name) => {
  it('a HOST that is no IP address: exit 2, the variable named, nothing opened', async () => {
    const r = await run(entry, { HOST: 'foo.invalid', PORT: '0' });
    expect(r).toEqual({
      code: 2,
      said:
        `${name}: invalid configuration:\n  HOST: expected an IP address to listen on ` +
        '(0.0.0.0: every interface, 127.0.0.1: this machine only, :: for IPv6), got "foo.invalid"',
    });
  });

  it('an address not on this machine: exit 1, one line naming HOST and PORT', async () => {
    const r = await run(entry, { HOST: NOT_OURS, PORT: '0' });
    expect(r).toEqual({
      code: 1,
      said: `${name}: failed to start: cannot listen on ${NOT_OURS}:0 (HOST, PORT): the address is not one of this machine’s (EADDRNOTAVAIL)`,
    });
  });

  it('a port another process holds: PORT named; for /metrics, METRICS_PORT', async () => {
    const api = await run(entry, { HOST: '127.0.0.1', PORT: String(takenPort) });
    expect(api).toEqual({
      code: 1,
      said: `${name}: failed to start: cannot listen on 127.0.0.1:${takenPort} (HOST, PORT): another process listens there (EADDRINUSE)`,
    });
    const metrics = await run(entry, {
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: String(takenPort),
    });
    expect(metrics).toEqual({
      code: 1,
      said: `${name}: failed to start: cannot listen on 127.0.0.1:${takenPort} (HOST, METRICS_PORT): another process listens there (EADDRINUSE)`,
    });
  });
});
