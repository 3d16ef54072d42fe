/**
 * How the BFF reads a request off the wire, over raw sockets against the real BFF: a URL with
 * text it may not hold as it is, and a request whose body never arrives in full (408, one
 * answer per request, never held open).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson, rawHttp } from '../test/support/http.js';
import { startMesh, type MeshFixture } from '../test/support/mesh.js';
import { PROBLEM_BASE } from '../test/support/problem.js';

let mesh: MeshFixture;

beforeAll(async () => {
  // Short, so a stalled request's 408 comes within the test (30 s deployed).
  mesh = await startMesh({ bffEnv: { REQUEST_RECEIVE_TIMEOUT_MS: '3000' } });
});

afterAll(async () => {
  await mesh?.stop();
});

async function expectHealthy() {
  expect((await callJson(mesh.bff.url, 'GET', '/api/v1/airports?q=LHR')).status).toBe(200);
}

describe('reading requests off the wire', () => {
  it('names the part of a URL with raw non-ASCII text in it', async () => {
    // Text a URL may not hold as it is (RFC 3986: ASCII only), sent raw: named by its part.
    for (const [target, field] of [
      ['/api/v1/airports?q=café', '(query)'],
      ['/api/v1/bookings/ÅBC123', '(path)'],
    ]) {
      const raw = await rawHttp(
        mesh.bff.url,
        `GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      );
      expect(raw.status, target).toBe(400);
      expect(JSON.parse(raw.body).errors, target).toEqual([
        {
          field,
          detail:
            'has a character that must be percent-encoded (a space, a control character or non-ASCII text: é is %C3%A9)',
        },
      ]);
    }
    await expectHealthy();
  });

  it('answers 408 problem+json to a request whose body never arrives in full', async () => {
    const started = Date.now();
    // Content-Length says 50 bytes, 7 come: the server waits for the rest until its limit.
    const stalled = await rawHttp(
      mesh.bff.url,
      'POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{"a":1}',
    );
    expect(stalled.status).toBe(408);
    expect(stalled.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(stalled.body).type).toBe(`${PROBLEM_BASE}request-timeout`);
    // Within its limit and Node's check interval, not held open.
    expect(Date.now() - started).toBeLessThan(20_000);
    await expectHealthy();
  });

  it('answers a request once: an early answer is not followed by a 408 when its body never comes', async () => {
    // 415 at once (the media type is refused before the body is read); the 98 missing bytes
    // never come, and the request's time runs out with its answer already sent.
    const early = await rawHttp(
      mesh.bff.url,
      'POST /api/v1/quotes HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nab',
    );
    expect(early.status).toBe(415);
    expect(early.body).not.toContain('HTTP/1.1');
    await expectHealthy();
  });
});
