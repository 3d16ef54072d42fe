import { describe, expect, it } from 'vitest';
import { originForm } from './request-head.js';

describe('originForm', () => {
  it('reads an absolute-form target as its path and query, and leaves other forms alone', () => {
    expect(originForm('http://127.0.0.1:5000/api/v1/quotes')).toBe('/api/v1/quotes');
    expect(originForm('HTTPS://x.example/api/v1/search?origin=JFK')).toBe(
      '/api/v1/search?origin=JFK',
    );
    expect(originForm('http://x.example')).toBe('/');
    expect(originForm('http://x.example?q=1')).toBe('/?q=1');
    expect(originForm('http://user@x.example:80/a/b')).toBe('/a/b');
    expect(originForm('/api/v1/quotes?next=http://x/y')).toBe('/api/v1/quotes?next=http://x/y');
    expect(originForm('*')).toBe('*');
    // A path segment that merely looks like a scheme is a path.
    expect(originForm('/http://x/y')).toBe('/http://x/y');
  });
});
