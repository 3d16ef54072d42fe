/** Page size when the caller asks for none. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * One page of a list sorted by a key (keyset pagination): the `size` items (default
 * DEFAULT_PAGE_SIZE) that sort after `after`, the key of the previous page's last item, or from
 * the start when there is none. Because the page starts after a key, not at an offset, an item
 * added or removed before it does not shift the page. `compare(item, key)` is negative when the
 * item sorts before the key, 0 when it is that key, positive after. `more`: items follow the page.
 */
export function pageAfter<T, K>(
  items: readonly T[],
  size: number,
  after: K | undefined,
  compare: (item: T, key: K) => number,
): { items: T[]; more: boolean } {
  const start = after === undefined ? 0 : firstAfter(items, after, compare);
  const end = start + (size || DEFAULT_PAGE_SIZE);
  return { items: items.slice(start, end), more: end < items.length };
}

/** Binary search: the index of the first item after `key` (items.length if none). */
function firstAfter<T, K>(items: readonly T[], key: K, compare: (item: T, key: K) => number) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(items[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
