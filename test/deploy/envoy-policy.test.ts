/**
 * Who may call which RPC through Envoy's gRPC listener (envoy/envoy.yaml, `public_grpc`): the
 * header_mutation → jwt_authn → rbac chain, read from the config and evaluated for every method
 * of every service in the contracts (gen/descriptors.binpb). Envoy cannot run here; this models
 * exactly the matchers the config uses, and fails on any it does not model. A new RPC fails
 * until it has a policy in envoy.yaml and a line in EXPECTED below.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_RESOURCE } from '../../identity/config.js';
import { CUSTOMER_ID_HEADER } from '../../services/booking/customer.js';
import { ROOT } from '../support/processes.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Access = 'public' | 'customer' | 'operator';

/** The security model of issue 18, per RPC: what kind of caller it is for. */
const EXPECTED: Record<string, Access> = {
  'flights.v1.ScheduleService/ListAirports': 'public',
  'flights.v1.ScheduleService/GetAirport': 'public',
  'flights.v1.ScheduleService/GetFlight': 'public',
  'flights.v1.ScheduleService/ListFlights': 'public',
  'flights.v1.ScheduleService/ListFlightPages': 'public',
  'flights.v1.ScheduleService/GetAvailability': 'public',
  'flights.v1.ScheduleService/HoldSeats': 'operator',
  'flights.v1.ScheduleService/GetHold': 'operator',
  'flights.v1.ScheduleService/ConfirmHold': 'operator',
  'flights.v1.ScheduleService/ReleaseHold': 'operator',
  'flights.v1.ScheduleService/ReleaseSeats': 'operator',
  'flights.v1.ScheduleService/WatchSchedule': 'operator',
  'flights.v1.ScheduleService/WatchAvailability': 'operator',
  'flights.v1.ScheduleService/RetimeFlight': 'operator',
  'flights.v1.ScheduleService/CancelFlight': 'operator',
  'flights.v1.PricingService/PriceItineraries': 'public',
  'flights.v1.PricingService/CreateQuote': 'public',
  'flights.v1.PricingService/GetQuote': 'public',
  'flights.v1.PricingService/ConfirmQuote': 'operator',
  'flights.v1.SearchService/SearchItineraries': 'public',
  'flights.v1.BookingService/CreateBooking': 'customer',
  'flights.v1.BookingService/GetBooking': 'customer',
  'flights.v1.BookingService/ListBookings': 'customer',
  'flights.v1.BookingService/CancelBooking': 'customer',
};

/** Every RPC of the contracts, as "package.Service/Method". */
const rpcs = fromBinary(
  FileDescriptorSetSchema,
  readFileSync(path.join(ROOT, 'gen/descriptors.binpb')),
)
  .file.filter((f) => f.package.startsWith('flights.'))
  .flatMap((f) =>
    f.service.flatMap((s) => s.method.map((m) => `${f.package}.${s.name}/${m.name}`)),
  );

const envoy = parse(readFileSync(path.join(ROOT, 'envoy/envoy.yaml'), 'utf8')) as Json;
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as Json;
const grpcListener = (envoy.static_resources.listeners as Json[]).find(
  (l) => l.name === 'public_grpc',
)!;
const filters = grpcListener.filter_chains[0].filters[0].typed_config.http_filters as Json[];
const filter = (name: string) => filters.find((f) => f.name === name)?.typed_config as Json;
const jwtAuthn = filter('envoy.filters.http.jwt_authn');
const rbac = filter('envoy.filters.http.rbac');

/** A caller: no token, or a token that verified, with these roles. */
interface Caller {
  token?: { sub: string; roles: string[] };
  headers?: Record<string, string>;
}
const anonymous: Caller = {};
const alice: Caller = { token: { sub: 'alice', roles: ['customer'] } };
const olive: Caller = { token: { sub: 'olive', roles: ['operator'] } };

function stringMatch(m: Json, value: string): boolean {
  const kinds = Object.keys(m);
  expect(kinds.length, JSON.stringify(m)).toBe(1);
  if ('exact' in m) return value === m.exact;
  if ('prefix' in m) return value.startsWith(m.prefix);
  throw new Error(`string matcher not modelled: ${JSON.stringify(m)}`);
}

function permissionMatches(p: Json, urlPath: string): boolean {
  if (p.any === true) return true;
  if (p.url_path) return stringMatch(p.url_path.path, urlPath);
  throw new Error(`permission not modelled: ${JSON.stringify(p)}`);
}

/** Dynamic metadata jwt_authn leaves for a verified token (payload_in_metadata). */
function jwtMetadata(caller: Caller): Json {
  const provider = jwtAuthn.providers.identity;
  return caller.token ? { [provider.payload_in_metadata]: caller.token } : {};
}

function principalMatches(p: Json, caller: Caller): boolean {
  if (p.any === true) return true;
  if (p.metadata) {
    const m = p.metadata;
    expect(m.filter).toBe('envoy.filters.http.jwt_authn');
    let value: unknown = jwtMetadata(caller);
    for (const { key } of m.path as { key: string }[]) value = (value as Json | undefined)?.[key];
    const one = m.value.list_match?.one_of;
    if (!one) throw new Error(`metadata value matcher not modelled: ${JSON.stringify(m.value)}`);
    return Array.isArray(value) && value.some((v) => stringMatch(one.string_match, String(v)));
  }
  throw new Error(`principal not modelled: ${JSON.stringify(p)}`);
}

