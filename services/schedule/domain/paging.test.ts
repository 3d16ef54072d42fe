import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, pageAfter } from './paging.js';

const compare = (item: string, key: string) => (item < key ? -1 : item > key ? 1 : 0);

/** Reads a whole list page by page, the next page starting after the last item seen. */
function walk(list: () => string[], size: number): string[] {
  const seen: string[] = [];
  let after: string | undefined;
  for (;;) {
    const p = pageAfter(list(), size, after, compare);
    seen.push(...p.items);
    if (!p.more) return seen;
    after = p.items.at(-1);
  }
}

describe('keyset paging', () => {
  it('walks a list page by page, each page after the last key of the one before', () => {
    const letters = [...'abcdefghijklmnopqrstuvwxyz'];
    expect(walk(() => letters, 10)).toEqual(letters);
    expect(walk(() => letters, 26)).toEqual(letters);
  });

  it('neither repeats nor skips an item when items are added before the page meanwhile', () => {
    const list = ['c', 'e', 'g', 'i'];
    const first = pageAfter(list, 2, undefined, compare);
    expect(first).toEqual({ items: ['c', 'e'], more: true });
    list.unshift('a', 'b'); // new items sort first, as a new booking does in "newest first"
    list.splice(list.indexOf('e'), 1); // and the page's last item goes away
    expect(pageAfter(list, 2, 'e', compare)).toEqual({ items: ['g', 'i'], more: false });
  });

  it('uses the default size when asked for none, and answers an empty page past the end', () => {
    const many = Array.from({ length: 50 }, (_, i) => String(i).padStart(2, '0'));
    expect(pageAfter(many, 0, undefined, compare).items).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(pageAfter(many, 5, '99', compare)).toEqual({ items: [], more: false });
  });
});
