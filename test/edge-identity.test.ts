import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { createClient } from '../platform/clients.js';
import { ConsulCertificates } from '../platform/connect-ca.js';
import { IDENTITY_FILES, SDS_SECRETS } from '../platform/identity-files.js';
import { createLogger } from '../platform/logger.js';
import { meshChannelCredentials } from '../platform/mtls.js';
import { ProtoJsonChecker } from './deploy/proto-json.js';
import { rotateConnectCa, startConsul, waitPassing, type ConsulAgent } from './support/consul.js';
import { spawnEntry, ROOT, type Spawned } from './support/processes.js';
import { startPricing, type PricingFixture } from './support/pricing.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const envoy = parse(readFileSync(path.join(ROOT, 'envoy/envoy.yaml'), 'utf8')) as Json;
const cluster = (name: string) =>
  (envoy.static_resources.clusters as Json[]).find((c) => c.name === name)!;
/** The SPIFFE id pattern Envoy's cluster `name` demands of the service it connects to. */
const sanRegexOf = (name: string) =>
  new RegExp(
    cluster(name).transport_socket.typed_config.common_tls_context.combined_validation_context
      .default_validation_context.match_typed_subject_alt_names[0].matcher.safe_regex.regex,
  );
/** Where Envoy's clusters read their SDS sources, as the sidecar's mount point sees them. */
const SDS_DIR = '/etc/envoy/mesh';

const spiffeOf = (cert: { subjectaltname?: string }) =>
  (cert.subjectaltname ?? '')
    .split(', ')
    .find((s) => s.startsWith('URI:'))
    ?.slice(4);

/**
 * Envoy's mesh identity in compose, with the real parts: a real Consul dev agent (its CA), the
 * real sidecar process (edge/main.ts) writing the intentions and the files, and a real pricing
 * service in Consul mode (mTLS + intentions). A TLS client built from nothing but the files
 * the sidecar wrote, verifying the server the way Envoy's cluster config says, must get in.
 */
