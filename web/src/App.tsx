/** The shell: header with navigation and sign-in, and the page the URL names. */
import { useEffect, useRef, type MouseEvent } from 'react';
import { BookPage } from './book/BookPage';
import { MyBookings } from './bookings/MyBookings';
import { OperatorPage } from './operator/OperatorPage';
import { navigate, PAGES, useLocation, type Page } from './router';
import { SearchPage } from './search/SearchPage';
import { SessionProvider, useSession } from './session';
import { SignIn } from './SignIn';

const TITLES: Record<Page, string> = {
  '/': 'Find a flight',
  '/book': 'Book',
  '/bookings': 'My bookings',
  '/operator': 'Operations',
};

/** Same-origin links navigate inside the app instead of reloading it. */
function followLink(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
    return;
  const a = (e.target as Element).closest('a');
  if (!a || a.target || a.origin !== location.origin) return;
  if (a.hash && a.pathname === location.pathname) return;
  // Only the app's own pages: /auth/login and the like are the server's.
  if (!(PAGES as string[]).includes(a.pathname)) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}

function Nav({ page }: { page: Page }) {
  const { session } = useSession();
  const link = (to: Page, label: string) => (
    <li>
      <a href={to} aria-current={page === to ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <nav aria-label="Main">
      <ul>
        {link('/', 'Search')}
        {link('/bookings', 'My bookings')}
        {session?.roles.includes('operator') && link('/operator', 'Operations')}
      </ul>
    </nav>
  );
}

function Shell() {
  const { page, search } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // A new page: say so in the title, and move focus to its heading (not on the first load).
  useEffect(() => {
    document.title = `${TITLES[page]} · Flight mesh`;
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [page]);
  return (
    <div onClick={followLink}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="/">
          Flight mesh
        </a>
        <Nav page={page} />
        <SignIn />
      </header>
      <main id="main" ref={main}>
        {/* The BFF sends the traveller back to the page they were on (bff/oidc-login.ts). */}
        {new URLSearchParams(search).get('signin') === 'failed' && (
          <p className="alert" role="alert">
            Signing in did not complete. Please try again.
          </p>
        )}
        {page === '/' && <SearchPage search={search} />}
        {page === '/book' && <BookPage />}
        {page === '/bookings' && <MyBookings />}
        {page === '/operator' && <OperatorPage />}
      </main>
    </div>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}
