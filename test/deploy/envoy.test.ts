import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildBff } from '../../bff/app.js';
import { BFF_PROCESS, connectThrough, createBffClients } from '../../bff/clients.js';
import { openRuntime } from '../../platform/runtime.js';
import { BFF_PORT, MESH } from '../../flights/mesh.js';
import { ROOT } from '../support/processes.js';
import { ProtoJsonChecker } from './proto-json.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const checker = new ProtoJsonChecker(['envoy/config/bootstrap/v3/bootstrap.proto']);
const config = parse(readFileSync(path.join(ROOT, 'envoy/envoy.yaml'), 'utf8')) as Json;

const problems = (value: unknown) => checker.check(BOOTSTRAP, value);
const listener = (c: Json, name: string) =>
  (c.static_resources.listeners as Json[]).find((l) => l.name === name)!;
const hcm = (l: Json) => l.filter_chains[0].filters[0].typed_config as Json;
const routesOf = (l: Json) => hcm(l).route_config.virtual_hosts[0].routes as Json[];
const clusters = () =>
  new Map((config.static_resources.clusters as Json[]).map((cl) => [cl.name as string, cl]));
const seconds = (d: string) => parseFloat(d);

/** Every `@type` anywhere in a config. */
function typeUrls(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => typeUrls(n, found));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '@type') found.add(v as string);
      else typeUrls(v, found);
    }
  return found;
}

/** Which route Envoy picks for a request: the first whose path match and header matchers hold. */
function routeFor(routes: Json[], method: string, urlPath: string): Json | undefined {
  return routes.find(({ match }) => {
    const pathOk =
      match.path !== undefined
        ? urlPath === match.path
        : match.path_separated_prefix !== undefined
          ? urlPath === match.path_separated_prefix ||
            urlPath.startsWith(`${match.path_separated_prefix}/`)
          : urlPath.startsWith(match.prefix);
    const headersOk = ((match.headers ?? []) as Json[]).every((h) => {
      expect(h.name, 'only :method matchers are modelled here').toBe(':method');
      return (method === h.string_match.exact) !== Boolean(h.invert_match);
    });
    return pathOk && headersOk;
  });
}

