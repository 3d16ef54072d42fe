import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import { retryDelayMs } from './backoff.js';
import type { Logger } from './logger.js';

type CertificateProvider = grpc.experimental.CertificateProvider;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

interface CaRoots {
  TrustDomain: string;
  Roots: Array<{ RootCert: string; IntermediateCerts?: string[] | null; Active: boolean }>;
}

interface LeafCert {
  CertPEM: string;
  PrivateKeyPEM: string;
  ValidBefore: string;
  SerialNumber: string;
}

/** How long one blocking query may wait on the agent before it answers "nothing new". */
const BLOCKING_WAIT = '55s';

/**
 * This process's identity in the mesh, from Consul's built-in CA through the local agent: the
 * trusted roots (`/v1/agent/connect/ca/roots`) and a leaf certificate for `service`
 * (`/v1/agent/connect/ca/leaf/<service>`, SPIFFE URI SAN
 * `spiffe://<trust-domain>/ns/default/dc/<dc>/svc/<service>`), both kept fresh with blocking
 * queries: a rotated root or a renewed leaf reaches every listener (grpc-js secure contexts of
 * servers and channels) without a restart.
 *
 * A grpc-js CertificateProvider by hand because grpc-js only ships one that watches files, and
 * the agent's HTTP API is where Consul hands out certificates.
 */
export class ConsulCertificates implements CertificateProvider {
  private roots: CaRoots | undefined;
  private leaf: LeafCert | undefined;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly rootsChangeListeners = new Set<() => void>();
  private readonly stopper = new AbortController();
  private readonly firstRoots: Promise<void>;
  private readonly firstLeaf: Promise<void>;
  private resolveRoots!: () => void;
  private resolveLeaf!: () => void;

  /**
   * @param consulAddress the agent, "http://host:port"
   * @param service the name whose leaf certificate this process presents, e.g. "booking"
   */
  constructor(
    private readonly consulAddress: string,
    readonly service: string,
    private readonly log: Logger,
  ) {
    this.firstRoots = new Promise((r) => (this.resolveRoots = r));
    this.firstLeaf = new Promise((r) => (this.resolveLeaf = r));
  }

  /** Starts the watches; resolves once the roots and a leaf are here (waits out a down agent). */
  async start(): Promise<void> {
    void this.watch<CaRoots>('/v1/agent/connect/ca/roots', (roots) => {
      const before = this.roots && this.caPem();
      this.roots = roots;
      if (before !== undefined && before !== this.caPem())
        for (const l of this.rootsChangeListeners) l();
      this.log.info(
        { trust_domain: roots.TrustDomain, roots: roots.Roots.length },
        'mesh CA roots updated',
      );
      for (const l of this.caListeners) l(this.caUpdate());
      this.resolveRoots();
    });
    void this.watch<LeafCert>(
      `/v1/agent/connect/ca/leaf/${encodeURIComponent(this.service)}`,
      (leaf) => {
        this.leaf = leaf;
        this.log.info(
          { serial: leaf.SerialNumber, valid_before: leaf.ValidBefore },
          'mesh leaf certificate updated',
        );
        for (const l of this.identityListeners) l(this.identityUpdate());
        this.resolveLeaf();
      },
    );
    await Promise.all([this.firstRoots, this.firstLeaf]);
  }

  /** The CA's trust domain, e.g. "11111111-2222-….consul" (known once start() resolved). */
  get trustDomain(): string {
    if (!this.roots) throw new Error('mesh CA roots not loaded yet');
    return this.roots.TrustDomain;
  }

  /** The current leaf, PEM (for writing a client certificate for humans). */
  get current(): { ca: string; cert: string; key: string; serial: string } {
    if (!this.roots || !this.leaf) throw new Error('mesh certificates not loaded yet');
    return {
      ca: this.caPem(),
      cert: this.leaf.CertPEM,
      key: this.leaf.PrivateKeyPEM,
      serial: this.leaf.SerialNumber,
    };
  }

  private caPem(): string {
    return this.roots!.Roots.flatMap((r) => [r.RootCert, ...(r.IntermediateCerts ?? [])])
      .map((pem) => pem.trim())
      .join('\n');
  }

  private caUpdate() {
    return this.roots ? { caCertificate: Buffer.from(this.caPem()) } : null;
  }

  private identityUpdate() {
    return this.leaf
      ? {
          certificate: Buffer.from(this.leaf.CertPEM),
          privateKey: Buffer.from(this.leaf.PrivateKeyPEM),
        }
      : null;
  }

  /**
   * A blocking query loop: asks again with the last X-Consul-Index so the agent answers as soon
   * as something changes; an index that goes backwards (a restarted agent) starts over at 0.
   */
  private async watch<T>(path: string, onChange: (value: T) => void): Promise<void> {
    const { signal } = this.stopper;
    let index = 0;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const url = `${this.consulAddress}${path}?index=${index}&wait=${BLOCKING_WAIT}`;
        const res = await fetch(url, { signal });
        if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
        const next = Number(res.headers.get('x-consul-index') ?? 0);
        const body = (await res.json()) as T;
        if (next !== index || index === 0) onChange(body);
        index = next < index ? 0 : next;
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        const delay = retryDelayMs(failures++, 200, 10_000);
        this.log.warn(
          { err: (err as Error).message, path, retry_in_ms: delay },
          'mesh CA: agent unreachable, keeping the certificates held',
        );
        await sleep(delay, undefined, { signal }).catch(() => {});
        index = 0;
      }
    }
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    const update = this.caUpdate();
    if (update) setImmediate(() => listener(update));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    const update = this.identityUpdate();
    if (update) setImmediate(() => listener(update));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /**
   * Calls `listener` whenever the trusted roots change after the first load (a rotated or
   * replaced CA): connections authenticated under the old roots should then be ended.
   */
  onRootsChange(listener: () => void): void {
    this.rootsChangeListeners.add(listener);
  }

  close(): void {
    this.stopper.abort();
  }
}
