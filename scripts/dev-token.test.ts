/**
 * `npm run dev-token` as a person runs it: the script against a real identity service, its
 * output a token the BFF's verifier accepts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../bff/auth.js';
import { API_RESOURCE, IDENTITY_PORT } from '../identity/config.js';
import { startTestIdentity, type IdentityFixture } from '../test/support/identity.js';
import { ROOT } from '../test/support/processes.js';

let idp: IdentityFixture;
beforeAll(async () => {
  idp = await startTestIdentity();
});
afterAll(async () => {
  await idp?.stop();
});

/** The script with `args`, against the test's identity service unless `env` says otherwise. */
const devTokenIn = async (env: Record<string, string | undefined>, ...args: string[]) => {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['IDENTITY_URL', 'IDENTITY_DATA_DIR', 'MESH_DATA_DIR', 'MESH_PORT_OFFSET'])
    delete base[k];
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/dev-token.ts', ...args],
      {
        cwd: ROOT,
        env: { ...base, IDENTITY_URL: idp.issuer, IDENTITY_DATA_DIR: idp.dataDir, ...env },
      },
    );
    return { code: 0, stdout: stdout.trim(), stderr: '' };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout.trim(), stderr: e.stderr };
  }
};
const devToken = (...args: string[]) => devTokenIn({}, ...args);

describe('scripts/dev-token.ts', () => {
  const verify = () => createAuthenticator({ JWT_ISSUER: idp.issuer, JWT_AUDIENCE: API_RESOURCE });

  it('prints a real access token for a demo user, through the login page', async () => {
    const r = await devToken('olive');
    expect(r.code, r.stderr).toBe(0);
    expect(await verify()(`Bearer ${r.stdout}`)).toEqual({ subject: 'olive', roles: ['operator'] });
  });

  it('prints the ops client’s token with --ops, its secret read from the data dir', async () => {
    const r = await devToken('--ops');
    expect(r.code, r.stderr).toBe(0);
    expect((await verify()(`Bearer ${r.stdout}`)).subject).toBe('flight-mesh-ops');
  });

  it('fails with a message, and no token, for a wrong password or an unknown user', async () => {
    const wrong = await devToken('alice', '--password', 'guess');
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toBe('dev-token: login: refused for alice\n');
    const unknown = await devToken('mallory');
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('dev-token: mallory is no demo user: pass --password\n');
  });

  it('finds a mesh by MESH_DATA_DIR and MESH_PORT_OFFSET, as npm start was given them', async () => {
    // The ops secret under <MESH_DATA_DIR>/identity, where npm start keeps identity's data.
    const meshData = await mkdtemp(path.join(tmpdir(), 'dev-token-'));
    try {
      await symlink(idp.dataDir, path.join(meshData, 'identity'));
      const ops = await devTokenIn(
        { IDENTITY_DATA_DIR: undefined, MESH_DATA_DIR: meshData },
        '--ops',
      );
      expect(ops.code, ops.stderr).toBe(0);
      expect((await verify()(`Bearer ${ops.stdout}`)).subject).toBe('flight-mesh-ops');
    } finally {
      await rm(meshData, { recursive: true, force: true });
    }
    // The issuer on identity's port plus the offset (nothing listens there in this test).
    const offset = await devTokenIn({ IDENTITY_URL: undefined, MESH_PORT_OFFSET: '7' });
    expect(offset).toMatchObject({ code: 1, stdout: '' });
    expect(offset.stderr).toContain(`nothing answers at http://127.0.0.1:${IDENTITY_PORT + 7}`);
  });

  it('prints its usage for --help, and with a refusal for an option it does not know', async () => {
    const help = await devToken('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run -s dev-token -- \[user\]/);
    const unknown = await devToken('--user', 'alice');
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^dev-token: Unknown option '--user'.*\nusage: /s);
    for (const [extra, said] of [
      [['alice', 'olive'], 'one user at a time, got "alice olive"'],
      [['--ops', 'alice'], '--ops takes no user, got "alice"'],
    ] as const) {
      const r = await devToken(...extra);
      expect(r).toMatchObject({ code: 2, stdout: '' });
      expect(r.stderr).toMatch(new RegExp(`^dev-token: ${said}\nusage: `));
    }
  });

  it('refuses an offset npm start refuses, and an issuer that is no http(s) URL', async () => {
    // npm start's own check (scripts/port-offset.ts): dev-token agreed to some it refused.
    for (const raw of ['99999', '-4000', '0x5dc', '1e3', '3000']) {
      const r = await devTokenIn({ IDENTITY_URL: undefined, MESH_PORT_OFFSET: raw });
      expect(r, raw).toMatchObject({ code: 2, stdout: '' });
      expect(r.stderr, raw).toMatch(/^dev-token: MESH_PORT_OFFSET/);
    }
    // Empty is unset, as for every variable of the mesh: the default issuer's port.
    const empty = await devTokenIn({ IDENTITY_URL: undefined, MESH_PORT_OFFSET: '' });
    expect(empty.stderr).not.toMatch(/MESH_PORT_OFFSET/);
    // Without a scheme it was read as a URL whose scheme is "127.0.0.1", and "nothing answers".
    const bare = await devTokenIn({ IDENTITY_URL: '127.0.0.1:3001' });
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toMatch(
      /^dev-token: IDENTITY_URL: expected an http\(s\):\/\/ URL such as http:\/\/127\.0\.0\.1:3001, got "127\.0\.0\.1:3001"\n/,
    );
  });

  it('says where it looked for the ops secret, and how to point it elsewhere', async () => {
    const nowhere = await mkdtemp(path.join(tmpdir(), 'dev-token-empty-'));
    try {
      const r = await devTokenIn({ IDENTITY_DATA_DIR: undefined, MESH_DATA_DIR: nowhere }, '--ops');
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `dev-token: no ops client secret at ${path.join(nowhere, 'identity', 'ops-client-secret')}: ` +
          'set MESH_DATA_DIR (or IDENTITY_DATA_DIR) as the mesh was started with, or OPS_CLIENT_SECRET\n',
      });
    } finally {
      await rm(nowhere, { recursive: true, force: true });
    }
  });
});
