import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConsulCertificates } from './connect-ca.js';
import type { Logger } from './logger.js';

/**
 * The files of a mesh identity, for a proxy that cannot ask Consul itself (Envoy at the edge):
 * PEM files, and Envoy SDS sources (DiscoveryResponse documents, JSON) that point at them.
 */
export const IDENTITY_FILES = {
  /** The leaf certificate (PEM), SPIFFE URI SAN spiffe://<trust-domain>/ns/default/dc/<dc>/svc/<name>. */
  cert: 'cert.pem',
  /** Its private key (PEM, mode 0600). */
  key: 'key.pem',
  /** The mesh CA's roots and intermediates (PEM), the only trust for peers. */
  roots: 'roots.pem',
  /** SDS source of the Secret `mesh_identity` (a TlsCertificate over cert.pem + key.pem). */
  identitySds: 'identity-sds.json',
  /** SDS source of the Secret `mesh_roots` (a CertificateValidationContext over roots.pem). */
  rootsSds: 'roots-sds.json',
} as const;

/** The SDS secret names Envoy's clusters refer to. */
export const SDS_SECRETS = { identity: 'mesh_identity', roots: 'mesh_roots' } as const;

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/**
 * The two SDS documents for files in `dir` (the directory as the proxy sees it). Each secret
 * watches `dir` (watched_directory): a file moved into it — how writeIdentityFiles replaces
 * one — makes Envoy re-read the PEM files, so a renewed leaf or rotated root needs no restart.
 */
export function envoySdsDocuments(dir: string): Record<string, unknown> {
  const file = (name: string) => ({ filename: path.posix.join(dir, name) });
  const response = (secret: Record<string, unknown>) => ({
    version_info: '1',
    resources: [{ '@type': SECRET_TYPE, ...secret }],
  });
  return {
    [IDENTITY_FILES.identitySds]: response({
      name: SDS_SECRETS.identity,
      tls_certificate: {
        certificate_chain: file(IDENTITY_FILES.cert),
        private_key: file(IDENTITY_FILES.key),
        watched_directory: { path: dir },
      },
    }),
    [IDENTITY_FILES.rootsSds]: response({
      name: SDS_SECRETS.roots,
      validation_context: {
        trusted_ca: file(IDENTITY_FILES.roots),
        watched_directory: { path: dir },
      },
    }),
  };
}

/** Replaces `name` in `dir` atomically (write beside, then rename): readers never see half a file. */
function replaceFile(dir: string, name: string, content: string | Buffer, mode = 0o644): void {
  const temp = path.join(dir, `.${name}.tmp`);
  writeFileSync(temp, content, { mode });
  renameSync(temp, path.join(dir, name));
}

/**
 * Keeps `dir` holding the current identity of `certs` (started or not): cert, key and roots
 * rewritten whenever the agent hands out a new leaf or new roots, and the SDS documents, written
 * once the PEM files exist so a proxy that starts on them finds a complete identity.
 *
 * @param sdsDir the directory as the proxy sees it (its mount point), for the SDS documents
 * @returns a function that stops following the certificates (the files stay)
 */
export function writeIdentityFiles(
  certs: ConsulCertificates,
  dir: string,
  sdsDir: string,
  log: Logger,
): () => void {
  mkdirSync(dir, { recursive: true });
  let haveLeaf = false;
  let haveRoots = false;
  let sdsWritten = false;
  const writeSds = () => {
    if (!haveLeaf || !haveRoots || sdsWritten) return;
    sdsWritten = true;
    for (const [name, doc] of Object.entries(envoySdsDocuments(sdsDir)))
      replaceFile(dir, name, `${JSON.stringify(doc, null, 2)}\n`);
  };
  const onRoots = (update: { caCertificate: Buffer } | null) => {
    if (!update) return;
    replaceFile(dir, IDENTITY_FILES.roots, update.caCertificate);
    log.info({ dir }, 'mesh roots written');
    haveRoots = true;
    writeSds();
  };
  const onLeaf = (update: { certificate: Buffer; privateKey: Buffer } | null) => {
    if (!update) return;
    // Key first: Envoy reads the pair together and refuses a key that does not match, keeping
    // the previous pair until the certificate's move triggers the next read.
    replaceFile(dir, IDENTITY_FILES.key, update.privateKey, 0o600);
    replaceFile(dir, IDENTITY_FILES.cert, update.certificate);
    log.info({ dir, service: certs.service }, 'mesh leaf certificate written');
    haveLeaf = true;
    writeSds();
  };
  certs.addCaCertificateListener(onRoots);
  certs.addIdentityCertificateListener(onLeaf);
  return () => {
    certs.removeCaCertificateListener(onRoots);
    certs.removeIdentityCertificateListener(onLeaf);
  };
}
