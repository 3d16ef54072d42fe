import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { absoluteForm, rewriteAbsoluteForm } from './request-head.js';

describe('absoluteForm', () => {
  it('reads an http(s) target with a host as that host and its origin-form', () => {
    expect(absoluteForm('http://127.0.0.1:5000/api/v1/quotes')).toEqual({
      host: '127.0.0.1:5000',
      path: '/api/v1/quotes',
    });
    expect(absoluteForm('HTTPS://x.example/api/v1/search?origin=JFK')).toEqual({
      host: 'x.example',
      path: '/api/v1/search?origin=JFK',
    });
    expect(absoluteForm('http://x.example')).toEqual({ host: 'x.example', path: '/' });
    expect(absoluteForm('http://x.example?q=1')).toEqual({ host: 'x.example', path: '/?q=1' });
    expect(absoluteForm('http://user@x.example:80/a/b')).toEqual({
      host: 'x.example:80',
      path: '/a/b',
    });
    expect(absoluteForm('http://[::1]:5000/healthz')).toEqual({
      host: '[::1]:5000',
      path: '/healthz',
    });
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
    const plain = { url: '/healthz', headers: { host: 'x' } } as unknown as IncomingMessage;
    expect(rewriteAbsoluteForm(plain)).toBe('/healthz');
    expect(plain.headers.host).toBe('x');
  });
});
