import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startConsul, type ConsulAgent } from './support/consul.js';
import { ROOT, spawnProcess, type Spawned } from './support/processes.js';
import { TEST_START_DATE } from './support/schedule.js';
import { toolPath } from './support/tools.js';

/**
 * `npm start` with Consul, as a newcomer follows its banner: the grpcurl command it prints works
 * as printed (mTLS with the client certificate it wrote), and that certificate lives under
 * MESH_DATA_DIR with the rest of the mesh's state, not in the checkout.
 */
describe('npm start launcher with Consul', () => {
  let consul: ConsulAgent | undefined;
  let mesh: Spawned | undefined;
  afterAll(async () => {
    if (mesh?.child.exitCode === null) process.kill(-mesh.child.pid!, 'SIGKILL');
    await consul?.stop();
  });

  it('prints a grpcurl command that works as printed, its certificate under MESH_DATA_DIR', async () => {
    consul = await startConsul();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mesh-launcher-consul-'));
    mesh = spawnProcess(
      process.execPath,
      ['--import', 'tsx', 'scripts/mesh.ts'],
      {
        CONSUL_HTTP_ADDR: consul.address,
        // Far from the default ports, from the static launcher test's and the ephemeral range.
        MESH_PORT_OFFSET: String(8000 + Math.floor(Math.random() * 900)),
        MESH_DATA_DIR: dataDir,
        SCHEDULE_START_DATE: TEST_START_DATE,
        SEARCH_START_DATE: TEST_START_DATE,
        SHUTDOWN_GRACE_MS: '3000',
      },
      { detached: true },
    );
    await mesh.waitForLine((l) => l.includes('flight mesh is up'), 300_000);

    const banner = mesh.lines.find((l) => /^\s+schedule\s+grpc:\/\//.test(l));
    const printed = /\(grpcurl (.+)\)$/.exec(banner ?? '')?.[1];
    expect(printed, banner).toBeDefined();
    const args = printed!.split(/\s+/);
    const cert = args[args.indexOf('-cert') + 1]!;
    expect(path.resolve(ROOT, cert)).toBe(path.join(dataDir, 'tls', 'grpcurl.pem'));
    const { stdout } = await promisify(execFile)(toolPath('grpcurl'), args, { cwd: ROOT });
    expect(stdout).toContain('flights.v1.ScheduleService');

    process.kill(-mesh.child.pid!, 'SIGINT');
    expect(await mesh.exited).toEqual({ code: 0, signal: null });
  }, 600_000);
});
