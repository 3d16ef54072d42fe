import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESH } from '../../flights/mesh.js';
import { freePort, ROOT } from '../support/processes.js';
import { startSchedule, type ScheduleFixture } from '../support/schedule.js';
import { toolPath } from '../support/tools.js';

describe('scripts/healthcheck.mjs (the containers’ health probe)', () => {
  // Asynchronous: the servers probed here run in this very process.
  const probe = async (kind: string, port: number) => {
    try {
      await promisify(execFile)(process.execPath, ['scripts/healthcheck.mjs', kind, String(port)], {
        cwd: ROOT,
      });
      return { status: 0, stderr: '' };
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      return { status: e.code, stderr: e.stderr ?? '' };
    }
  };
  let schedule: ScheduleFixture;
  beforeAll(async () => {
    schedule = await startSchedule('embedded');
  });
  afterAll(async () => {
    await schedule?.stop();
  });

  it('grpc: passes for a SERVING service, fails for NOT_SERVING and where nothing listens', async () => {
    expect((await probe('grpc', schedule.running.port)).status).toBe(0);
    schedule.running.server.setServing(false);
    try {
      const notServing = await probe('grpc', schedule.running.port);
      expect(notServing.status).toBe(1);
      expect(notServing.stderr).toMatch(/NOT_SERVING/);
    } finally {
      schedule.running.server.setServing(true);
    }
    expect((await probe('grpc', await freePort())).status).toBe(1);
  });

  it('http: passes on 200 from /healthz, fails on an error status or no listener', async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      expect((await probe('http', port)).status).toBe(0);
      status = 503;
      expect((await probe('http', port)).status).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect((await probe('http', await freePort())).status).toBe(1);
    expect((await probe('nonsense', 1)).status).toBe(1);
  });

  it('grpcurl through schedule’s reflection (where Envoy routes it) lists, and describes every service', async () => {
    const grpcurl = toolPath('grpcurl');
    const run = async (...args: string[]) =>
      (
        await promisify(execFile)(grpcurl, [
          '-plaintext',
          `127.0.0.1:${schedule.running.port}`,
          ...args,
        ])
      ).stdout;
    const listed = (await run('list')).split('\n').filter(Boolean);
    expect(listed).toEqual(
      expect.arrayContaining([MESH.schedule.fullName, 'grpc.health.v1.Health']),
    );
    for (const { fullName } of Object.values(MESH))
      expect(await run('describe', fullName), fullName).toMatch(
        new RegExp(`service ${fullName.split('.').pop()}`),
      );
  });
});
