/**
 * Issue 14 items 4, 5 and 8 at the HTTP edge. Item 4 twice: every string a route accepts (query,
 * path, headers, body — found by walking the zod schema of every route as registered, so a new
 * route is covered the day it is added) applies the shared text rule; and, through the real BFF
 * and mesh, the issue's example (a passenger named with U+0000) and its siblings are 400
 * problem+json naming the field. Then the airports list as people type it, paged.
 */
import Fastify, { type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { textProblem } from '../flights/fields.js';
import { createLogger } from '../platform/logger.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { expectProblem, send } from '../test/support/problem.js';
import { registerRoutes } from './routes/index.js';
import { registerSessions } from './session.js';
import { testDate } from '../test/support/dates.js';

type Schema = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

/**
 * Every field of `schema` that takes text, with its path: a string, or a pipe that starts from
 * one (a transform, a stricter rule after it). Objects and arrays, also at the start of a pipe,
 * are walked into; numbers, booleans and enums of fixed words take no free text.
 */
function stringLeaves(schema: Schema, path: string): { path: string; schema: Schema }[] {
  const def = schema._zod.def;
  const inner = (key: string) => stringLeaves(def[key] as Schema, path);
  switch (def.type) {
    case 'string':
      return [{ path, schema }];
    case 'object':
      return Object.entries(def.shape as Record<string, Schema>).flatMap(([k, v]) =>
        stringLeaves(v, path ? `${path}.${k}` : k),
      );
    case 'array':
      return stringLeaves(def.element as Schema, `${path}[0]`);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return inner('innerType');
    case 'pipe': {
      const start = (def.in as Schema)._zod.def.type;
      return start === 'object' || start === 'array' ? inner('in') : [{ path, schema }];
    }
    case 'union':
      return (def.options as Schema[]).flatMap((o) => stringLeaves(o, path));
    default:
      return [];
  }
}

describe('the text rule on every HTTP route', () => {
  it('applies to every string of every route’s query, path, headers and body', async () => {
    const routes: RouteOptions[] = [];
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onRoute', (route) => void routes.push(route));
    const config = { JWT_SECRET: 'x'.repeat(32) } as never;
    const deps = {
      config,
      clients: {} as never,
      authenticate: async () => ({ subject: 'nobody', roles: [] }) as never,
      log: createLogger('test', 'silent'),
    };
    await registerSessions(app, deps);
    registerRoutes(app, deps);
    await app.ready();

    const leaves = routes.flatMap((route) =>
      (['querystring', 'params', 'headers', 'body'] as const).flatMap((part) => {
        const schema = route.schema?.[part] as Schema | undefined;
        return schema
          ? stringLeaves(schema, '').map((l) => ({
              ...l,
              where: `${route.method} ${route.url} ${part} ${l.path}`,
            }))
          : [];
      }),
    );
    expect(leaves.map((l) => l.where)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/bookings body passengers[0].givenName',
        'GET /api/v1/airports querystring q',
        'GET /api/v1/bookings querystring pageToken',
      ]),
    );
    for (const leaf of leaves)
      for (const bad of ['a\u0000b', 'a\uD800b', 'a\u007Fb', 'a\uFFFDb']) {
        const result = leaf.schema.safeParse(bad);
        expect(result.success, leaf.where).toBe(false);
        expect(result.error?.issues[0]?.message, leaf.where).toBe(textProblem(bad));
      }
    await app.close();
  });
});