describe('envoy/envoy.yaml against Envoy’s API', () => {
  it('is a valid Bootstrap: every field, enum, duration, typed extension and validation rule', () => {
    expect(problems(config)).toEqual([]);
  });

  it('names only typed extensions that exist in Envoy’s API', () => {
    const types = [...typeUrls(config)].map((u) => u.replace('type.googleapis.com/', ''));
    for (const t of types) expect(checker.lookup(t), t).toBeDefined();
    expect(types).toEqual(
      expect.arrayContaining([
        'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
        'envoy.extensions.filters.http.buffer.v3.Buffer',
        'envoy.extensions.filters.http.router.v3.Router',
        'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      ]),
    );
  });

  it('hangs together: clusters exist, per-route filter configs name configured filters, router last', () => {
    const names = (config.static_resources.clusters as Json[]).map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const l of config.static_resources.listeners as Json[]) {
      const filters = (hcm(l).http_filters as Json[]).map((f) => f.name);
      expect(filters.at(-1), l.name).toBe('envoy.filters.http.router');
      for (const r of routesOf(l)) {
        expect(names, `${l.name} ${JSON.stringify(r.match)}`).toContain(r.route.cluster);
        for (const key of Object.keys(r.typed_per_filter_config ?? {}))
          expect(filters, `${l.name} ${r.name}`).toContain(key);
      }
    }
    // Envoy refuses a local rate limit bucket refilled more often than every 50 ms.
    const buckets = JSON.stringify(config).match(/"fill_interval":"[^"]+"/g) ?? [];
    for (const b of buckets)
      expect(seconds(b.split(':')[1]!.slice(1)), b).toBeGreaterThanOrEqual(0.05);
    const ports = (config.static_resources.listeners as Json[]).map(
      (l) => l.address.socket_address.port_value,
    );
    expect([...ports, config.admin.address.socket_address.port_value]).toEqual([8080, 8081, 9901]);
  });

  describe('the validator refuses what Envoy would refuse', () => {
    const broken = (edit: (c: Json) => void) => {
      const c = structuredClone(config);
      edit(c);
      return problems(c).join('\n');
    };
    const bff = (c: Json) => c.static_resources.clusters[0];
    const httpFilters = (c: Json) => hcm(listener(c, 'public_http')).http_filters as Json[];

    it('an unknown field, also inside a typed extension', () => {
      expect(broken((c) => (bff(c).conect_timeout = '1s'))).toMatch(
        /clusters\[0\]\.conect_timeout: no such field in envoy\.config\.cluster\.v3\.Cluster/,
      );
      expect(broken((c) => (httpFilters(c)[1]!.typed_config.max_request_byte = 1))).toMatch(
        /max_request_byte: no such field in envoy\.extensions\.filters\.http\.buffer\.v3\.Buffer/,
      );
    });

    it('a wrong enum value', () => {
      expect(broken((c) => (bff(c).lb_policy = 'ROUND_ROBBIN'))).toMatch(
        /"ROUND_ROBBIN" is not a value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/,
      );
      expect(broken((c) => (hcm(listener(c, 'public_grpc')).codec_type = 'HTTP4'))).toMatch(
        /"HTTP4" is not a value/,
      );
    });

    it('a bad duration', () => {
      for (const bad of ['1 second', '1m', '-1s', '500ms', 1, '1.s'])
        expect(
          broken((c) => (bff(c).connect_timeout = bad)),
          String(bad),
        ).toMatch(/is not a duration like "1.5s"/);
      expect(broken((c) => (bff(c).connect_timeout = '0.25s'))).toBe('');
    });

    it('an unknown @type, and a known one with fields of another type', () => {
      expect(
        broken(
          (c) => (httpFilters(c)[2]!.typed_config['@type'] = 'type.googleapis.com/envoy.Nope'),
        ),
      ).toMatch(/unknown @type envoy\.Nope/);
      expect(
        broken(
          (c) =>
            (httpFilters(c)[2]!.typed_config['@type'] =
              'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer'),
        ),
      ).toMatch(/max_request_bytes: required/);
    });

    it('what the fields’ validation rules forbid: ranges, required fields, required oneofs', () => {
      expect(
        broken(
          (c) =>
            (routesOf(listener(c, 'public_http'))[0]!.typed_per_filter_config[
              'envoy.filters.http.local_ratelimit'
            ].token_bucket.max_tokens = 0),
        ),
      ).toMatch(/max_tokens: 0 is out of range \(> 0\)/);
      expect(broken((c) => delete bff(c).name)).toMatch(
        /clusters\[0\]\.name: "" is shorter than 1/,
      );
      expect(broken((c) => delete hcm(listener(c, 'public_grpc')).stat_prefix)).toMatch(
        /stat_prefix: "" is shorter than 1/,
      );
      expect(broken((c) => delete routesOf(listener(c, 'public_http'))[0]!.route.cluster)).toMatch(
        /one of cluster, cluster_header, .* is required/,
      );
      expect(
        broken(
          (c) =>
            (hcm(listener(c, 'public_http')).route_config.request_headers_to_add[0].header.key =
              'x-forwarded-for\r\nx-evil'),
        ),
      ).toMatch(/is no valid HTTP_HEADER_NAME/);
      expect(broken((c) => (bff(c).health_checks[0].interval = '0s'))).toMatch(
        /interval: 0s is out of range \(> 0\)/,
      );
      expect(
        broken(
          (c) => (bff(c).circuit_breakers.thresholds[0].retry_budget.budget_percent.value = 120),
        ),
      ).toMatch(/value: 120 is out of range/);
    });

    it('two members of one oneof, a wrong type, a deprecated field', () => {
      expect(
        broken(
          (c) => (routesOf(listener(c, 'public_http'))[0]!.route.cluster_header = 'x-cluster'),
        ),
      ).toMatch(/cluster and cluster_header are both set/);
      expect(broken((c) => (httpFilters(c)[1]!.typed_config.max_request_bytes = 'lots'))).toMatch(
        /max_request_bytes: expected/,
      );
      expect(broken((c) => (bff(c).http2_protocol_options = {}))).toMatch(
        /http2_protocol_options: deprecated field/,
      );
    });
  });
});

describe('envoy/envoy.yaml against the BFF', () => {
  const { runtime, close } = openRuntime(BFF_PROCESS, { LOG_LEVEL: 'silent' });
  const budgets = runtime.config;
  let bffRoutes: { method: string; path: string }[];

  beforeAll(async () => {
    // The BFF's real route table (the same app `bff/main.ts` serves), from its OpenAPI document.
    const clients = createBffClients(connectThrough(runtime.client));
    const app = await buildBff({
      clients,
      config: budgets,
      log: runtime.log,
      authenticate: async () => ({ subject: 'nobody', roles: [] }),
    });
    await app.ready();
    const spec = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    bffRoutes = Object.entries(spec.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((m) => ({
        method: m.toUpperCase(),
        path: p.replace(/\{[^}]+\}/g, 'X1Y2Z3'),
      })),
    );
    await app.close();
    await close();
  });

  /** The deadline budget the BFF gives a route (bff/routes/); Envoy must wait longer. */
  const budgetMs = (method: string, p: string) =>
    p.startsWith('/api/v1/search/stream')
      ? budgets.STREAM_TIMEOUT_MS
      : p.startsWith('/api/v1/search')
        ? budgets.SEARCH_TIMEOUT_MS
        : method !== 'GET' && p.startsWith('/api/v1/bookings')
          ? budgets.BOOKING_TIMEOUT_MS
          : budgets.READ_TIMEOUT_MS;

  it('gives every BFF route a route with an explicit timeout above the BFF’s own budget', () => {
    const routes = routesOf(listener(config, 'public_http'));
    expect(bffRoutes.length).toBeGreaterThanOrEqual(9);
    for (const { method, path: p } of bffRoutes) {
      const r = routeFor(routes, method, p);
      const what = `${method} ${p} → ${r?.name}`;
      expect(r, what).toBeDefined();
      expect(r!.route.cluster).toBe('bff');
      expect(r!.route.timeout, what).toBeDefined();
      if (p === '/api/v1/search/stream') {
        // SSE: no overall timeout (the BFF ends the stream), an idle timeout instead.
        expect(r!.route.timeout, what).toBe('0s');
        expect(seconds(r!.route.idle_timeout) * 1000, what).toBeGreaterThan(budgetMs(method, p));
      } else {
        expect(seconds(r!.route.timeout) * 1000, what).toBeGreaterThan(budgetMs(method, p));
      }
    }
    // No route is dead: each is what some BFF route reaches (the catch-all serves /healthz).
    const used = new Set(bffRoutes.map(({ method, path: p }) => routeFor(routes, method, p)!.name));
    expect([...used].sort()).toEqual(routes.map((r) => r.name).sort());
  });

  it('retries GETs only, within a retry budget', () => {
    const routes = routesOf(listener(config, 'public_http'));
    for (const { method, path: p } of bffRoutes) {
      const r = routeFor(routes, method, p)!;
      const what = `${method} ${p} → ${r.name}`;
      if (method !== 'GET' || p === '/api/v1/search/stream')
        expect(r.route.retry_policy, what).toBeUndefined();
      else if (p.startsWith('/api/'))
        expect(r.route.retry_policy?.num_retries, what).toBeGreaterThan(0);
    }
    const budget = clusters().get('bff')!.circuit_breakers.thresholds[0].retry_budget;
    expect(budget.budget_percent.value).toBeGreaterThan(0);
  });

  it('rate-limits every API route, search more loosely than quotes, quotes than bookings', () => {
    const routes = routesOf(listener(config, 'public_http'));
    const bucket = (method: string, p: string) =>
      routeFor(routes, method, p)!.typed_per_filter_config?.['envoy.filters.http.local_ratelimit']
        ?.token_bucket as Json | undefined;
    for (const { method, path: p } of bffRoutes.filter((r) => r.path.startsWith('/api/')))
      expect(bucket(method, p), `${method} ${p}`).toBeDefined();
    const rate = (b: Json) => b.tokens_per_fill / seconds(b.fill_interval);
    const search = bucket('GET', '/api/v1/search')!;
    const quotes = bucket('POST', '/api/v1/quotes')!;
    const bookings = bucket('POST', '/api/v1/bookings')!;
    expect(rate(search)).toBeGreaterThan(rate(quotes));
    expect(rate(quotes)).toBeGreaterThan(rate(bookings));
    expect(search.max_tokens).toBeGreaterThan(bookings.max_tokens);
  });

  it('reaches the BFF on its port, health-checked on /healthz', () => {
    const bff = clusters().get('bff')!;
    const ep = bff.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(ep.port_value).toBe(BFF_PORT);
    expect(bff.health_checks[0].http_health_check.path).toBe('/healthz');
  });
});

