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
/**
 * A real Consul agent in dev mode on free loopback ports, with no DNS listener.
 *
 * Ports come from freePort(), which closes its probe before Consul binds, so a test process
 * running beside this one can take a port in between: Consul then exits at once. That launch
 * is retried on new ports (up to three), and the wait for a leader ends early when the agent
 * exits, with its output in the error. On a loaded CI machine a dev agent has taken 9 s to
 * elect itself, so the wait allows 90 s.
 */
export async function startConsul(): Promise<ConsulAgent> {
  const consul = toolPath('consul');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'consul-'));
  const pickPorts = async () => ({
    http: await freePort(),
    grpc: await freePort(),
    server: await freePort(),
    lan: await freePort(),
    wan: await freePort(),
  });
  let ports = await pickPorts();
  const address = () => `http://127.0.0.1:${ports.http}`;
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
    const res = await fetch(`${address()}${apiPath}`);
    if (!res.ok) throw new Error(`consul ${apiPath}: ${res.status}`);
    return (await res.json()) as T;
  };
  /** Resolves once the agent has a leader; 'exited' if the process ended first. */
  const waitLeader = async (launched: Spawned): Promise<'leader' | 'exited'> => {
    let exited = false;
    void launched.exited.then(() => (exited = true));
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const leader = await get<string>('/v1/status/leader').catch(() => '');
      if (leader) return 'leader';
      if (exited) return 'exited';
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `consul agent did not elect itself leader; output:\n${launched.lines.join('\n')}`,
    );
  };
  const started = async (launched: Spawned): Promise<Spawned> => {
    if ((await waitLeader(launched)) === 'exited')
      throw new Error(`consul agent exited; output:\n${launched.lines.join('\n')}`);
    return launched;
  };
  let first = launch();
  for (let attempt = 1; (await waitLeader(first)) === 'exited'; attempt++) {
    if (attempt === 3) await started(first);
    ports = await pickPorts();
    first = launch();
  }
  const agent: ConsulAgent = {
    get address() {
      return address();
    },
    process: first,
    get,
    async stop() {
      await agent.process.stop('SIGTERM');
    },
    async restart() {
      // The same ports: clients hold the address.
      agent.process = await started(launch());
    },
  };
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