describe('text, paging and names through the real BFF and mesh', () => {
  let mesh: MeshFixture;
  let token: string;
  beforeAll(async () => {
    mesh = await startMesh();
    token = await mesh.bff.token('text-tester');
  });
  afterAll(() => mesh?.stop());

  const json = (
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    send(mesh.bff.url, method, path, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
  const passenger = {
    givenName: 'Ada',
    familyName: 'Lovelace',
    type: 'adult',
    dateOfBirth: '1985-12-10',
  };

  it('refuses a passenger named with U+0000 (the issue): 400 naming the field, not 500', async () => {
    const booking = (givenName: string) =>
      json(
        'POST',
        '/api/v1/bookings',
        {
          quoteId: '5f1a0c44-2f0a-4c55-9a8e-8d4d2a3b9c10',
          passengers: [{ ...passenger, givenName }],
          contactEmail: 'ada@example.com',
        },
        { 'idempotency-key': `text-${givenName.length}-${Math.random()}` },
      );
    for (const name of ['A\u0000da', 'Ada\uD800', 'A\u001Bda']) {
      const a = await booking(name);
      expectProblem(a, 400, 'invalid-request', 'passengers[0].givenName');
    }
    // A name of invisible or combining characters only is no name, and one that displays as
    // something other than what is stored (a direction override) is refused too.
    for (const [name, detail] of [
      ['\u200B', 'must contain a letter'],
      ['\u00AD', 'must contain a letter'],
      ['\u0301', 'must contain a letter'],
      // Letters that show nothing (Hangul fillers), and direction marks and overrides.
      ['\u3164', 'must contain a letter'],
      ['\uFFA0\u115F', 'must contain a letter'],
      ['\u2800', 'must contain a letter'],
      ...['A\u202Eda', 'Ada\u200F\u061C', 'A\u2066da'].map((n) => [
        n,
        'must not contain text-direction controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)',
      ]),
    ]) {
      const a = await booking(name!);
      expectProblem(a, 400, 'invalid-request', 'passengers[0].givenName');
      expect(a.problem.errors, name).toEqual([{ field: 'passengers[0].givenName', detail }]);
    }
    // The siblings: a search's airport, a cancellation's reason, a quote's flight id, a header.
    expectProblem(
      await send(
        mesh.bff.url,
        'GET',
        `/api/v1/search?origin=J%00K&destination=LHR&date=${testDate(2)}`,
      ),
      400,
      'invalid-request',
      'origin',
    );
    expectProblem(
      await json('POST', '/api/v1/bookings/ABCDEF/cancel', { reason: 'changed\u0000plans' }),
      400,
      'invalid-request',
      'reason',
    );
    expectProblem(
      await json('POST', '/api/v1/quotes', {
        flightIds: [`BA1\uDC00-${testDate(2)}`],
        passengers: { adults: 1 },
        cabin: 'economy',
      }),
      400,
      'invalid-request',
      'flightIds[0]',
    );
    expectProblem(
      await send(mesh.bff.url, 'GET', '/api/v1/airports?q=%E2%80%8Blon%01'),
      400,
      'invalid-request',
      'q',
    );
    // Still healthy, and a well-formed name with accents in NFD is fine.
    expect((await send(mesh.bff.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('finds São Paulo as people type it, and pages airports with tokens it checks', async () => {
    for (const q of ['São Paulo', 'sao paulo', 'Sa\u0303o Paulo', 'SÃO PAULO']) {
      const a = await send(mesh.bff.url, 'GET', `/api/v1/airports?q=${encodeURIComponent(q)}`);
      expect(a.status, q).toBe(200);
      expect(
        (a.problem as unknown as { airports: { code: string }[] }).airports.map((x) => x.code),
      ).toEqual(['GRU']);
    }
    const codes: string[] = [];
    let pageToken = '';
    do {
      const a = await send(
        mesh.bff.url,
        'GET',
        `/api/v1/airports?limit=9&pageToken=${encodeURIComponent(pageToken)}`,
      );
      const page = a.problem as unknown as {
        airports: { code: string }[];
        nextPageToken: string | null;
      };
      codes.push(...page.airports.map((x) => x.code));
      pageToken = page.nextPageToken ?? '';
    } while (pageToken);
    const all = await send(mesh.bff.url, 'GET', '/api/v1/airports?limit=100');
    expect(codes).toEqual(
      (all.problem as unknown as { airports: { code: string }[] }).airports.map((x) => x.code),
    );
    for (const bad of ['12', 'not-a-token', 'eyJyIjowLCJjIjoiWlpaIn0.AAAAAAAAAAAAAAAAAAAAAA'])
      expectProblem(
        await send(mesh.bff.url, 'GET', `/api/v1/airports?pageToken=${bad}`),
        400,
        'invalid-request',
        'pageToken',
      );
  });

  it('pages my bookings with tokens it checks: 400 naming pageToken, never 500', async () => {
    for (const bad of ['1', 'garbage', 'eyJ0IjoiMjAyNi0xMi0wMVQwMDowMDowMC4wMDBaIn0.AAAA'])
      expectProblem(
        await send(mesh.bff.url, 'GET', `/api/v1/bookings?pageSize=1&pageToken=${bad}`, {
          headers: { authorization: `Bearer ${token}` },
        }),
        400,
        'invalid-request',
        'pageToken',
      );
  });
});
