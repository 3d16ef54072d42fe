import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (.ci/run installs the package when it is missing); no browser downloads. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules=MAP name 127.0.0.1`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions the page produced so far. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A fresh context (its own cookies and storage) and page, watched for console errors and
 * uncaught exceptions. An API answer the app handles (a problem+json 4xx or 5xx) is logged by
 * Chromium itself as "Failed to load resource"; those, for /api/ URLs only, are left out.
 * Everything else counts, a missing asset included.
 */
export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const handledApiAnswer =
      text.startsWith('Failed to load resource: the server responded with a status of') &&
      new URL(msg.location().url, 'http://x').pathname.startsWith('/api/');
    if (!handledApiAnswer) errors.push(`${text} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  return { page, context, errors, close: () => context.close() };
}

/** Waits until `check` passes (it throws until then), for at most `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/**
 * Form controls and buttons on the page with no accessible name (no label, aria-label,
 * aria-labelledby or text): each is named by a snippet of its HTML. Hidden ones are skipped.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.getClientRects().length > 0)
    .filter((el) => {
      const byLabel = [...(el.labels ?? [])].map((l) => l.textContent.trim()).join(' ');
      const byRef = (el.getAttribute('aria-labelledby') ?? '').split(' ')
        .map((id) => document.getElementById(id)?.textContent.trim() ?? '').join(' ');
      const name = byLabel || el.getAttribute('aria-label') || byRef.trim() ||
        (el.tagName === 'BUTTON' ? el.textContent.trim() : '');
      return !name;
    })
    .map((el) => el.outerHTML.slice(0, 120))`) as Promise<string[]>;
}
