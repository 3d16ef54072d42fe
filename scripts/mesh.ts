/**
 * `npm start`: the whole local mesh in one command. Starts every service that exists at once,
 * waits until each reports SERVING, prints the endpoints, and stops them all on Ctrl-C. Logs are
 * pretty-printed with a per-service prefix in a terminal, JSON otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { prettyFactory } from 'pino-pretty';
import { ensureTemplate } from '../platform/embedded-store.js';
import type { ConsulCertificates } from '../platform/connect-ca.js';
import { writeIntentions } from '../platform/intentions.js';
import { createLogger } from '../platform/logger.js';
import { meshChannelCredentials } from '../platform/mtls.js';
import { BFF_METRICS_PORT, BFF_PORT, MESH, MESH_CALLS, type ServiceName } from '../flights/mesh.js';
import { IDENTITY_METRICS_PORT, IDENTITY_PORT } from '../identity/config.js';
import { build, isFresh } from './compiled.mjs';
import { HUMAN_IDENTITY, writeGrpcurlCertificates } from './grpcurl-certs.js';
import { startDiscovery, waitRegistered } from './mesh-discovery.js';
import { waitHttp, waitServing } from './mesh-waits.js';
import { ensureWebBuilt } from './web-build.js';
import { meshPortOffset } from './port-offset.js';
import { MALLOC_ENV, meshProcessArgs } from './process-tuning.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * MESH_PORT_OFFSET shifts every port this launcher gives out (a second mesh beside the first,
 * or a test's); MESH_DATA_DIR moves the embedded stores (default ./data).
 */
const portOffset = meshPortOffset(process.env.MESH_PORT_OFFSET);
if (portOffset.problem !== undefined) {
  process.stderr.write(`${portOffset.problem}\n`);
  process.exit(2);
}
const PORT_OFFSET = portOffset.offset;
const DATA_ROOT = path.resolve(process.env.MESH_DATA_DIR ?? path.join(ROOT, 'data'));
const ORDER: ServiceName[] = ['schedule', 'pricing', 'search', 'booking'];
const pretty = process.stdout.isTTY
  ? prettyFactory({ colorize: true, ignore: 'pid,hostname,service' })
  : undefined;
/**
 * Every process the launcher runs, in start order (stopped in reverse). A slot keeps its place
 * when its process is restarted (see launch's `restart`).
 */
const children: Array<{ name: string; child: ChildProcess }> = [];
/** Restarts of one slot within RESTART_WINDOW_MS beyond which the mesh is stopped instead. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
/** How long after a process died its restart begins (ms). */
const RESTART_DELAY_MS = 500;

/**
 * Starts `entry` as the process `name`. When it exits on its own, the whole mesh is stopped,
 * unless `restart` is set: then (for an instance that has siblings serving meanwhile, or the
 * store process they share) it is started again after RESTART_DELAY_MS, as an orchestrator
 * would; a process that asked to stop (exit 2, bad configuration) or died MAX_RESTARTS times
 * within RESTART_WINDOW_MS stops the mesh.
 */
