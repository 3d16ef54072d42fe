import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { absoluteForm, rewriteAbsoluteForm } from './request-head.js';

describe('absoluteForm', () => {
  it('reads an http(s) target with a host as that host and its origin-form', () => {
    for (const [target, host, path] of [
      ['http://127.0.0.1:5000/api/v1/quotes', '127.0.0.1:5000', '/api/v1/quotes'],
      ['HTTPS://x.example/api/v1/search?origin=JFK', 'x.example', '/api/v1/search?origin=JFK'],
      ['http://x.example', 'x.example', '/'],
      ['http://x.example?q=1', 'x.example', '/?q=1'],
      ['http://user@x.example:80/a/b', 'x.example:80', '/a/b'],
      ['http://[::1]:5000/healthz', '[::1]:5000', '/healthz'],
      // The host follows the last @, as a browser's URL parser reads it (it was read as b).
      ['http://a@b@c.example/x', 'c.example', '/x'],
    ] as const)
      expect(absoluteForm(target), target).toEqual({ host, path });
  });

  it('leaves every other target to the router: origin-form, *, other schemes, no host', () => {
    for (const target of [
      '/api/v1/quotes?next=http://x/y',
      '/http://x/y',
      '*',
      'ftp://x.example/api/v1/airports',
      'ws://x.example/healthz',
      'http:///api/v1/airports',
      'http://@/healthz',
      'http://:5000/healthz',
      'localhost:5000',
    ])
      expect(absoluteForm(target), target).toBeUndefined();
  });
});

describe('rewriteAbsoluteForm', () => {
  it("routes by the target's path, and takes its host over the Host header (RFC 9112 §3.2.2)", () => {
    const req = {
      url: 'http://flights.example/auth/login?returnTo=/bookings',
      headers: { host: 'evil.example' },
    } as unknown as IncomingMessage;
    expect(rewriteAbsoluteForm(req)).toBe('/auth/login?returnTo=/bookings');
    expect(req.headers.host).toBe('flights.example');
    // Without a Host header it stays without one, for rejectBadHost to refuse (RFC 9112 §3.2).
    const hostless = { url: 'http://x.example/healthz', headers: {} } as unknown as IncomingMessage;
    expect(rewriteAbsoluteForm(hostless)).toBe('/healthz');
    expect(hostless.headers.host).toBeUndefined();
    const plain = { url: '/healthz', headers: { host: 'x' } } as unknown as IncomingMessage;
    expect(rewriteAbsoluteForm(plain)).toBe('/healthz');
    expect(plain.headers.host).toBe('x');
  });
});
