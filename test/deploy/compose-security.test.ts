/**
 * The cluster's security layout in docker-compose.yml: the identity service and how the BFF
 * checks its tokens, the edge and mesh networks, and what is published beyond the loopback.
 */
import { describe, expect, it } from 'vitest';
import { bffEnv } from '../../bff/config.js';
import { MESH } from '../../flights/mesh.js';
import { identityEnv } from '../../identity/config.js';
import { loadConfig } from '../../platform/config.js';
import { compose, dockerfile, published, services } from './compose-file.js';

describe('docker-compose.yml: identity, networks, published ports', () => {
  it('has the BFF check tokens of the identity service through its JWKS, with no shared secret', () => {
    const identity = services.identity!.environment as Record<string, string>;
    const idp = loadConfig(identityEnv, identity);
    const bff = services.bff!.environment as Record<string, string>;
    const checked = loadConfig(bffEnv, bff);
    expect(bff.JWT_SECRET).toBeUndefined();
    expect(checked.JWT_SECRET).toBeUndefined();
    // The issuer browsers know (published on the host's loopback), keys fetched inside.
    expect(checked.JWT_ISSUER).toBe(idp.ISSUER);
    expect(new URL(idp.ISSUER!).hostname).toBe('localhost');
    expect(published(services.identity!)).toEqual([
      {
        ip: '127.0.0.1',
        host: new URL(idp.ISSUER!).port,
        container: String(idp.PORT),
        protocol: 'tcp',
      },
    ]);
    // Discovery, the token exchange and the JWKS over the edge network, by service name.
    expect(checked.IDENTITY_INTERNAL_URL).toBe(`http://identity:${idp.PORT}`);
    expect(checked.JWT_JWKS_URL).toBeUndefined();
    expect(idp.HOST).toBe('0.0.0.0');
    // The web client comes back to the BFF through Envoy's public listener.
    const envoyHttp = published(services.envoy!).find((p) => p.container === '8080')!;
    for (const uri of idp.WEB_REDIRECT_URIS) expect(new URL(uri).port, uri).toBe(envoyHttp.host);
    // Keys persist in a volume under the image's node-owned data dir.
    expect(idp.DATA_DIR.startsWith('/app/data/')).toBe(true);
    expect(services.identity!.volumes).toContain('identity-data:/app/data');
    expect(dockerfile).toMatch(/^RUN mkdir -p \/app\/data && chown -R node:node \/app\/data$/m);
    const probe = services.identity!.healthcheck.test as string[];
    expect(probe).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs', 'http', String(idp.PORT)]);
  });

  it('splits the network: the edge (Envoy, BFF, identity) and the mesh (services, Consul, PostgreSQL, observability)', () => {
    expect(Object.keys(compose.networks).sort()).toEqual(['edge', 'mesh']);
    const on = (name: string) => [...((services[name]!.networks ?? []) as string[])].sort();
    expect(on('envoy')).toEqual(['edge', 'mesh']);
    expect(on('bff')).toEqual(['edge', 'mesh']);
    expect(on('identity')).toEqual(['edge']);
    for (const name of [
      ...Object.keys(MESH),
      'consul',
      'edge-identity',
      'postgres',
      'jaeger',
      'prometheus',
      'grafana',
    ])
      expect(on(name), name).toEqual(['mesh']);
    // Every service is placed deliberately: none falls back to the default network.
    for (const [name, s] of Object.entries(services)) expect(s.networks, name).toBeDefined();
  });

  it('publishes ports beyond the host’s loopback for Envoy’s listeners only', () => {
    for (const [name, s] of Object.entries(services))
      for (const p of published(s)) {
        const envoyListener = name === 'envoy' && p.container !== '9901';
        expect(p.ip, `${name} ${p.host}`).toBe(envoyListener ? '0.0.0.0' : '127.0.0.1');
      }
  });
});