function launch(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  /** `telemetry: false`: without the tracing preload (a process that serves no gRPC). */
  options: { restart?: boolean; telemetry?: boolean } = {},
  slot: { name: string; child: ChildProcess; restarts?: number[] } | undefined = undefined,
): ChildProcess {
  const child = spawn(process.execPath, meshProcessArgs(entry, options), {
    cwd: ROOT,
    // Every process listens on loopback only (HOST): a mesh on a laptop, with its demo users and
    // unauthenticated /metrics, is not for the network the laptop is on. After the environment,
    // which may hold a HOST of its own (some shells export the machine's name as HOST).
    env: { ...MALLOC_ENV, ...process.env, ...env, HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the terminal's Ctrl-C reaches only this launcher, which stops
    // each child once, in order. In the terminal's group a child got SIGINT from the
    // terminal and SIGTERM from us, and took the second for "exit now, skip the drain".
    detached: true,
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (!pretty || !line.startsWith('{'))
        process.stdout.write(pretty ? `[${name}] ${line}\n` : `${line}\n`);
      else process.stdout.write(`[${name.padEnd(8)}] ${pretty(line)}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    const restarts = (mine.restarts ?? []).filter((t) => t > Date.now() - RESTART_WINDOW_MS);
    if (options.restart && code !== 2 && restarts.length < MAX_RESTARTS) {
      mine.restarts = [...restarts, Date.now()];
      process.stderr.write(`${name} exited (${signal ?? code}); restarting it\n`);
      setTimeout(() => {
        if (!stopping) launch(name, entry, env, options, mine);
      }, RESTART_DELAY_MS);
      return;
    }
    process.stderr.write(`${name} exited (${signal ?? code}); stopping the mesh\n`);
    void stopAll(1);
  });
  // Its pid, to try the mesh's resilience by hand (kill -9, kill -STOP) and for the tests.
  process.stdout.write(`started ${name}, pid ${child.pid}\n`);
  const mine = slot ?? { name, child };
  mine.child = child;
  if (!slot) children.push(mine);
  return child;
}

let stopping = false;
const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** One graceful stop of every process: callers first, each drained before the next is told. */
async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const { child } of [...children].reverse()) {
    if (alive(child)) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  process.exit(code);
}

/** A second signal while stopping: pass it on, and each child exits without draining. */
function forceAll(): void {
  process.stderr.write('second signal: stopping every process now\n');
  for (const { child } of children) if (alive(child)) child.kill('SIGTERM');
  setTimeout(() => {
    for (const { child } of children) if (alive(child)) child.kill('SIGKILL');
    process.exit(130);
  }, 2_000).unref();
}

/**
 * One Ctrl-C reaches this launcher twice: from the terminal (it signals the whole foreground
 * process group, npm and this process alike) and from npm, which passes it on to its child.
 * A repeat within this long of the first is that same request, not a second Ctrl-C asking to
 * skip the drain (which forced every process down before Consul had them deregistered).
 */
const SAME_SIGNAL_MS = 1_000;
let firstSignalAt = 0;
const onSignal = () => {
  if (!stopping) {
    firstSignalAt = Date.now();
    void stopAll(0);
  } else if (Date.now() - firstSignalAt > SAME_SIGNAL_MS) forceAll();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Children live in their own process groups, so nothing else stops them if this launcher dies.
process.on('exit', () => {
  for (const { child } of children) if (alive(child)) child.kill('SIGKILL');
});

/** The compiled processes (dist/js), rebuilt only when a source changed (scripts/compiled.mjs). */
function ensureBuilt(): void {
  if (isFresh()) return;
  process.stdout.write('sources changed: compiling the mesh into dist/js\n');
  const started = performance.now();
  build();
  process.stdout.write(`compiled in ${Math.round(performance.now() - started)} ms\n`);
}

// The embedded stores' template first, in a child process of its own: on a first start its
// initdb (seconds of CPU) then runs while this process checks the build and the services load
// their code, and each store waits for it rather than running its own initdb at the same time
// (platform/embedded-store.ts). A failure here is left to the stores: each tries again itself
// and reports why it cannot.
if (!process.env.DATABASE_URL) ensureTemplate(createLogger('mesh', 'warn')).catch(() => undefined);
ensureBuilt();
// The web front end is checked (and built when stale) while the services start.
const hasBff = existsSync(path.join(ROOT, 'bff', 'main.ts'));
const webReady = hasBff ? ensureWebBuilt() : undefined;
const discovery = await startDiscovery(
  ROOT,
  (agent) => children.push({ name: 'consul', child: agent }),
  PORT_OFFSET,
);
const discoveryEnv: NodeJS.ProcessEnv = discovery.consul
  ? { CONSUL_HTTP_ADDR: discovery.consul, SERVICE_HOST: '127.0.0.1' }
  : Object.fromEntries(
      Object.values(MESH).map((s) => [s.addrEnv, `127.0.0.1:${s.port + PORT_OFFSET}`]),
    );
/** Beside the embedded stores, so MESH_DATA_DIR moves it too (default ./data/tls). */
const TLS_DIR = path.join(DATA_ROOT, 'tls');
/** TLS_DIR as a person types it from here: relative when under the working directory. */
const TLS_SHOWN = ((rel) => (rel.startsWith('..') || path.isAbsolute(rel) ? TLS_DIR : rel))(
  path.relative(process.cwd(), TLS_DIR),
);
let humanCerts: ConsulCertificates | undefined;
/** How a human reaches a service with grpcurl: the mesh's client certificate, or plaintext. */
let GRPCURL_TLS = '-plaintext';
if (discovery.consul) {
  // Intentions before any service starts: exactly the calls the mesh makes, and the human
  // client to every service (a local development convenience; compose does not allow it).
  await writeIntentions(discovery.consul, [
    ...MESH_CALLS,
    ...ORDER.map((destination) => ({ source: HUMAN_IDENTITY, destination })),
  ]);
  const human = await writeGrpcurlCertificates(discovery.consul, TLS_DIR, TLS_SHOWN);
  humanCerts = human.certs;
  GRPCURL_TLS = human.flags;
}
/**
 * Pricing runs twice (MESH_PRICING_INSTANCES), so that a dead instance does not stop quoting:
 * the launcher restarts it while the other serves. Both must see every quote (one made by an
 * instance is confirmed by whichever booking reaches): on PostgreSQL (DATABASE_URL) they share
 * its database; on the embedded defaults a store process (platform/store-main.ts) owns
 * pricing's embedded store and serves it to both over a Unix socket.
 */
const PRICING_INSTANCES = Number(process.env.MESH_PRICING_INSTANCES ?? 2);
if (!Number.isInteger(PRICING_INSTANCES) || PRICING_INSTANCES < 1 || PRICING_INSTANCES > 9) {
  process.stderr.write('MESH_PRICING_INSTANCES: expected an integer from 1 to 9\n');
  process.exit(2);
}
/** Instance i (from 0) of a service listens on its port + 10·i. */
const instancePort = (name: ServiceName, i: number) => MESH[name].port + PORT_OFFSET + 10 * i;
const instances = (name: ServiceName) => (name === 'pricing' ? PRICING_INSTANCES : 1);
if (!discovery.consul)
  discoveryEnv.PRICING_ADDR = Array.from(
    { length: PRICING_INSTANCES },
    (_, i) => `127.0.0.1:${instancePort('pricing', i)}`,
  ).join(',');
const started: string[] = [];
// Each process serves /metrics on its own port (shifted like the others); METRICS_PORT=0 turns
// them all off.
const metricsOff = process.env.METRICS_PORT === '0';
const metricsPort = (port: number) => (metricsOff ? 0 : port + PORT_OFFSET);
const metricsEndpoints: string[] = [];
const bffPort = BFF_PORT + PORT_OFFSET;
// The OpenID Connect provider first: the BFF checks tokens against its keys (bff/config.ts).
const issuer = `http://127.0.0.1:${IDENTITY_PORT + PORT_OFFSET}`;
const bffOrigins = [`http://127.0.0.1:${bffPort}`, `http://localhost:${bffPort}`];
launch('identity', 'identity/main.ts', {
  PORT: String(IDENTITY_PORT + PORT_OFFSET),
  METRICS_PORT: String(metricsPort(IDENTITY_METRICS_PORT)),
  DATA_DIR: path.join(DATA_ROOT, 'identity'),
  WEB_REDIRECT_URIS: bffOrigins.map((o) => `${o}/auth/callback`).join(','),
  WEB_POST_LOGOUT_REDIRECT_URIS: bffOrigins.map((o) => `${o}/`).join(','),
});
const identityUp = waitHttp(`${issuer}/healthz`);
metricsEndpoints.push(`${metricsPort(IDENTITY_METRICS_PORT)} identity`);
// Every service at once, not one after another: none needs another to start (clients connect
// when first used, search retries its loading until schedule answers, booking's recovery is a
// periodic job), so the mesh is up when the slowest one is, not after the sum of them all.
const serving: Array<Promise<string>> = [];
/**
 * The store process of a service's instances on the embedded defaults, when it runs several:
 * its embedded store in the service's usual data directory, its socket beside it (a Unix socket
 * path is at most ~100 bytes: a long MESH_DATA_DIR puts it in the temporary directory).
 */
function sharedStore(name: ServiceName): NodeJS.ProcessEnv {
  if (process.env.DATABASE_URL || instances(name) < 2) return {};
  let socket = path.join(DATA_ROOT, `${name}-store.sock`);
  if (Buffer.byteLength(socket) > 100)
    socket = path.join(tmpdir(), `flight-mesh-${PORT_OFFSET}-${name}-store.sock`);
  launch(
    `${name}-store`,
    'platform/store-main.ts',
    {
      STORE_NAME: `${name}-store`,
      DATA_DIR: path.join(DATA_ROOT, name),
      EMBEDDED_STORE_SOCKET: socket,
    },
    { restart: true, telemetry: false },
  );
  return { EMBEDDED_STORE_SOCKET: socket };
}
for (const name of ORDER) {
  const entry = path.join('services', name, 'main.ts');
  if (!existsSync(path.join(ROOT, entry))) continue;
  const store = sharedStore(name);
  for (let i = 0; i < instances(name); i++) {
    const port = instancePort(name, i);
    // Instance i's metrics port is shifted by 10·i too.
    const metrics = metricsOff ? 0 : metricsPort(MESH[name].metricsPort) + 10 * i;
    launch(
      i ? `${name}-${i + 1}` : name,
      entry,
      {
        PORT: String(port),
        METRICS_PORT: String(metrics),
        DATA_DIR: path.join(DATA_ROOT, i ? `${name}-${i + 1}` : name),
        ...store,
        ...discoveryEnv,
      },
      // One of several instances: the others serve while it restarts.
      { restart: instances(name) > 1 },
    );
    metricsEndpoints.push(`${metrics} ${i ? `${name}-${i + 1}` : name}`);
    serving.push(
      waitServing(name, port, humanCerts && meshChannelCredentials(humanCerts, name)).then(
        () =>
          `  ${name.padEnd(9)} grpc://127.0.0.1:${port}   (grpcurl ${GRPCURL_TLS} 127.0.0.1:${port} list)`,
      ),
    );
  }
}
// The BFF too, as soon as its web front end is built: it calls the services only when asked,
// and checks tokens against the issuer's keys only when it sees a token. It is launched last,
// so it is stopped first.
const bffUp = webReady?.then(async (web) => {
  process.stdout.write(`web front end: ${web}\n`);
  launch('bff', 'bff/main.ts', {
    PORT: String(bffPort),
    METRICS_PORT: String(metricsPort(BFF_METRICS_PORT)),
    JWT_ISSUER: issuer,
    ...discoveryEnv,
  });
  metricsEndpoints.push(`${metricsPort(BFF_METRICS_PORT)} bff`);
  await waitHttp(`http://127.0.0.1:${bffPort}/healthz`);
});
await identityUp;
// dev-token finds the issuer and the ops secret by the same two variables npm start was given.
const devToken = [
  PORT_OFFSET ? `MESH_PORT_OFFSET=${PORT_OFFSET}` : '',
  // Quoted as a shell reads it back, when it holds more than a path's usual characters.
  process.env.MESH_DATA_DIR
    ? `MESH_DATA_DIR=${/^[\w@%+=:,./-]+$/.test(process.env.MESH_DATA_DIR) ? process.env.MESH_DATA_DIR : `'${process.env.MESH_DATA_DIR.replace(/'/g, `'\\''`)}'`}`
    : '',
  'npm run -s dev-token',
]
  .filter(Boolean)
  .join(' ');
started.push(`  identity  ${issuer}   (tokens: ${devToken} -- alice)`);
started.push(...(await Promise.all(serving)));
if (discovery.consul) {
  const consul = discovery.consul;
  await Promise.all(ORDER.map((name) => waitRegistered(consul, name)));
}
if (bffUp) {
  await bffUp;
  started.push(
    `  bff       http://127.0.0.1:${bffPort}/api/v1   (docs: http://127.0.0.1:${bffPort}/docs)`,
    `  web       http://127.0.0.1:${bffPort}/`,
  );
}
started.push(
  metricsOff
    ? '  metrics   off (METRICS_PORT=0)'
    : `  metrics   http://127.0.0.1:<port>/metrics on ${metricsEndpoints.join(', ')}`,
);
started.push(`  discovery ${discovery.note}`);
started.push(
  humanCerts
    ? `  security  mTLS between services, certificates from Consul's CA, intentions enforced; a grpcurl client certificate in ${TLS_SHOWN}/`
    : '  security  static mode: calls between services are PLAINTEXT (no mTLS without Consul)',
);
humanCerts?.close();
process.stdout.write(`\nflight mesh is up:\n${started.join('\n')}\n\nCtrl-C stops everything.\n\n`);
