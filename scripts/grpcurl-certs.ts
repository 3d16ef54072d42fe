/**
 * The client certificate `npm start` gives a person for grpcurl: issued by Consul's CA to the
 * identity `grpcurl` (the launcher allows that identity to call every service, a local
 * development convenience) and written as PEM files a command line can name.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConsulCertificates } from '../platform/connect-ca.js';
import { createLogger } from '../platform/logger.js';

/** The identity of the client certificate for humans (grpcurl). */
export const HUMAN_IDENTITY = 'grpcurl';

/**
 * Fetches a leaf certificate for HUMAN_IDENTITY from the Consul agent at `consul`
 * (`host:port`) and writes `ca.pem`, `grpcurl.pem` and `grpcurl-key.pem` (mode 0600) into
 * `dir`, creating it. Returns the certificates, kept fresh until `close()`, and the grpcurl
 * flags that use them, with `dir` as `shownDir` (how a person types it from here).
 * Rejects when the agent cannot issue a certificate or `dir` cannot be written.
 */
export async function writeGrpcurlCertificates(
  consul: string,
  dir: string,
  shownDir: string,
): Promise<{ certs: ConsulCertificates; flags: string }> {
  const certs = new ConsulCertificates(consul, HUMAN_IDENTITY, createLogger('mesh', 'warn'));
  await certs.start();
  const { ca, cert, key } = certs.current;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'ca.pem'), `${ca}\n`);
  writeFileSync(path.join(dir, 'grpcurl.pem'), cert);
  writeFileSync(path.join(dir, 'grpcurl-key.pem'), key, { mode: 0o600 });
  const flags = `-insecure -cert ${path.join(shownDir, 'grpcurl.pem')} -key ${path.join(shownDir, 'grpcurl-key.pem')}`;
  return { certs, flags };
}
