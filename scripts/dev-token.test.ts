/**
 * `npm run dev-token` as a person runs it: the script against a real identity service, its
 * output a token the BFF's verifier accepts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../bff/auth.js';
import { API_RESOURCE } from '../identity/config.js';
import { startTestIdentity, type IdentityFixture } from '../test/support/identity.js';
import { ROOT } from '../test/support/processes.js';

let idp: IdentityFixture;
beforeAll(async () => {
  idp = await startTestIdentity();
});
afterAll(async () => {
  await idp?.stop();
});

const devToken = async (...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/dev-token.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, IDENTITY_URL: idp.issuer, IDENTITY_DATA_DIR: idp.dataDir },
      },
    );
    return { code: 0, stdout: stdout.trim(), stderr: '' };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout.trim(), stderr: e.stderr };
  }
};

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
});
