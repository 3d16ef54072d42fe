const DAY_MS = 86_400_000;
/** UTC−12 is the last zone to finish a day. */
const LAST_ZONE_MS = 12 * 3_600_000;

/** "YYYY-MM-DD" of an instant, in UTC. */
/** True for a real calendar date "YYYY-MM-DD" (not 2026-02-30); plain Date arithmetic. */
export function isCalendarDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(date);
}

export const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The earliest date that is still today somewhere (in UTC−12): a traveller west of UTC can
 * still ask for their today after UTC midnight. It turns at 12:00 UTC.
 */
export const earliestLocalDate = (ms: number): string => utcDate(ms - LAST_ZONE_MS);

export const addDays = (date: string, n: number): string =>
  utcDate(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS);

/** A span of local dates, both ends included. */
export interface DateWindow {
  readonly from: string;
  readonly to: string;
}

/**
 * The dates a service offers: `days` from a fixed first date when one is configured (tests,
 * demos, replays), otherwise from the earliest date that is still today somewhere on Earth
 * (earliestLocalDate: the local today of a traveller in the westernmost zone), moving forward a
 * day at 12:00 UTC while the process runs. Answered from a cache keyed by the day number,
 * because schedule asks on every flight lookup.
 */
export class RollingWindow {
  private day = Number.NaN;
  private window: DateWindow = { from: '', to: '' };

  constructor(
    private readonly days: number,
    private readonly fixedStart?: string,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): DateWindow {
    const day =
      this.fixedStart === undefined ? Math.floor((this.now() - LAST_ZONE_MS) / DAY_MS) : 0;
    if (day !== this.day) {
      const from = this.fixedStart ?? utcDate(day * DAY_MS);
      this.window = { from, to: addDays(from, this.days - 1) };
      this.day = day;
    }
    return this.window;
  }

  contains(date: string): boolean {
    const { from, to } = this.current;
    return date >= from && date <= to;
  }
}
