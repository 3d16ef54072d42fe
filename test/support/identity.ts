import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientCredentials, loginWithPassword } from '../../identity/client.js';
import { identityEnv } from '../../identity/config.js';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI, OPS_CLIENT_ID } from '../../identity/clients.js';
import { startIdentity, type RunningIdentity } from '../../identity/server.js';
import { DEMO_USERS } from '../../identity/users.js';
import { loadConfig } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';

export interface IdentityFixture extends RunningIdentity {
  dataDir: string;
  /** A real access token for a demo user, through the login page and code + PKCE. */
  token(user: string): Promise<string>;
  /** A real access token for the ops service client (client_credentials). */
  opsToken(): Promise<string>;
  /** Stops the provider and removes its data dir (unless `keepData`). */
  stop(keepData?: boolean): Promise<void>;
}

/** The real identity service on an ephemeral port with its own data dir (a fresh one by default). */
export async function startTestIdentity(
  env: Record<string, string> = {},
  dataDir?: string,
): Promise<IdentityFixture> {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'identity-')));
  const config = loadConfig(identityEnv, { PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env });
  const running = await startIdentity(config, createLogger('identity', config.LOG_LEVEL));
  return {
    ...running,
    dataDir: dir,
    async token(user) {
      const demo = DEMO_USERS.find((u) => u.id === user);
      if (!demo) throw new Error(`no demo user ${user}`);
      const t = await loginWithPassword({
        issuer: running.issuer,
        clientId: CLI_CLIENT_ID,
        redirectUri: CLI_REDIRECT_URI,
        login: user,
        password: demo.password,
      });
      return t.access_token;
    },
    async opsToken() {
      const secret = (await readFile(path.join(dir, 'ops-client-secret'), 'utf8')).trim();
      const t = await clientCredentials({
        issuer: running.issuer,
        clientId: OPS_CLIENT_ID,
        clientSecret: secret,
      });
      return t.access_token;
    },
    async stop(keepData = false) {
      await running.close();
      if (!keepData && !dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
