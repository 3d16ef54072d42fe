/** Page size when the caller asks for none. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * One page of a stably ordered list. Page tokens are offsets into that ordering: opaque to
 * clients, cheap to check. `token` is "" for the first page (or a decimal offset this function
 * issued); `next` is "" after the last page.
 */
export function page<T>(items: T[], size: number, token: string): { items: T[]; next: string } {
  const offset = token ? Number(token) : 0;
  const end = offset + (size || DEFAULT_PAGE_SIZE);
  return { items: items.slice(offset, end), next: end < items.length ? String(end) : '' };
}
