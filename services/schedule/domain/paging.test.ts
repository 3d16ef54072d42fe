import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, page } from './paging.js';

const letters = [...'abcdefghijklmnopqrstuvwxyz'];

describe('paging', () => {
  it('walks a list page by page with the tokens it issues, ending with an empty token', () => {
    const seen: string[] = [];
    let token = '';
    do {
      const p = page(letters, 10, token);
      seen.push(...p.items);
      token = p.next;
    } while (token);
    expect(seen).toEqual(letters);
  });

  it('uses the default size when asked for none', () => {
    expect(page(letters, 0, '')).toEqual({
      items: letters.slice(0, DEFAULT_PAGE_SIZE),
      next: String(DEFAULT_PAGE_SIZE),
    });
  });
});
