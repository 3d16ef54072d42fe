/**
 * Requests no route answers, over real HTTP against the real BFF in front of the real services:
 * 405 with Allow for a path that has routes for other methods, 404 for a path none has, decided
 * from the request's head (checked first, as on every route) before any body is read; and
 * request targets and expectations HTTP/1.1 allows (absolute-form, `Expect`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from './auth.js';
import { rawHttp } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { expectProblem, send as sendTo } from '../test/support/problem.js';

let mesh: MeshFixture;
let bearer: string;

beforeAll(async () => {
  mesh = await startMesh();
  bearer = `Bearer ${await signDevToken('routes-tester', mesh.bff.config, '1h', ['customer', 'operator'])}`;
});

afterAll(async () => {
  await mesh?.stop();
});

const send = (method: string, path: string, init: RequestInit = {}) =>
  sendTo(mesh.bff.url, method, path, init);

/** Sends `request` as it is; expects `status`, and the connection closed after it (body unread). */
async function expectClosedAnswer(request: string, status: number) {
  const answer = await rawHttp(mesh.bff.url, request);
  expect(answer.status, request).toBe(status);
  expect(answer.headers.connection, request).toBe('close');
}

describe('methods a route does not take', () => {
  it('answers 405 with Allow for a path that has routes for other methods, 404 for no path', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/api/v1/bookings/ABCDEF', 'GET, HEAD'],
      ['PUT', '/api/v1/quotes', 'POST'],
      ['POST', '/api/v1/search', 'GET, HEAD'],
      ['GET', '/api/v1/bookings/ABCDEF/cancel', 'POST'],
    ] as const) {
      const a = await send(method, path, { headers: { authorization: bearer } });
      expectProblem(a, 405, 'method-not-allowed');
      expect(a.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    expectProblem(await send('GET', '/api/v1/nowhere'), 404, 'not-found');
    // Outside the API too: the probes, the contract, the pages (they were 404).
    for (const [method, path, allow] of [
      ['POST', '/healthz', 'GET, HEAD'],
      ['PUT', '/openapi.json', 'GET, HEAD'],
      ['POST', '/', 'GET, HEAD'],
      ['DELETE', '/bookings', 'GET, HEAD'],
    ] as const) {
      const a = await send(method, path);
      expectProblem(a, 405, 'method-not-allowed');
      expect(a.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    // A catch-all offers nothing for a path it does not have.
    expectProblem(await send('POST', '/assets/nothing.js'), 404, 'not-found');
    // CONNECT (a tunnel) is Node's to hand over: it closed the connection without an answer.
    const connect = await rawHttp(
      mesh.bff.url,
      'CONNECT x.example:443 HTTP/1.1\r\nhost: x.example:443\r\n\r\n',
    );
    expect(connect.status).toBe(501);
    expect(connect.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(connect.body).errors).toEqual([
      { field: '(method)', detail: 'CONNECT is not served' },
    ]);
    // A plugin's own refusal is typed by its status: the asset server's 403 for a path out of
    // its folder was `invalid-request`, "Invalid request".
    const escaped = await rawHttp(
      mesh.bff.url,
      'GET /assets/../package.json HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(escaped.status).toBe(403);
    expect(JSON.parse(escaped.body)).toMatchObject({
      type: 'https://flight-mesh.dev/problems/forbidden',
      title: 'Forbidden',
    });
    // What Node's parser refuses has the title of its problem type, as everywhere else, and a
    // request id (it had none, and no log line).
    const garbage = await rawHttp(mesh.bff.url, 'GARBAGE\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body).title).toBe('Invalid request');
    expect(garbage.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(connect.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A trailing slash is another path, which no route has (never "answers GET, not GET").
    expectProblem(await send('GET', '/api/v1/search/'), 404, 'not-found');
    expectProblem(await send('GET', '/api/v1/airports/'), 404, 'not-found');
    // …nor an empty id: a collection's POST with a slash is not told to use GET.
    expectProblem(await send('POST', '/api/v1/quotes/'), 404, 'not-found');
    expectProblem(await send('POST', '/api/v1/bookings/'), 404, 'not-found');
    // A route with an empty id names no resource: 404, not "id: is required".
    for (const [method, path] of [
      ['GET', '/api/v1/quotes/'],
      ['GET', '/api/v1/bookings/'],
      ['POST', '/api/v1/bookings//cancel'],
      ['GET', '/api/v1/flights/'],
      ['POST', '/api/v1/flights//retime'],
    ] as const)
      expectProblem(
        await send(method, path, { headers: { authorization: bearer } }),
        404,
        'not-found',
      );
    expectProblem(await send('DELETE', '/api/v1/nowhere/at/all'), 404, 'not-found');
  });

  it('answers a missing route 404 or 405 whatever body it carries (not 400 or 415 for the body)', async () => {
    for (const [type, body] of [
      ['application/json', '{"broken'],
      ['application/json', '{"a": 1, "a": 2}'],
      ['text/plain', 'hello'],
      ['application/json; charset=latin1', '{}'],
    ] as const) {
      const headers = { authorization: bearer, 'content-type': type };
      expectProblem(await send('POST', '/api/v1/nowhere', { headers, body }), 404, 'not-found');
      const a = await send('PUT', '/api/v1/quotes', { headers, body });
      expectProblem(a, 405, 'method-not-allowed');
      expect(a.headers.get('allow'), type).toBe('POST');
    }
    // A body announced but never sent is not waited for (nor one sent, however large): the
    // connection closes after the answer (rawHttp resolves only when it does).
    await expectClosedAnswer(
      'POST /api/v1/nowhere HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 314572800\r\n\r\n{',
      404,
    );
    // So does every answer given before the body is read, on any route: a check of the head, an
    // empty path parameter, a malformed path, an over-long path parameter.
    const announced = 'content-type: application/json\r\ncontent-length: 104857600\r\n\r\n{';
    for (const [head, status] of [
      ['POST /api/v1/quotes?a=%zz HTTP/1.1\r\nhost: x\r\n', 400],
      ['POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nauthorization: a\r\nauthorization: b\r\n', 400],
      [`POST /api/v1/bookings//cancel HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer}\r\n`, 404],
      ['POST /api/v1/bookings/%zz/cancel HTTP/1.1\r\nhost: x\r\n', 400],
      [`POST /api/v1/bookings/${'A'.repeat(3000)}/cancel HTTP/1.1\r\nhost: x\r\n`, 414],
    ] as const) {
      await expectClosedAnswer(head + announced, status);
    }
    // A GET's body is read by nobody: the answer closes the connection too (Node read 100 MiB).
    await expectClosedAnswer('GET /healthz HTTP/1.1\r\nhost: x\r\n' + announced, 200);
    // A request with no body keeps its connection.
    const kept = await rawHttp(
      mesh.bff.url,
      'GET /api/v1/nowhere HTTP/1.1\r\nhost: x\r\n\r\nGET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(kept.status).toBe(404);
    expect(kept.body).toContain('HTTP/1.1 200 OK');
    // The request's head is still judged first, as on every route.
    for (const [request, field] of [
      ['GET /api/v1/nowhere HTTP/1.1\r\nconnection: close\r\n\r\n', 'host'],
      [
        'GET /api/v1/nowhere HTTP/1.1\r\nhost: x\r\nauthorization: a\r\nauthorization: b\r\nconnection: close\r\n\r\n',
        'authorization',
      ],
      ['GET /api/v1/nowhere?a=%zz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', 'a'],
      ['GET /api/v1/nowhere HTTP/1.1\r\nhost: x\r\nhost: y\r\nconnection: close\r\n\r\n', 'host'],
    ] as const) {
      const raw = await rawHttp(mesh.bff.url, request);
      expect(raw.status, request).toBe(400);
      expect(JSON.parse(raw.body).errors[0].field, request).toBe(field);
    }
    // A route that exists still reads its body first.
    const headers = { authorization: bearer, 'content-type': 'application/json' };
    expectProblem(
      await send('POST', '/api/v1/quotes', { headers, body: '{"broken' }),
      400,
      'invalid-request',
    );
  });
});

describe('request targets and expectations HTTP/1.1 allows', () => {
  it('reads an absolute-form target as its path: routes, 405 with Allow and 404 alike', async () => {
    const absolute = (method: string, path: string) =>
      rawHttp(
        mesh.bff.url,
        `${method} ${mesh.bff.url}${path} HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer}\r\nconnection: close\r\n\r\n`,
      );
    const found = await absolute('GET', '/api/v1/airports?q=lon');
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body).airports[0].code).toBe('LHR');
    const wrongMethod = await absolute('PUT', '/api/v1/quotes');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect(JSON.parse(wrongMethod.body).detail).toBe('/api/v1/quotes answers POST, not PUT');
    const missing = await absolute('GET', '/api/v1/nowhere');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).detail).toBe('no route GET /api/v1/nowhere');
  });

  it('answers an expectation it cannot meet 417 problem+json naming Expect; 100-continue is met', async () => {
    const unmet = await rawHttp(
      mesh.bff.url,
      'GET /api/v1/airports?q=lon HTTP/1.1\r\nhost: x\r\nexpect: bogus\r\nconnection: close\r\n\r\n',
    );
    expect(unmet.status).toBe(417);
    expect(unmet.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(unmet.body).errors[0].field).toBe('expect');
    // Also before a body, which is then not read (the connection closes).
    await expectClosedAnswer(
      'POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nexpect: 200-ok\r\ncontent-type: application/json\r\ncontent-length: 104857600\r\n\r\n{',
      417,
    );
    const met = await rawHttp(
      mesh.bff.url,
      'GET /api/v1/airports?q=lon HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n',
    );
    // No body to wait for: Node's 100 at once (which keeps the connection), then the answer.
    expect(met.status).toBe(100);
    expect(met.body).toContain('HTTP/1.1 200 OK');
    // With a body: 100 Continue when it is about to be read, then the answer.
    const quote = '{"flightIds":["ZZ1-2030-01-01"],"passengers":{"adults":1},"cabin":"economy"}';
    const upload = await rawHttp(
      mesh.bff.url,
      `POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-type: application/json\r\ncontent-length: ${quote.length}\r\nconnection: close\r\n\r\n${quote}`,
    );
    expect(upload.status).toBe(100);
    expect(upload.body).toMatch(/^HTTP\/1\.1 4\d\d /);
    // A request refused on its head alone is not first invited to upload its body (Node sent
    // 100 at once): no token, no route, a body announced over the limit.
    for (const [head, status] of [
      [`POST /api/v1/bookings HTTP/1.1\r\ncontent-length: 60000\r\n`, 401],
      [`POST /nowhere HTTP/1.1\r\ncontent-length: 10\r\n`, 404],
      [`POST /api/v1/quotes HTTP/1.1\r\ncontent-length: 6000000\r\n`, 413],
    ] as const) {
      const refused = await rawHttp(
        mesh.bff.url,
        `${head}host: x\r\nexpect: 100-continue\r\ncontent-type: application/json\r\n\r\n`,
      );
      expect(refused.status, head).toBe(status);
    }
    // Nor a body this API does not read: the 415 comes instead.
    const plain = await rawHttp(
      mesh.bff.url,
      'POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\n',
    );
    expect(plain.status).toBe(415);
    // HTTP/1.0 knows no 100 (RFC 9110 §10.1.1: the expectation is ignored): the answer only.
    const old = await rawHttp(
      mesh.bff.url,
      `POST /api/v1/quotes HTTP/1.0\r\nhost: x\r\nexpect: 100-continue\r\ncontent-type: application/json\r\ncontent-length: ${quote.length}\r\n\r\n${quote}`,
    );
    expect(old.status).toBeGreaterThanOrEqual(400);
    expect(old.body).not.toContain('HTTP/1.1');
    // Without a body the connection is kept: a pipelined request is answered.
    const kept = await rawHttp(
      mesh.bff.url,
      'GET /healthz HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n\r\nGET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(kept.body.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    // 100-continue with another expectation is not met: Node found 100-continue in it.
    for (const expect100 of ['expect: 100-continue, foo', 'expect: 100-continue\r\nexpect: foo']) {
      const mixed = await rawHttp(
        mesh.bff.url,
        `GET /healthz HTTP/1.1\r\nhost: x\r\n${expect100}\r\nconnection: close\r\n\r\n`,
      );
      expect(mixed.status, expect100).toBe(417);
    }
  });
});
