import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** What the provider signs with and keeps secret, persisted under the data dir. */
export interface ProviderSecrets {
  /** Private signing keys, the first one signs; their public halves are served at jwks_uri. */
  jwks: { keys: JWK[] };
  /** Keys for signing the provider's cookies (first signs, all verify). */
  cookieKeys: string[];
  /** The client secret of the `flight-mesh-ops` service client. */
  opsClientSecret: string;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write-then-rename, owner-only: a crash never leaves half a key file, nobody else reads it. */
async function writeSecret(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, file);
}

/**
 * Loads the signing keys and secrets from `dataDir`, creating them on the first start.
 *
 * Persisted rather than made anew per start: a restart of the identity service then keeps every
 * issued token valid (the BFF and Envoy cache the JWKS and would otherwise refuse live sessions'
 * tokens until they refetch), and a browser's provider cookies stay readable. Rotation: add a
 * new key at the end of `keys.json`, restart, move it to the front, restart (oidc-provider's
 * documented order), drop the old one once its tokens have expired.
 *
 * Keys are RS256 (RSA 2048): what ID tokens default to, and what Envoy's jwt_authn and jose
 * verify alike.
 */
export async function loadOrCreateSecrets(
  dataDir: string,
  opsClientSecret?: string,
): Promise<ProviderSecrets> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keysFile = path.join(dataDir, 'keys.json');
  let stored = await readJson<Omit<ProviderSecrets, 'opsClientSecret'>>(keysFile);
  if (!stored) {
    const { privateKey } = await generateKeyPair('RS256', {
      modulusLength: 2048,
      extractable: true,
    });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    stored = {
      jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] },
      cookieKeys: [randomBytes(32).toString('base64url')],
    };
    await writeSecret(keysFile, `${JSON.stringify(stored, null, 2)}\n`);
  }
  const secretFile = path.join(dataDir, 'ops-client-secret');
  let secret = opsClientSecret ?? (await readFile(secretFile, 'utf8').catch(() => '')).trim();
  if (!secret) {
    secret = randomBytes(32).toString('base64url');
    await writeSecret(secretFile, `${secret}\n`);
  }
  return { ...stored, opsClientSecret: secret };
}

/** Where `loadOrCreateSecrets` keeps the ops client's generated secret. */
export const opsClientSecretFile = (dataDir: string) => path.join(dataDir, 'ops-client-secret');