describe('envoy/envoy.yaml gRPC listener', () => {
  const routes = routesOf(listener(config, 'public_grpc'));

  it('sends each service of the mesh to its own HTTP/2, gRPC-health-checked cluster', () => {
    for (const [name, { fullName, port }] of Object.entries(MESH)) {
      const r = routeFor(routes, 'POST', `/${fullName}/AnyMethod`)!;
      expect(r.route.cluster, fullName).toBe(name);
      const cluster = clusters().get(name)!;
      expect(
        cluster.typed_extension_protocol_options[
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
        ].explicit_http_config,
      ).toHaveProperty('http2_protocol_options');
      expect(cluster.health_checks[0]).toHaveProperty('grpc_health_check');
      const ep = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address;
      expect(ep.socket_address.port_value).toBe(port);
      // The caller's grpc-timeout header is honoured (capped), streams are not cut at 15 s.
      expect(r.route.timeout).toBe('0s');
      expect(r.route.max_stream_duration.grpc_timeout_header_max).toBeDefined();
    }
  });

  it('passes reflection (v1 and v1alpha) and health through, so grpcurl works without protos', () => {
    for (const p of [
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
      '/grpc.health.v1.Health/Check',
    ])
      expect(routeFor(routes, 'POST', p)?.route.cluster, p).toBe('schedule');
    expect(routeFor(routes, 'POST', '/flights.v2.Nope/Call')).toBeUndefined();
  });
});
