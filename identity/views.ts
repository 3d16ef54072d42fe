/**
 * The login page: a plain server-rendered form (no script), so it works in any browser and in
 * the headless flow of scripts/dev-token.ts. Every interpolated value goes through `html`.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a double-quoted attribute. */
export const html = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b1f24; }
  main { max-width: 22rem; margin: 10vh auto; padding: 2rem; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 4px rgb(0 0 0 / 0.15); }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit;
          border: 1px solid #59636e; border-radius: 4px; }
  button { margin-top: 1.25rem; width: 100%; padding: 0.6rem; font: inherit; font-weight: 600;
           color: #fff; background: #0b5cad; border: 0; border-radius: 4px; cursor: pointer; }
  button:focus-visible, input:focus-visible { outline: 3px solid #f0b400; outline-offset: 1px; }
  .error { color: #a4000f; font-weight: 600; }
  .demo { font-size: 0.85rem; color: #3d444d; margin-top: 1.5rem; }
  a { color: #0b5cad; }
`;

export interface LoginView {
  /** The interaction id: the form posts to /interaction/<uid>/login. */
  uid: string;
  /** Who asks, e.g. "Flight Mesh web". */
  clientName: string;
  /** The login typed last time, kept in the field after a failed attempt. */
  login?: string;
  error?: string;
}

export function loginPage(view: LoginView): string {
  const uid = encodeURIComponent(view.uid);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Flight Mesh</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Sign in to Flight Mesh</h1>
<p>to continue to ${html(view.clientName)}</p>
${view.error ? `<p class="error" role="alert">${html(view.error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="on">
<label for="login">User name</label>
<input id="login" name="login" required autofocus autocomplete="username" value="${html(view.login ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${uid}/abort">Cancel</a></p>
<p class="demo">Demo users (local development only): alice and bob (customers), olive (operator);
passwords in the README.</p>
</main>
</body>
</html>`;
}

/**
 * The site's icon, the web front end's own (web/public/favicon.svg; a test keeps them equal),
 * written out here because identity is deployed without the web build. Served at /favicon.ico,
 * which browsers ask every origin for: the sign-in page's was a 404 in the console.
 */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b4f8a"/><path fill="#fff" d="M27 17.5v-2.2l-9.5-5.6V5.5a1.5 1.5 0 0 0-3 0v4.2L5 15.3v2.2l9.5-2.8v5.7L12 22.2V24l4-1.2 4 1.2v-1.8l-2.5-1.8v-5.7z"/></svg>';
