/**
 * Request targets and hosts, over real HTTP against the real BFF (its own instance here, to read
 * its log lines; no services behind it): targets that are no path, hosts that are no host and
 * port, forwarded hosts and schemes, HTTP versions, and the log line and ids every answer has —
 * refusals before routing, Node's parser's, a client that leaves, a body that never comes.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildBff } from './app.js';
import { createAuthenticator } from './auth.js';
import { BFF_PROCESS, connectThrough, createBffClients } from './clients.js';
import { openRuntime } from '../platform/runtime.js';
import { rawHttp } from '../test/support/http.js';
import { capturingLogger } from '../test/support/logs.js';

describe('targets that are no path, and hosts that are no host', () => {
  it('answers 400 naming (path) or host, with ids and a log line even when no route ran', async () => {
    const { log, lines } = capturingLogger();
    const { runtime, close } = openRuntime(BFF_PROCESS, {
      LOG_LEVEL: 'silent',
      // Short, for the request below whose body never comes in full.
      REQUEST_RECEIVE_TIMEOUT_MS: '1500',
    });
    const app = await buildBff({
      clients: createBffClients(connectThrough(runtime.client)),
      config: runtime.config,
      log,
      authenticate: createAuthenticator(runtime.config),
    });
    try {
      // A route slower than its client's patience (the test's own: every hook is the BFF's).
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return { late: true };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      // Raw, so the target is sent as it is (fetch and inject would make a URL of it).
      const get = async (target: string, host = 'flights.example', method = 'GET', more = '') => {
        const r = await rawHttp(
          `http://127.0.0.1:${port}`,
          `${method} ${target} HTTP/1.1\r\nhost: ${host}\r\n${more}connection: close\r\n\r\n`,
        );
        return { ...r, json: () => JSON.parse(r.body) as { errors: unknown } };
      };
      for (const [target, host, field, detail] of [
        // Another scheme's absolute-form: was "is not well-formed percent-encoded UTF-8".
        [
          'ftp://x.example/healthz',
          undefined,
          '(path)',
          'must be a path (/…) or an http or https URL',
        ],
        // The asterisk-form is OPTIONS's alone: GET * served the web front end.
        ['*', undefined, '(path)', 'must be a path (/…) or an http or https URL'],
        // Refused by Node's parser, which said they had a character to percent-encode.
        ['h:80', undefined, '(path)', 'must be a path (/…) or an http or https URL'],
        ['mailto:x', undefined, '(path)', 'must be a path (/…) or an http or https URL'],
        ['/%zz', undefined, '(path)', 'is not well-formed percent-encoded UTF-8'],
        // Hosts sign-in would have built its redirect_uri from.
        ['/healthz', 'h:abc', 'host', 'is not a host and optional port'],
        ['/healthz', 'a@b', 'host', 'is not a host and optional port'],
        ['/healthz', 'h:99999', 'host', 'is not a host and optional port'],
        ['http://h:abc/healthz', undefined, 'host', 'is not a host and optional port'],
      ] as const) {
        lines.length = 0;
        const r = await get(target, host);
        const what = `${target} host ${host}`;
        expect(r.status, what).toBe(400);
        expect(r.headers['content-type'], what).toMatch(/^application\/problem\+json/);
        expect(r.json().errors, what).toEqual([{ field, detail }]);
        expect(r.headers['x-request-id'], what).toBeTruthy();
        // A router-level 400 was answered without the request's log line.
        await expect
          .poll(() => lines.filter((l) => l.msg === 'http'), { message: what })
          .toEqual([expect.objectContaining({ status: 400 })]);
      }
      // Hosts as RFC 3986 writes them stay served; in absolute-form the host follows the last
      // `@` (it was read as b in http://a@b@c/), as a browser reads it.
      for (const [target, host] of [
        ['/healthz', '[::1]:5000'],
        ['/healthz', 'flights.example:'],
        ['/healthz', 'bff_1:5000'],
        ['http://a@b@c.example/healthz', 'x'],
      ] as const)
        expect((await get(target, host)).status, `${target} ${host}`).toBe(200);
      // From a trusted proxy (here: loopback), the forwarded host and scheme stand for Host and
      // the connection's: sign-in built `javascript://…` and `http://a@b/x?y/…` redirect URIs.
      for (const [more, field, detail] of [
        ['x-forwarded-host: a@b/x?y\r\n', 'x-forwarded-host', 'is not a host and optional port'],
        ['x-forwarded-proto: javascript\r\n', 'x-forwarded-proto', 'must be http or https'],
      ] as const) {
        const r = await get('/auth/login', 'flights.example', 'GET', more);
        expect(r.status, more).toBe(400);
        expect(r.json().errors, more).toEqual([{ field, detail }]);
      }
      const forwarded = 'x-forwarded-host: flights.example:443\r\nx-forwarded-proto: HTTPS\r\n';
      expect((await get('/healthz', 'bff:5000', 'GET', forwarded)).status).toBe(200);
      expect((await get('/healthz', 'flights.example:000080')).status).toBe(200);
      // OPTIONS * asks about the server, not a resource: no route, not a bad request.
      expect((await get('*', 'x', 'OPTIONS')).status).toBe(404);
      // HTTP/1.1 needs a Host whatever the target (an absolute-form one was served without).
      const hostless = await rawHttp(
        `http://127.0.0.1:${port}`,
        'GET http://flights.example/healthz HTTP/1.1\r\nconnection: close\r\n\r\n',
      );
      expect(hostless.status).toBe(400);
      expect(JSON.parse(hostless.body).errors).toEqual([{ field: 'host', detail: 'is required' }]);
      // The contract's routes answer problem+json too (they kept fastify's own JSON).
      const contract = await rawHttp(
        `http://127.0.0.1:${port}`,
        'GET /openapi.json HTTP/2.0\r\nhost: x\r\nconnection: close\r\n\r\n',
      );
      expect(contract.status).toBe(505);
      expect(contract.headers['content-type']).toMatch(/^application\/problem\+json/);
      // A version this server does not speak (Node's parser takes HTTP/2.0 in a request line).
      const version = await rawHttp(
        `http://127.0.0.1:${port}`,
        'GET /healthz HTTP/2.0\r\nhost: x\r\nconnection: close\r\n\r\n',
      );
      expect(version.status).toBe(505);
      expect(JSON.parse(version.body).errors).toEqual([
        { field: '(version)', detail: 'must be HTTP/1.1 or HTTP/1.0' },
      ]);
      // What fastify never sees (Node's parser refused it; CONNECT) is logged too.
      for (const [request, status] of [
        ['GARBAGE\r\n\r\n', 400],
        ['CONNECT x:443 HTTP/1.1\r\nhost: x:443\r\n\r\n', 501],
      ] as const) {
        lines.length = 0;
        const r = await rawHttp(`http://127.0.0.1:${port}`, request);
        await expect
          .poll(() => lines.filter((l) => l.msg === 'http'), { message: request })
          .toEqual([expect.objectContaining({ status, request_id: r.headers['x-request-id'] })]);
      }
      // A routed request whose body never comes in full: one 408 under its own id, one line
      // (there were three: a 408 under a new id, a 400 written after the close, a 499).
      for (const expect100 of ['', 'expect: 100-continue\r\n']) {
        lines.length = 0;
        const stalled = await rawHttp(
          `http://127.0.0.1:${port}`,
          `POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\nx-request-id: stall-1\r\n${expect100}content-type: application/json\r\ncontent-length: 100\r\n\r\n{"fl`,
        );
        const final = expect100
          ? /HTTP\/1\.1 (\d{3})/.exec(stalled.body)?.[1]
          : String(stalled.status);
        expect(final, expect100).toBe('408');
        expect(stalled.body, expect100).toContain('problems/request-timeout');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(
          lines.filter((l) => l.msg === 'http'),
          expect100,
        ).toEqual([expect.objectContaining({ status: 408, request_id: 'stall-1' })]);
      }
      // A client that gives up is logged too (fastify runs no onResponse then): 499, aborted.
      lines.length = 0;
      await fetch(`http://127.0.0.1:${port}/slow`, { signal: AbortSignal.timeout(100) }).catch(
        () => undefined,
      );
      await expect
        .poll(() => lines.filter((l) => l.msg === 'http'))
        .toEqual([expect.objectContaining({ route: '/slow', status: 499, aborted: true })]);
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // the handler ends: no second line
      expect(lines.filter((l) => l.msg === 'http')).toHaveLength(1);
    } finally {
      await app.close();
      await close();
    }
  });
});
