/**
 * The web front end in a real browser (Debian's Chromium through playwright-core), against the
 * real BFF and real schedule, pricing, search and booking services. WEB_SCREENSHOTS=1 also
 * writes the README's screenshots to docs/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { ensureWebBuilt } from '../../scripts/web-build.js';
import {
  eventually,
  gate,
  launchChromium,
  openPage,
  unlabelledControls,
  type WatchedPage,
} from './browser.js';
import { startBff } from '../support/bff.js';
import { startWebMesh, type WebMesh } from './mesh.js';
import { testDate } from '../support/dates.js';

let mesh: WebMesh;
let browser: Browser;
let open: WatchedPage[] = [];
const SCREENSHOTS = process.env.WEB_SCREENSHOTS === '1';

beforeAll(async () => {
  await ensureWebBuilt();
  mesh = await startWebMesh();
  browser = await launchChromium();
}, 300_000);

afterEach(async () => {
  // No console errors and no uncaught exceptions, in any test.
  for (const w of open) expect(w.errors).toEqual([]);
  await Promise.all(open.map((w) => w.close()));
  open = [];
  mesh.searchPricing!.gates.clear();
});

afterAll(async () => {
  await browser?.close();
  await mesh?.stop();
});

async function newPage(options: { width?: number } = {}): Promise<Page> {
  const w = await openPage(browser, options);
  open.push(w);
  await w.page.goto(mesh.bff.url + '/');
  return w.page;
}

async function signIn(page: Page, name: string, role: 'customer' | 'operator' = 'customer') {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in (dev only)' }).click();
  await page.getByText(`Signed in as ${name}`).waitFor();
}

/** Types into an airport combobox and picks `code` with the arrow keys and Enter. */
async function pickAirport(page: Page, label: string, text: string, code: string) {
  const box = page.getByRole('combobox', { name: label, exact: true });
  await box.fill(text);
  const wanted = page.getByRole('option', { name: new RegExp(`^${code} `) });
  await wanted.waitFor();
  for (let i = 0; i < 10 && (await wanted.getAttribute('aria-selected')) !== 'true'; i++)
    await box.press('ArrowDown');
  await box.press('Enter');
  expect(await box.inputValue()).toContain(`(${code})`);
}

async function search(
  page: Page,
  q: { from: [string, string]; to: [string, string]; date: string; stops?: string },
) {
  await pickAirport(page, 'From', ...q.from);
  await pickAirport(page, 'To', ...q.to);
  await page.getByLabel('Departure date').fill(q.date);
  if (q.stops) await page.getByLabel('Stops', { exact: true }).selectOption({ label: q.stops });
  await page.getByRole('button', { name: 'Search flights' }).click();
}

const cards = (page: Page) => page.getByRole('list', { name: 'Itineraries' }).getByRole('listitem');
const searchDone = (page: Page) => page.getByText(/itineraries found/).waitFor();

/** Selects the first itinerary and waits for its quote. */
async function selectFirst(page: Page) {
  await cards(page).first().getByRole('button', { name: 'Select' }).click();
  await page.getByText('Price guaranteed for').waitFor();
}

async function fillPassenger(
  page: Page,
  p: { given: string; family: string; dob: string; email: string },
) {
  await page.getByLabel('Given name').fill(p.given);
  await page.getByLabel('Family name').fill(p.family);
  await page.getByLabel('Date of birth').fill(p.dob);
  await page.getByLabel('Contact email').fill(p.email);
}
const ada = { given: 'Ada', family: 'Lovelace', dob: '1985-12-10', email: 'ada@example.com' };

const reference = async (page: Page) => {
  const ref = page.locator('[data-reference]');
  await ref.waitFor();
  return (await ref.textContent())!;
};

/** The bookings of a customer, straight from the API with a bearer token. */
async function bookingsOf(customer: string): Promise<Array<{ reference: string; status: string }>> {
  const res = await fetch(`${mesh.bff.url}/api/v1/bookings`, {
    headers: { authorization: `Bearer ${await mesh.bff.token(customer)}` },
  });
  return ((await res.json()) as { bookings: Array<{ reference: string; status: string }> })
    .bookings;
}

/** The itinerary the traveller selected, as the page keeps it. */
async function selectedFlightIds(page: Page): Promise<string[]> {
  const raw = (await page.evaluate("sessionStorage.getItem('flight-mesh:selection')")) as string;
  const s = JSON.parse(raw) as { itinerary: { segments: Array<{ flightId: string }> } };
  return s.itinerary.segments.map((x) => x.flightId);
}

