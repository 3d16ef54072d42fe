/** Discovery for `npm start` (scripts/mesh.ts): Consul, a dev agent it starts, or static addresses. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The ports of the dev agent `npm start` runs, before MESH_PORT_OFFSET: its HTTP API (and UI),
 * Serf LAN and server RPC, side by side (Consul's own defaults, 8500, 8301 and 8300, put two
 * meshes whose offsets differ by 200 on one port). DNS, gRPC, HTTPS and Serf WAN are switched
 * off: nothing here uses them.
 */
const DEV_AGENT_PORTS = { http: 8500, serfLan: 8501, server: 8502 };

async function consulAnswers(address: string): Promise<boolean> {
  try {
    const res = await fetch(`${address}/v1/status/leader`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && ((await res.json()) as string) !== '';
  } catch {
    return false;
  }
}

/**
 * Discovery for the local mesh: the agent named by CONSUL_HTTP_ADDR if set; else a Consul dev
 * agent (found or built by scripts/ensure-tools.sh); else static addresses. MESH_DISCOVERY=static
 * skips Consul altogether. A dev agent it starts is handed to `adopt` (stopped with the mesh).
 *
 * The dev agent's ports are shifted by `portOffset` (MESH_PORT_OFFSET) like every other port of
 * the mesh: each mesh on the machine has an agent of its own. Two meshes on one agent register
 * the same service names, so each balanced its calls over both meshes' instances, and stopping
 * the mesh that had started the agent left the other without discovery or intentions. An agent
 * already answering on the (shifted) HTTP port is reused: a mesh started again, or one started
 * by hand for it.
 */
export async function startDiscovery(
  root: string,
  adopt: (agent: ChildProcess) => void,
  portOffset = 0,
): Promise<{ consul?: string; note: string }> {
  const CONSUL_DEV_ADDR = `http://127.0.0.1:${DEV_AGENT_PORTS.http + portOffset}`;
  if (process.env.MESH_DISCOVERY === 'static')
    return { note: 'static addresses (MESH_DISCOVERY=static)' };
  if (process.env.CONSUL_HTTP_ADDR)
    return {
      consul: process.env.CONSUL_HTTP_ADDR,
      note: `Consul at ${process.env.CONSUL_HTTP_ADDR}`,
    };
  if (await consulAnswers(CONSUL_DEV_ADDR))
    return { consul: CONSUL_DEV_ADDR, note: `Consul already running, UI ${CONSUL_DEV_ADDR}/ui` };
  const tools = spawnSync('bash', [path.join(root, 'scripts', 'ensure-tools.sh'), 'consul'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const consul = tools.stdout
    ?.split('\n')
    .find((l) => l.startsWith('consul='))
    ?.slice('consul='.length);
  if (tools.status !== 0 || !consul)
    return { note: 'static addresses (no consul binary; see above)' };
  // Errors only: a dev agent's start always warns of the leader election it then wins. And
  // nothing once it has been told to stop: its shutdown logs [ERROR]s about its own closing
  // connections ("context canceled"), which read like a fault to a newcomer pressing Ctrl-C.
  const port = (base: number) => String(base + portOffset);
  const flags = {
    '-bind': '127.0.0.1',
    '-client': '127.0.0.1',
    '-log-level': 'error',
    '-http-port': port(DEV_AGENT_PORTS.http),
    '-serf-lan-port': port(DEV_AGENT_PORTS.serfLan),
    '-server-port': port(DEV_AGENT_PORTS.server),
    // -1 switches a listener off.
    '-dns-port': '-1',
    '-grpc-port': '-1',
    '-grpc-tls-port': '-1',
    '-https-port': '-1',
    '-serf-wan-port': '-1',
  };
  const agent = spawn(consul, ['agent', '-dev', '-ui', ...Object.entries(flags).flat()], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [agent.stdout, agent.stderr])
    createInterface({ input: stream }).on('line', (l) => {
      if (!agent.killed) process.stdout.write(`[consul  ] ${l}\n`);
    });
  adopt(agent);
  for (let i = 0; i < 200 && agent.exitCode === null; i++) {
    if (await consulAnswers(CONSUL_DEV_ADDR))
      return {
        consul: CONSUL_DEV_ADDR,
        note: `Consul dev agent, UI ${CONSUL_DEV_ADDR}/ui (consul commands: CONSUL_HTTP_ADDR=${CONSUL_DEV_ADDR.slice('http://'.length)})`,
      };
    await new Promise((r) => setTimeout(r, 100));
  }
  // It exited (a port taken: its error is printed above) or never answered.
  const why =
    agent.exitCode === null
      ? `did not answer on ${CONSUL_DEV_ADDR}`
      : `exited (${agent.exitCode}): see its error above; another process may hold port ${DEV_AGENT_PORTS.http + portOffset}, ${DEV_AGENT_PORTS.serfLan + portOffset} or ${DEV_AGENT_PORTS.server + portOffset}`;
  agent.kill();
  return { note: `static addresses (the Consul dev agent ${why})` };
}

/** Waits until Consul lists an instance of `name` as passing. */
export async function waitRegistered(
  consul: string,
  name: string,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${consul}/v1/health/service/${name}?passing=true`).catch(
      () => undefined,
    );
    if (res?.ok && ((await res.json()) as unknown[]).length > 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not turn passing in Consul within ${timeoutMs} ms`);
}
