import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/processes.js';
import { checkMessage, loadEnvoyProtos } from './proto-json.js';

const root = loadEnvoyProtos([
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/buffer/v3/buffer.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
]);
const bootstrap = root.lookupType('envoy.config.bootstrap.v3.Bootstrap');
const config = parse(readFileSync(path.join(ROOT, 'envoy/envoy.yaml'), 'utf8')) as Record<
  string,
  unknown
>;

function problems(value: unknown): string[] {
  const errors: string[] = [];
  checkMessage(root, bootstrap, value, 'bootstrap', errors);
  return errors;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('envoy/envoy.yaml', () => {
  it('is a valid Bootstrap, every typed extension included', () => {
    expect(problems(config)).toEqual([]);
  });

  it('routes the public listener to the BFF with explicit timeouts, GET-only retries and rate limits', () => {
    const c = structuredClone(config) as Json;
    const [http, grpc] = c.static_resources.listeners;
    expect(http.address.socket_address.port_value).toBe(8080);
    expect(grpc.address.socket_address.port_value).toBe(8081);
    expect(c.admin.address.socket_address.port_value).toBe(9901);
    const routes = http.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0]
      .routes as Json[];
    for (const r of routes) expect(r.route.timeout, JSON.stringify(r.match)).toBeDefined();
    const sse = routes.find((r) => r.match.prefix === '/api/v1/search/stream')!;
    expect(sse.route.timeout).toBe('0s');
    for (const r of routes.filter((x) => x.route.retry_policy))
      expect(r.match.headers[0].string_match.exact, r.match.prefix).toBe('GET');
    const limit = (prefix: string) =>
      routes.find((r) => r.match.prefix === prefix)!.typed_per_filter_config[
        'envoy.filters.http.local_ratelimit'
      ].token_bucket.max_tokens;
    expect(limit('/api/v1/search')).toBeGreaterThan(limit('/api/v1/bookings'));
  });

  it('sends each gRPC service to its own HTTP/2 cluster', () => {
    const c = config as Json;
    const routes = c.static_resources.listeners[1].filter_chains[0].filters[0].typed_config
      .route_config.virtual_hosts[0].routes as Json[];
    const clusters = new Map((c.static_resources.clusters as Json[]).map((cl) => [cl.name, cl]));
    for (const service of ['Schedule', 'Pricing', 'Search', 'Booking']) {
      const route = routes.find((r) => r.match.prefix === `/flights.v1.${service}Service/`)!;
      const cluster = clusters.get(route.route.cluster)!;
      expect(
        cluster.typed_extension_protocol_options[
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
        ].explicit_http_config,
      ).toHaveProperty('http2_protocol_options');
    }
  });

  it('rejects an unknown field, a wrong enum value, a bad duration and an unknown @type', () => {
    const broken = (edit: (c: Json) => void) => {
      const c = structuredClone(config) as Json;
      edit(c);
      return problems(c).join('\n');
    };
    expect(broken((c) => (c.static_resources.clusters[0].conect_timeout = '1s'))).toMatch(
      /conect_timeout: no such field/,
    );
    expect(broken((c) => (c.static_resources.clusters[0].lb_policy = 'ROUND_ROBBIN'))).toMatch(
      /ROUND_ROBBIN" is not a value/,
    );
    expect(broken((c) => (c.static_resources.clusters[0].connect_timeout = '1 second'))).toMatch(
      /is not a duration/,
    );
    expect(
      broken(
        (c) =>
          (c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config['@type'] =
            'type.googleapis.com/envoy.Nope'),
      ),
    ).toMatch(/unknown @type envoy.Nope/);
    expect(
      broken(
        (c) =>
          (c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.max_request_bytes =
            'lots'),
      ),
    ).toMatch(/max_request_bytes: expected/);
  });
});
