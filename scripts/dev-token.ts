/**
 * Prints a real access token from the identity service (identity/), for curl and grpcurl:
 *
 *   npm run -s dev-token -- alice            # signs alice in through the login page (code + PKCE)
 *   npm run -s dev-token -- olive            # the operator
 *   npm run -s dev-token -- --ops            # the flight-mesh-ops service client (client_credentials)
 *
 * The user's password: --password <p>, else $DEV_TOKEN_PASSWORD, else the documented demo
 * password of a demo user (identity/users.ts; demo only). The ops client's secret:
 * $OPS_CLIENT_SECRET, else the one the identity service generated in its data dir
 * ($IDENTITY_DATA_DIR, else identity/ under $MESH_DATA_DIR, default ./data, as `npm start`
 * puts it). The issuer: $IDENTITY_URL, else where `npm start` runs it: http://127.0.0.1:3001,
 * plus $MESH_PORT_OFFSET. So a mesh started with MESH_PORT_OFFSET and MESH_DATA_DIR exported
 * is found with the same two variables.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clientCredentials, loginWithPassword, LoginFlowError } from '../identity/client.js';
import { IDENTITY_PORT } from '../identity/config.js';
import { opsClientSecretFile } from '../identity/keys.js';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI, OPS_CLIENT_ID } from '../identity/clients.js';
import { DEMO_USERS } from '../identity/users.js';
import { meshPortOffset } from './port-offset.js';

const USAGE = `usage: npm run -s dev-token -- [user] [--password <p>]   (default user: alice)
       npm run -s dev-token -- --ops                    (the ops service client's token)
Demo users: ${DEMO_USERS.map((u) => u.id).join(', ')}. Environment: IDENTITY_URL, MESH_PORT_OFFSET,
MESH_DATA_DIR, IDENTITY_DATA_DIR, DEV_TOKEN_PASSWORD, OPS_CLIENT_SECRET.
`;

function args() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        password: { type: 'string' },
        ops: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // parseArgs' own refusal (an unknown option, --password without a value): said, not thrown.
    refuse((err as Error).message);
  }
}
const { values, positionals } = args();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
/** Says what is wrong with how it was called, with the usage, and exits 2. */
function refuse(problem: string): never {
  process.stderr.write(`dev-token: ${problem}\n${USAGE}`);
  process.exit(2);
}
if (positionals.length > (values.ops ? 0 : 1))
  refuse(
    values.ops
      ? `--ops takes no user, got "${positionals.join(' ')}"`
      : `one user at a time, got "${positionals.join(' ')}"`,
  );
// The offset as npm start reads it, so both agree on where the mesh is.
const portOffset = meshPortOffset(process.env.MESH_PORT_OFFSET);
if (portOffset.problem !== undefined) refuse(portOffset.problem);
const issuer = process.env.IDENTITY_URL || `http://127.0.0.1:${IDENTITY_PORT + portOffset.offset}`;
if (!/^https?:$/.test(URL.parse(issuer)?.protocol ?? ''))
  refuse(
    `IDENTITY_URL: expected an http(s):// URL such as http://127.0.0.1:${IDENTITY_PORT}, got "${issuer}"`,
  );
const identityDataDir =
  process.env.IDENTITY_DATA_DIR || path.join(process.env.MESH_DATA_DIR || './data', 'identity');

/** The ops client's secret: $OPS_CLIENT_SECRET, else the file identity keeps in its data dir. */
async function opsSecret(): Promise<string> {
  if (process.env.OPS_CLIENT_SECRET) return process.env.OPS_CLIENT_SECRET;
  const file = opsClientSecretFile(identityDataDir);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new LoginFlowError(
      `no ops client secret at ${file}: set MESH_DATA_DIR (or IDENTITY_DATA_DIR) as the mesh ` +
        'was started with, or OPS_CLIENT_SECRET',
    );
  }
}

async function token(): Promise<string> {
  if (values.ops) {
    const secret = await opsSecret();
    return (await clientCredentials({ issuer, clientId: OPS_CLIENT_ID, clientSecret: secret }))
      .access_token;
  }
  const login = positionals[0] ?? 'alice';
  const password =
    values.password ??
    process.env.DEV_TOKEN_PASSWORD ??
    DEMO_USERS.find((u) => u.id === login)?.password;
  if (!password) throw new LoginFlowError(`${login} is no demo user: pass --password`);
  const t = await loginWithPassword({
    issuer,
    clientId: CLI_CLIENT_ID,
    redirectUri: CLI_REDIRECT_URI,
    login,
    password,
  });
  return t.access_token;
}

try {
  process.stdout.write(`${await token()}\n`);
} catch (err) {
  // fetch's own failure (TypeError "fetch failed"): nothing listens there.
  process.stderr.write(
    err instanceof TypeError
      ? `dev-token: nothing answers at ${issuer}; start it with npm start (or npm run start:identity)\n`
      : `dev-token: ${(err as Error).message}\n`,
  );
  process.exit(1);
}
