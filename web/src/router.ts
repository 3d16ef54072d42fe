/**
 * Four pages and History API navigation: a few lines here instead of a router library (which
 * would add more to the bundle than the whole of this file does). The BFF answers each of these
 * paths with index.html (bff/web.ts WEB_PAGES).
 */
import { useSyncExternalStore } from 'react';

export type Page = '/' | '/book' | '/bookings' | '/operator';
export const PAGES: Page[] = ['/', '/book', '/bookings', '/operator'];

const subscribe = (onChange: () => void) => {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
};

/** The current location (path and query), re-rendering on navigation. */
export function useLocation(): { page: Page; search: string } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const url = new URL(href, location.origin);
  const page = (PAGES as string[]).includes(url.pathname) ? (url.pathname as Page) : '/';
  return { page, search: url.search };
}

export function navigate(to: string, { replace = false } = {}): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