// Each test drives a browser through the whole mesh: on a loaded 2-core CI machine that can take
// well over the default minute.
describe('the web front end in a real browser', { timeout: 120_000 }, () => {
  it('signs in, streams results in, books once, shows the reference, lists and cancels it', async () => {
    const page = await newPage();
    await signIn(page, 'alice');

    // Hold every pricing call after the first: the first results are there, the rest are not.
    const held = gate();
    let first = true;
    mesh.searchPricing!.gates.set('priceItineraries', () => {
      if (!first) return held.promise;
      first = false;
      return undefined;
    });
    await search(page, { from: ['frankfurt', 'FRA'], to: ['SIN', 'SIN'], date: testDate(2) });
    await cards(page).first().waitFor();
    expect(await page.getByText(/Still searching/).isVisible()).toBe(true);
    const whileStreaming = await cards(page).count();
    held.open();
    await searchDone(page);
    expect(await page.getByText(/Still searching/).count()).toBe(0);
    expect(await cards(page).count()).toBeGreaterThan(whileStreaming);

    // The map of the first itinerary, drawn from bundled land shapes.
    await page.getByRole('img', { name: /^Map of FRA to .*SIN$/ }).waitFor();
    expect(await page.locator('.route-map .leg').count()).toBeGreaterThan(0);
    expect(await unlabelledControls(page)).toEqual([]);
    if (SCREENSHOTS)
      await page.screenshot({
        path: 'docs/web-search.png',
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: 1350 },
      });

    await selectFirst(page);
    expect(await page.getByRole('table').getByText('Total').isVisible()).toBe(true);
    await fillPassenger(page, ada);
    // A double click is one attempt: one Idempotency-Key, one booking.
    await page.getByRole('button', { name: 'Book now' }).dblclick();
    const ref = await reference(page);
    expect(ref).toMatch(/^[A-Z0-9]{6}$/);
    // Times labelled by the airports' zones, as on the results (they were bare UTC offsets here).
    const summary = page.locator('.confirmation .segments');
    await expect.poll(() => summary.textContent()).toMatch(/GMT\+1 .*GMT\+8/s);
    expect(await summary.textContent()).not.toMatch(/UTC/);
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/web-confirmation.png' });
    expect(await bookingsOf('alice')).toEqual([
      expect.objectContaining({ reference: ref, status: 'confirmed' }),
    ]);
    // A reload shows the same confirmation, and books nothing more.
    await page.reload();
    expect(await reference(page)).toBe(ref);
    expect(await bookingsOf('alice')).toHaveLength(1);

    await page.getByRole('navigation').getByRole('link', { name: 'My bookings' }).click();
    const item = page.getByRole('listitem').filter({ hasText: ref });
    await item.waitFor();
    await item.getByRole('button', { name: `Details of booking ${ref}` }).click();
    expect(await unlabelledControls(page)).toEqual([]);
    await item.getByRole('button', { name: `Cancel booking ${ref}` }).click();
    await item.getByRole('button', { name: 'Yes, cancel it' }).click();
    await item.getByText('cancelled', { exact: true }).waitFor();
    expect(await bookingsOf('alice')).toEqual([
      expect.objectContaining({ reference: ref, status: 'cancelled' }),
    ]);
  });

  it('shows the server’s field errors next to the fields, at 375 px wide', async () => {
    const page = await newPage({ width: 375 });
    await signIn(page, 'bob');
    await search(page, { from: ['JFK', 'JFK'], to: ['LHR', 'LHR'], date: testDate(3) });
    await searchDone(page);
    await selectFirst(page);
    await fillPassenger(page, { ...ada, given: ' ', email: 'not-an-email' });
    await page.getByRole('button', { name: 'Book now' }).click();

    const given = page.getByLabel('Given name');
    await page.locator('#f-contactEmail-error').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await given.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Contact email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Family name').getAttribute('aria-invalid')).toBeNull();
    // The first field in error has focus, and says what is wrong with it.
    expect(await page.evaluate('document.activeElement.id')).toBe(await given.getAttribute('id'));
    const describedBy = (await given.getAttribute('aria-describedby'))!;
    expect(await page.locator(`#${describedBy}`).textContent()).not.toBe('');
    expect(await bookingsOf('bob')).toEqual([]);
    // Nothing runs off the side of a phone screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);

    await fillPassenger(page, ada);
    await page.getByRole('button', { name: 'Book now' }).click();
    expect(await reference(page)).toMatch(/^[A-Z0-9]{6}$/);
    expect(await bookingsOf('bob')).toHaveLength(1);
  });

  it('re-quotes an expired price: when the countdown runs out, and when booking finds it gone', async () => {
    const w = await openPage(browser);
    open.push(w);
    const page = w.page;
    await w.context.clock.install();
    await page.goto(mesh.bff.url + '/');
    await signIn(page, 'carol');
    await search(page, { from: ['JFK', 'JFK'], to: ['LHR', 'LHR'], date: testDate(4) });
    await searchDone(page);
    await selectFirst(page);
    await fillPassenger(page, ada);

    // Sixteen minutes later, for the page and for pricing alike: the countdown has run out.
    mesh.advancePricingClock(16 * 60_000);
    await page.clock.fastForward('16:00');
    await page.getByText('This price has expired.').waitFor();
    expect(await page.getByRole('button', { name: 'Book now' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Get a new price' }).click();
    await page.getByText('Price guaranteed for').waitFor();

    // Pricing's clock runs ahead of the page's: booking finds the quote expired.
    mesh.advancePricingClock(16 * 60_000);
    await page.getByRole('button', { name: 'Book now' }).click();
    await page
      .getByRole('alert')
      .getByText(/price guarantee for this fare has expired/)
      .waitFor();
    await page.getByRole('button', { name: 'Get a new price' }).click();
    await page.getByText('Price guaranteed for').waitFor();
    await page.getByRole('button', { name: 'Book now' }).click();
    expect(await reference(page)).toMatch(/^[A-Z0-9]{6}$/);
    expect(await bookingsOf('carol')).toHaveLength(1);
  });

  it('says plainly when the flight sold out while the traveller was typing', async () => {
    const page = await newPage();
    await signIn(page, 'dave');
    await search(page, {
      from: ['JFK', 'JFK'],
      to: ['LHR', 'LHR'],
      date: testDate(5),
      stops: 'Direct only',
    });
    await searchDone(page);
    await selectFirst(page);
    const [flightId] = await selectedFlightIds(page);

    // Someone else holds every seat left in the cabin.
    const { flights } = await mesh.schedule.client.getAvailability({ flightIds: [flightId!] });
    let left = flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!.available;
    for (let i = 0; left > 0; i++, left -= Math.min(9, left))
      await mesh.schedule.client.holdSeats({
        holdId: `elsewhere-${flightId}-${i}`,
        items: [{ flightId: flightId!, cabin: Cabin.CABIN_ECONOMY, seats: Math.min(9, left) }],
        ttlSeconds: 3600,
      });

    await fillPassenger(page, ada);
    await page.getByRole('button', { name: 'Book now' }).click();
    await page
      .getByRole('alert')
      .getByText(/sold out/)
      .waitFor();
    expect(await page.getByRole('button', { name: 'Book now' }).isDisabled()).toBe(true);
    await page.getByRole('alert').getByRole('link', { name: 'Back to results' }).waitFor();
    expect(await bookingsOf('dave')).toEqual([]);
  });

  it('lets an operator cancel a flight, which then leaves the search results', async () => {
    const page = await newPage();
    await signIn(page, 'olive', 'operator');
    const q = { from: ['JFK', 'JFK'], to: ['LHR', 'LHR'], date: testDate(6) } as const;
    await search(page, { from: [...q.from], to: [...q.to], date: q.date, stops: 'Direct only' });
    await searchDone(page);
    const flight = (await cards(page).first().locator('.flights').textContent())!;
    const resultsUrl = page.url();

    await page.getByRole('link', { name: 'Operations' }).click();
    await pickAirport(page, 'From', 'JFK', 'JFK');
    await pickAirport(page, 'To', 'LHR', 'LHR');
    await page.getByLabel('Date').fill(q.date);
    await page.getByRole('button', { name: 'List flights' }).click();
    const row = page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: flight }) });
    expect(await unlabelledControls(page)).toEqual([]);
    // Local times with their zones, as the results show them (there were none).
    await expect.poll(() => row.getByRole('cell').first().textContent()).toMatch(/EST → .*GMT/);
    await row.getByRole('button', { name: `Cancel ${flight}` }).click();
    await row.getByLabel('Reason').fill('weather');
    await row.getByRole('button', { name: 'Cancel flight' }).click();
    await row.getByText('cancelled', { exact: true }).waitFor();

    // The change reaches search through schedule's feed; a new search no longer offers it.
    await page.goto(resultsUrl);
    await eventually(async () => {
      await page.reload();
      await searchDone(page);
      const shown = await page.locator('.itinerary .flights').allTextContents();
      expect(shown.length).toBeGreaterThan(0);
      expect(shown).not.toContain(flight);
    });
  });

  it('says plainly when a service behind the site is down', async () => {
    // The same services, behind a second BFF that cannot reach pricing.
    const broken = await startBff(
      {
        schedule: mesh.schedule.address,
        search: mesh.search!.address,
        booking: mesh.booking.address,
        pricing: '127.0.0.1:1',
      },
      { READ_TIMEOUT_MS: '20000', SEARCH_TIMEOUT_MS: '20000', RATE_LIMIT_PER_MINUTE: '100000' },
    );
    try {
      const w = await openPage(browser);
      open.push(w);
      const page = w.page;
      await page.goto(`${broken.url}/?origin=JFK&destination=LHR&date=${testDate(7)}&maxStops=0`);
      await searchDone(page);
      await cards(page).first().getByRole('button', { name: 'Select' }).click();
      const alert = page.getByRole('alert');
      await alert.getByText('Part of our system is unavailable right now').waitFor();
      await page.getByRole('button', { name: 'Get a new price' }).waitFor();
      expect(await page.locator('main').textContent()).not.toMatch(
        /Error:|\bat \w+ \(|undefined|503/,
      );
    } finally {
      await broken.stop();
    }
  });
});