/** The policies (by name) that let this caller call this path. */
function allowingPolicies(urlPath: string, caller: Caller): string[] {
  expect(rbac.rules.action).toBe('ALLOW');
  return Object.entries(rbac.rules.policies as Record<string, Json>)
    .filter(
      ([, policy]) =>
        (policy.permissions as Json[]).some((p) => permissionMatches(p, urlPath)) &&
        (policy.principals as Json[]).some((p) => principalMatches(p, caller)),
    )
    .map(([name]) => name);
}

/** The request headers a service sees for a caller, after header_mutation and jwt_authn. */
function upstreamHeaders(caller: Caller): Record<string, string> {
  const headers = { ...caller.headers };
  for (const m of filter('envoy.filters.http.header_mutation').mutations.request_mutations)
    delete headers[m.remove];
  if (caller.token)
    for (const { header_name, claim_name } of jwtAuthn.providers.identity.claim_to_headers)
      headers[header_name] = (caller.token as unknown as Record<string, string>)[claim_name]!;
  return headers;
}

describe('envoy/envoy.yaml gRPC listener: the policy of every RPC in the contracts', () => {
  it('knows every RPC of the contracts, and nothing else', () => {
    expect(rpcs.length).toBeGreaterThanOrEqual(22);
    const missing = rpcs.filter((r) => !(r in EXPECTED));
    expect(missing, 'add a policy in envoy/envoy.yaml and a line in EXPECTED').toEqual([]);
    expect(Object.keys(EXPECTED).filter((r) => !rpcs.includes(r))).toEqual([]);
  });

  it('names each RPC exactly once, in the policy its kind of caller needs', () => {
    for (const rpc of rpcs) {
      const naming = Object.entries(rbac.rules.policies as Record<string, Json>).filter(
        ([, policy]) =>
          (policy.permissions as Json[]).some((p) => p.url_path?.path?.exact === `/${rpc}`),
      );
      expect(
        naming.map(([name]) => name),
        rpc,
      ).toEqual([EXPECTED[rpc]]);
    }
  });

  it.each(rpcs)('%s: open, customer-only or operator-only as the model says', (rpc) => {
    const urlPath = `/${rpc}`;
    const allowed = (c: Caller) => allowingPolicies(urlPath, c).length > 0;
    switch (EXPECTED[rpc]) {
      case 'public':
        expect([allowed(anonymous), allowed(alice), allowed(olive)]).toEqual([true, true, true]);
        break;
      case 'customer':
        expect([allowed(anonymous), allowed(alice), allowed(olive)]).toEqual([false, true, false]);
        // The customer the service sees is the token's subject, whatever the client sent.
        expect(
          upstreamHeaders({ ...alice, headers: { [CUSTOMER_ID_HEADER]: 'bob' } })[
            CUSTOMER_ID_HEADER
          ],
        ).toBe('alice');
        break;
      case 'operator':
        expect([allowed(anonymous), allowed(alice), allowed(olive)]).toEqual([false, false, true]);
        break;
      default:
        throw new Error(`no policy for ${rpc}`);
    }
    // A token with no roles at all opens nothing that is not public.
    const nobody = { token: { sub: 'nobody', roles: [] } };
    expect(allowed(nobody)).toBe(EXPECTED[rpc] === 'public');
  });

  it('keeps a client-sent customer id away from the services when there is no token', () => {
    expect(upstreamHeaders({ headers: { [CUSTOMER_ID_HEADER]: 'bob' } })).toEqual({});
  });

  it('leaves reflection and health open, and denies what no policy names', () => {
    for (const p of [
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
      '/grpc.health.v1.Health/Check',
    ])
      expect(allowingPolicies(p, anonymous), p).toEqual(['public']);
    for (const c of [anonymous, alice, olive])
      expect(allowingPolicies('/flights.v1.BookingService/NewMethod', c)).toEqual([]);
  });
});

describe('envoy/envoy.yaml gRPC listener: the filter chain', () => {
  it('strips the customer header, then authenticates, then authorises, then routes', () => {
    expect(filters.map((f) => f.name)).toEqual([
      'envoy.filters.http.header_mutation',
      'envoy.filters.http.jwt_authn',
      'envoy.filters.http.rbac',
      'envoy.filters.http.router',
    ]);
    expect(filter('envoy.filters.http.header_mutation').mutations.request_mutations).toEqual([
      { remove: CUSTOMER_ID_HEADER },
    ]);
  });

  it('checks tokens of the identity service: its issuer, the API audience, its JWKS', () => {
    const provider = jwtAuthn.providers.identity;
    const identity = compose.services.identity;
    expect(provider.issuer).toBe(identity.environment.ISSUER);
    expect(provider.audiences).toEqual([API_RESOURCE]);
    const jwks = new URL(provider.remote_jwks.http_uri.uri);
    expect(jwks.pathname).toBe('/jwks');
    const cluster = (envoy.static_resources.clusters as Json[]).find(
      (c) => c.name === provider.remote_jwks.http_uri.cluster,
    )!;
    const ep = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(`${ep.address}:${ep.port_value}`).toBe(jwks.host);
    expect(ep.address).toBe('identity');
    expect(String(ep.port_value)).toBe(identity.environment.PORT);
    // The subject goes upstream as the customer header; the token itself does not.
    expect(provider.claim_to_headers).toEqual([
      { header_name: CUSTOMER_ID_HEADER, claim_name: 'sub' },
    ]);
    expect(provider.forward).toBe(false);
    // Any token sent must verify; a missing one is left to rbac.
    expect(jwtAuthn.rules).toEqual([
      {
        match: { prefix: '/' },
        requires: {
          requires_any: {
            requirements: [{ provider_name: 'identity' }, { allow_missing: {} }],
          },
        },
      },
    ]);
  });
});
