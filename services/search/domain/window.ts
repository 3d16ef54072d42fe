import { RollingWindow } from '../../../flights/calendar.js';

/**
 * The dates search holds. It turns its day five minutes after schedule's (12:00 UTC), so that on a host whose
 * clock is a little ahead of schedule's it never lists the new last day before schedule offers
 * it (it would get none of its flights, and keep none until the next day's roll).
 */
export function searchWindow(
  days: number,
  fixedStart: string | undefined,
  now: () => number = Date.now,
): RollingWindow {
  const lagMs = 5 * 60_000;
  return new RollingWindow(days, fixedStart, () => now() - lagMs);
}
