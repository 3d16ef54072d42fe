import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, spawnProcess, type Spawned } from './processes.js';
import { toolPath } from './tools.js';

export interface ConsulAgent {
  /** http://127.0.0.1:<port>, the value for CONSUL_HTTP_ADDR. */
  address: string;
  process: Spawned;
  /** GET a Consul HTTP API path and parse the JSON. */
  get<T>(apiPath: string): Promise<T>;
  /** Stops the agent; restart() brings it back on the same ports (a dev agent starts empty). */
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** A real Consul agent in dev mode on free loopback ports, with no DNS listener. */
export async function startConsul(): Promise<ConsulAgent> {
  const consul = toolPath('consul');
  const ports = {
    http: await freePort(),
    grpc: await freePort(),
    server: await freePort(),
    lan: await freePort(),
    wan: await freePort(),
  };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'consul-'));
  const address = `http://127.0.0.1:${ports.http}`;
  const launch = () =>
    spawnProcess(consul, [
      'agent',
      '-dev',
      '-bind',
      '127.0.0.1',
      '-client',
      '127.0.0.1',
      '-node',
      'test-node',
      '-http-port',
      String(ports.http),
      '-grpc-port',
      String(ports.grpc),
      '-grpc-tls-port',
      '-1',
      '-dns-port',
      '-1',
      '-server-port',
      String(ports.server),
      '-serf-lan-port',
      String(ports.lan),
      '-serf-wan-port',
      String(ports.wan),
      '-data-dir',
      dataDir,
      '-log-level',
      'warn',
    ]);
  const get = async <T>(apiPath: string): Promise<T> => {
    const res = await fetch(`${address}${apiPath}`);
    if (!res.ok) throw new Error(`consul ${apiPath}: ${res.status}`);
    return (await res.json()) as T;
  };
  const waitLeader = async () => {
    for (let i = 0; i < 300; i++) {
      const leader = await get<string>('/v1/status/leader').catch(() => '');
      if (leader) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('consul agent did not elect itself leader');
  };
  const agent: ConsulAgent = {
    address,
    process: launch(),
    get,
    async stop() {
      await agent.process.stop('SIGTERM');
    },
    async restart() {
      agent.process = launch();
      await waitLeader();
    },
  };
  await waitLeader();
  return agent;
}

export interface PassingInstance {
  Service: {
    ID: string;
    Address: string;
    Port: number;
    Tags: string[];
    Meta: Record<string, string>;
  };
  Checks: Array<{ CheckID: string; Status: string; Type: string }>;
}

/** Waits until the passing set of a service satisfies the predicate. */
export async function waitPassing(
  agent: ConsulAgent,
  service: string,
  predicate: (instances: PassingInstance[]) => boolean,
  timeoutMs = 30_000,
): Promise<PassingInstance[]> {
  const until = Date.now() + timeoutMs;
  let last: PassingInstance[] = [];
  while (Date.now() < until) {
    last = await agent
      .get<PassingInstance[]>(`/v1/health/service/${service}?passing=true`)
      .catch(() => []);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `passing set of ${service} never matched: ${JSON.stringify(last.map((i) => i.Service.ID))}`,
  );
}

/**
 * Rotates the agent's Connect CA to a new root made from a fresh EC P-256 key (Consul's
 * built-in provider cross-signs it and re-issues every leaf); resolves once Consul accepted
 * the new configuration, before any leaf has been re-issued.
 */
export async function rotateConnectCa(agent: Pick<ConsulAgent, 'address'>): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const res = await fetch(`${agent.address}/v1/connect/ca/configuration`, {
    method: 'PUT',
    body: JSON.stringify({
      Provider: 'consul',
      Config: { PrivateKey: privateKey.export({ type: 'sec1', format: 'pem' }) },
    }),
  });
  if (res.status !== 200) throw new Error(`CA rotation refused: ${res.status} ${await res.text()}`);
}