describe('edge identity sidecar: files a TLS client (Envoy) uses against a mesh service', () => {
  let consul: ConsulAgent;
  let pricing: PricingFixture;
  let sidecar: Spawned;
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-identity-'));
  const file = (name: string) => readFileSync(path.join(dir, name));
  const closers: Array<{ close(): void }> = [];

  /** A pricing client from the files as they are now, checking pricing's SPIFFE id as Envoy does. */
  function clientFromFiles(regex = sanRegexOf('pricing')) {
    const credentials = grpc.credentials.createSsl(
      file(IDENTITY_FILES.roots),
      file(IDENTITY_FILES.key),
      file(IDENTITY_FILES.cert),
      {
        checkServerIdentity: (_host, cert) =>
          regex.test(spiffeOf(cert) ?? '')
            ? undefined
            : new Error(`server id ${spiffeOf(cert)} does not match ${regex}`),
      },
    );
    const client = createClient(PricingServiceService, {
      target: `dns:///127.0.0.1:${pricing.running.port}`,
      defaultDeadlineMs: 5_000,
      credentials,
      // Envoy sends no SNI either; only the SPIFFE id identifies the server.
      channelOptions: { 'grpc.ssl_target_name_override': 'pricing' },
    });
    closers.push(client);
    return client;
  }
  const codeOf = (call: Promise<unknown>) =>
    call.then(
      () => grpc.status.OK,
      (err: grpc.ServiceError) => err.code,
    );

  beforeAll(async () => {
    consul = await startConsul();
    sidecar = spawnEntry('edge/main.ts', {
      CONSUL_HTTP_ADDR: consul.address,
      IDENTITY_DIR: dir,
      IDENTITY_SDS_DIR: SDS_DIR,
      LOG_LEVEL: 'info',
    });
    await sidecar.waitForLine((l) => l.includes('ready: identity written'), 30_000);
    pricing = await startPricing('127.0.0.1:1', {
      env: { CONSUL_HTTP_ADDR: consul.address, CONSUL_CHECK_INTERVAL: '500ms' },
    });
    await waitPassing(consul, 'pricing', (i) => i.length === 1);
  }, 120_000);

  afterAll(async () => {
    for (const c of closers) c.close();
    await sidecar?.stop();
    await pricing?.stop();
    await consul?.stop();
  });

  it('writes Envoy SDS sources that are valid against Envoy’s API and point at the PEM files', () => {
    const checker = new ProtoJsonChecker(['envoy/service/discovery/v3/discovery.proto']);
    const names = { identity: IDENTITY_FILES.identitySds, roots: IDENTITY_FILES.rootsSds };
    for (const [secret, sdsFile] of Object.entries(names)) {
      const doc = JSON.parse(file(sdsFile).toString()) as Json;
      expect(checker.check('envoy.service.discovery.v3.DiscoveryResponse', doc)).toEqual([]);
      expect(doc.resources[0].name).toBe(SDS_SECRETS[secret as keyof typeof SDS_SECRETS]);
      const referenced = JSON.stringify(doc).match(/"filename":"[^"]+"/g)!;
      for (const ref of referenced) {
        const name = path.posix.basename(JSON.parse(`{${ref}}`).filename);
        expect(existsSync(path.join(dir, name)), name).toBe(true);
      }
    }
    expect(readFileSync(path.join(dir, IDENTITY_FILES.key)).length).toBeGreaterThan(0);
  });

  it('is what every gRPC cluster of envoy.yaml reads: the same SDS paths and secret names', () => {
    for (const name of ['schedule', 'pricing', 'search', 'booking']) {
      const tls = cluster(name).transport_socket.typed_config.common_tls_context;
      expect(tls.alpn_protocols).toEqual(['h2']);
      const identity = tls.tls_certificate_sds_secret_configs[0];
      const roots = tls.combined_validation_context.validation_context_sds_secret_config;
      expect(identity.name).toBe(SDS_SECRETS.identity);
      expect(roots.name).toBe(SDS_SECRETS.roots);
      expect(identity.sds_config.path_config_source).toEqual({
        path: `${SDS_DIR}/${IDENTITY_FILES.identitySds}`,
        watched_directory: { path: SDS_DIR },
      });
      expect(roots.sds_config.path_config_source).toEqual({
        path: `${SDS_DIR}/${IDENTITY_FILES.rootsSds}`,
        watched_directory: { path: SDS_DIR },
      });
    }
  });

  it('gets a real call through to pricing, which checks the leaf and the intentions', async () => {
    const client = clientFromFiles();
    // A quote that does not exist: the call passed mTLS and the intention envoy → pricing.
    expect(grpc.status[await codeOf(client.getQuote({ quoteId: randomUUID() }))]).toBe('NOT_FOUND');
  });

  it('verifies the server as Envoy does: pricing’s SPIFFE id passes the pricing cluster only', async () => {
    expect(
      grpc.status[
        await codeOf(clientFromFiles(sanRegexOf('schedule')).getQuote({ quoteId: randomUUID() }))
      ],
    ).toBe('UNAVAILABLE');
  });

  it('wrote intentions that deny every call the architecture does not make', async () => {
    const log = createLogger('edge-identity-test', 'silent');
    const schedule = new ConsulCertificates(consul.address, 'schedule', log);
    closers.push(schedule);
    await schedule.start();
    const client = createClient(PricingServiceService, {
      target: `dns:///127.0.0.1:${pricing.running.port}`,
      defaultDeadlineMs: 5_000,
      credentials: meshChannelCredentials(schedule, 'pricing'),
    });
    closers.push(client);
    expect(grpc.status[await codeOf(client.getQuote({ quoteId: randomUUID() }))]).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('rewrites the files when the CA rotates, and the new ones get in', async () => {
    const before = file(IDENTITY_FILES.cert).toString();
    await rotateConnectCa(consul);
    for (let i = 0; i < 600 && file(IDENTITY_FILES.cert).toString() === before; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(file(IDENTITY_FILES.cert).toString()).not.toBe(before);
    // The server may still present its old leaf for a moment; both chain to the new roots file.
    let code: grpc.status | undefined;
    for (let i = 0; i < 100 && code !== grpc.status.NOT_FOUND; i++) {
      code = await codeOf(clientFromFiles().getQuote({ quoteId: randomUUID() }));
      if (code !== grpc.status.NOT_FOUND) await new Promise((r) => setTimeout(r, 100));
    }
    expect(grpc.status[code!]).toBe('NOT_FOUND');
  });
});
