import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, spawnProcess, type Spawned } from './support/processes.js';
import { TEST_START_DATE } from './support/schedule.js';

/**
 * `npm start` as a person at a terminal uses it: one Ctrl-C is one graceful stop of every
 * process. The terminal sends SIGINT to its whole foreground process group, so the test does the
 * same (a negative pid), not a signal to the launcher alone.
 */
describe('npm start launcher', () => {
  let mesh: Spawned | undefined;
  afterAll(() => {
    // If the test failed half-way, take the launcher and every child with it.
    if (mesh?.child.exitCode === null) process.kill(-mesh.child.pid!, 'SIGKILL');
  });

  it('stops every process gracefully on one Ctrl-C to the terminal group', async () => {
    mesh = spawnProcess(
      process.execPath,
      ['--import', 'tsx', 'scripts/mesh.ts'],
      {
        MESH_DISCOVERY: 'static',
        // Far from the default ports and from the ephemeral range other suites draw from.
        MESH_PORT_OFFSET: String(7000 + Math.floor(Math.random() * 900)),
        MESH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mesh-launcher-')),
        SCHEDULE_START_DATE: TEST_START_DATE,
        SEARCH_START_DATE: TEST_START_DATE,
        SHUTDOWN_GRACE_MS: '3000',
      },
      { detached: true },
    );
    await mesh.waitForLine((l) => l.includes('flight mesh is up'), 300_000);

    process.kill(-mesh.child.pid!, 'SIGINT');
    const exit = await mesh.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(mesh.lines.join('\n')).not.toContain('second signal');
    // Each process was told once, by the launcher (not by the terminal as well), and in order:
    // callers stop before the services they call.
    const shutdowns = jsonLines(mesh.lines).filter((l) => l.msg === 'shutting down');
    expect(shutdowns.map((l) => [l.service, l.signal])).toEqual(
      ['bff', 'booking', 'search', 'pricing', 'schedule', 'identity'].map((s) => [s, 'SIGTERM']),
    );
  }, 420_000);
});
