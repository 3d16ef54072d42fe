import { DateTime } from 'luxon';
import { addDays, utcDate } from '../../flights/calendar.js';

/**
 * The test calendar: which dates the suites that run against the real clock use.
 *
 * Flights leave sale before they depart (flights/sales.ts, SALES_CUTOFF_MINUTES), and search's
 * "today" is the local date at the departure airport, so a suite that books or searches a
 * fixed date stops working once the real clock passes it. Every test that goes through a real
 * service, the BFF, a browser or a spawned mesh takes its dates from here; pure domain tests
 * that inject their own `now` may keep literal dates.
 *
 * The first date is the first day at least LEAD_DAYS after today (UTC) that is a whole number
 * of weeks after ANCHOR: the timetable flies on weekday patterns, so every test date falls on
 * the same weekday as the date the suites were written for (ANCHOR + offset). The lead keeps
 * day 0's earliest flights (00:00 in UTC+14 is 10:00 UTC the day before) far from the sales
 * cut-off for a whole run, even one that crosses UTC midnight.
 *
 * `TEST_START_DATE` in the environment pins it (YYYY-MM-DD); test/global-setup.ts sets it once
 * per run, so every worker and every process the suites spawn agree even across midnight.
 */

/** The Tuesday the suites were written against; offsets keep its weekdays. */
export const ANCHOR_DATE = '2026-12-01';
/** Whole days between today (UTC) and the earliest possible first test date. */
export const LEAD_DAYS = 3;

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;

/** The first test date for a run started at `nowMs` (ms since the epoch): see the module doc. */
export function startDateFor(nowMs: number): string {
  const anchorDay = Date.parse(`${ANCHOR_DATE}T00:00:00Z`) / DAY_MS;
  const earliestDay = Date.parse(`${utcDate(nowMs + LEAD_DAYS * DAY_MS)}T00:00:00Z`) / DAY_MS;
  const weeks = Math.ceil((earliestDay - anchorDay) / WEEK_DAYS);
  return addDays(ANCHOR_DATE, weeks * WEEK_DAYS);
}

function fromEnv(): string | undefined {
  const pinned = process.env.TEST_START_DATE;
  if (pinned === undefined || pinned === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned) || !DateTime.fromISO(pinned).isValid)
    throw new Error(`TEST_START_DATE must be a date like 2026-12-01, got "${pinned}"`);
  return pinned;
}

/** Day 0 of the test calendar (YYYY-MM-DD); schedule's and search's windows start here. */
export const TEST_START_DATE: string = fromEnv() ?? startDateFor(Date.now());

/** The test date `dayOffset` days after TEST_START_DATE (YYYY-MM-DD; negative goes back). */
export const testDate = (dayOffset: number): string => addDays(TEST_START_DATE, dayOffset);

/**
 * The ISO-8601 local time, with the zone's offset on that date, of a wall-clock time at an
 * airport: `localTime(testDate(2), '08:25', 'America/New_York')` → "…T08:25:00-05:00" in
 * winter, "-04:00" in summer. For assertions about scheduled times in any season.
 */
export function localTime(date: string, hhmm: string, zone: string): string {
  const t = DateTime.fromISO(`${date}T${hhmm}`, { zone });
  if (!t.isValid) throw new Error(`no ${hhmm} on ${date} in ${zone}: ${t.invalidExplanation}`);
  return t.toISO({ suppressMilliseconds: true })!;
}

/** The UTC offset ("-05:00") of `zone` at noon local time on `date`. */
export function utcOffset(date: string, zone: string): string {
  return DateTime.fromISO(`${date}T12:00`, { zone }).toFormat('ZZ');
}

/**
 * The instant of an ISO-8601 time re-rendered as local time in `zone` with that zone's offset
 * then ("2026-12-03T13:25:00Z", "America/New_York" → "2026-12-03T08:25:00-05:00"). A local time
 * the services return equals its own `inZone` exactly when its offset is the airport's, in any
 * season and across DST changes.
 */
export function inZone(iso: string, zone: string): string {
  const t = DateTime.fromISO(iso, { zone });
  if (!t.isValid) throw new Error(`not an ISO-8601 time: "${iso}"`);
  return t.toISO({ suppressMilliseconds: true })!;
}

/**
 * A date of birth that makes a traveller `years` old on every date of the test calendar's first
 * 30 days (YYYY-MM-DD): an infant (1), a child (7) stays one whenever the suite runs.
 */
export const birthDateAged = (years: number): string =>
  DateTime.fromISO(TEST_START_DATE, { zone: 'utc' }).minus({ years, days: 1 }).toISODate()!;
