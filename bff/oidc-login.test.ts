import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { publicOrigin } from './oidc-login.js';

const addressed = (protocol: string, host: string) =>
  publicOrigin({ protocol, host } as unknown as FastifyRequest).origin;

describe('publicOrigin', () => {
  it('writes the addressed origin as a URL does, so identity finds its redirect URI', () => {
    // Each was copied as sent into redirect_uri (identity refused `04800`, `localhost:`), and
    // `HTTPS` made the session cookie lose Secure.
    expect(addressed('HTTPS', 'flights.example')).toBe('https://flights.example');
    expect(addressed('http', 'localhost:')).toBe('http://localhost');
    expect(addressed('http', '127.0.0.1:04800')).toBe('http://127.0.0.1:4800');
    expect(addressed('https', 'flights.example:443')).toBe('https://flights.example');
    expect(addressed('http', '[::1]:3000')).toBe('http://[::1]:3000');
    expect(
      publicOrigin({ protocol: 'HTTPS', host: 'x' } as unknown as FastifyRequest).protocol,
    ).toBe('https:');
  });
});
