import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, spawnProcess, type Spawned } from './support/processes.js';
import { TEST_START_DATE } from './support/schedule.js';
import { toolPath } from './support/tools.js';

/**
 * `npm start` with Consul, as a newcomer follows its banner: the launcher starts a Consul dev
 * agent of its own, on its ports shifted by MESH_PORT_OFFSET like the mesh's (two meshes on one
 * agent balanced their calls over each other's instances), and stops it with the mesh; the
 * grpcurl command it prints works as printed (mTLS with the client certificate it wrote), and
 * that certificate lives under MESH_DATA_DIR with the rest of the mesh's state, not in the
 * checkout.
 */
describe('npm start launcher with Consul', () => {
  let mesh: Spawned | undefined;
  afterAll(() => {
    // If the test failed half-way, take the launcher and every child (its agent too) with it.
    if (mesh?.child.exitCode === null) process.kill(-mesh.child.pid!, 'SIGKILL');
  });

  it('runs its own Consul agent on the offset ports and prints grpcurl and dev-token commands that work as printed', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mesh-launcher-consul-'));
    // Far from the default ports and from the static launcher test's (offsets 7000–7899: its
    // metrics ports end at 17361, below this agent's 17500 and up).
    const offset = 9000 + Math.floor(Math.random() * 900);
    const consul = `http://127.0.0.1:${8500 + offset}`;
    mesh = spawnProcess(
      process.execPath,
      ['--import', 'tsx', 'scripts/mesh.ts'],
      {
        // A newcomer's environment: no agent named, none on the shifted port.
        CONSUL_HTTP_ADDR: '',
        MESH_PORT_OFFSET: String(offset),
        MESH_DATA_DIR: dataDir,
        SCHEDULE_START_DATE: TEST_START_DATE,
        SEARCH_START_DATE: TEST_START_DATE,
        SHUTDOWN_GRACE_MS: '3000',
      },
      { detached: true },
    );
    await mesh.waitForLine((l) => l.includes('flight mesh is up'), 300_000);
    expect(mesh.lines.join('\n')).toContain(
      `Consul dev agent, UI ${consul}/ui (consul commands: CONSUL_HTTP_ADDR=127.0.0.1:${8500 + offset})`,
    );
    const registered = (await (
      await fetch(`${consul}/v1/health/service/schedule?passing=true`)
    ).json()) as unknown[];
    expect(registered).toHaveLength(1);

    const banner = mesh.lines.find((l) => /^\s+schedule\s+grpc:\/\//.test(l));
    const printed = /\(grpcurl (.+)\)$/.exec(banner ?? '')?.[1];
    expect(printed, banner).toBeDefined();
    const args = printed!.split(/\s+/);
    const cert = args[args.indexOf('-cert') + 1]!;
    expect(path.resolve(ROOT, cert)).toBe(path.join(dataDir, 'tls', 'grpcurl.pem'));
    const { stdout } = await promisify(execFile)(toolPath('grpcurl'), args, { cwd: ROOT });
    expect(stdout).toContain('flights.v1.ScheduleService');

    // The token command it prints finds this mesh's identity (and, for --ops, its data dir).
    const identity = mesh.lines.find((l) => /^\s+identity\s+http:\/\//.test(l));
    const tokens = /\(tokens: (.+) -- alice\)$/.exec(identity ?? '')?.[1];
    expect(tokens, identity).toBe(
      `MESH_PORT_OFFSET=${offset} MESH_DATA_DIR=${dataDir} npm run -s dev-token`,
    );
    const shellEnv = { ...process.env };
    for (const k of ['IDENTITY_URL', 'IDENTITY_DATA_DIR', 'MESH_DATA_DIR', 'MESH_PORT_OFFSET'])
      delete shellEnv[k];
    for (const who of ['alice', '--ops']) {
      const token = await promisify(execFile)('sh', ['-c', `${tokens} -- ${who}`], {
        cwd: ROOT,
        env: shellEnv,
      });
      expect(token.stdout.trim().split('.'), who).toHaveLength(3); // a JWT
    }

    process.kill(-mesh.child.pid!, 'SIGINT');
    expect(await mesh.exited).toEqual({ code: 0, signal: null });
    // Its agent went with it.
    await expect(fetch(`${consul}/v1/status/leader`)).rejects.toThrow();
  }, 600_000);
});
