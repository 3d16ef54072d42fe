import { addDays } from '../../../flights/calendar.js';

/** Can the flights a search needs be in the index? */
export type Coverage =
  | { state: 'loaded' }
  | { state: 'loading'; loadedThrough: string }
  | { state: 'outside'; from: string; to: string };

/** The dates an index holds: its window, and how far into it every flight is in. */
export interface HeldDates {
  /** First and last local date of the window, "YYYY-MM-DD". */
  from: string;
  to: string;
  /** The last date whose flights are all in (contiguously from `from`). */
  loadedThrough: string;
}

/** Whether every flight a search from `date` may use (through `throughDays` later) is held. */
export function coverage(held: HeldDates, date: string, throughDays: number): Coverage {
  if (date < held.from || date > held.to) return { state: 'outside', from: held.from, to: held.to };
  let need = addDays(date, throughDays);
  if (need > held.to) need = held.to;
  return held.loadedThrough >= need
    ? { state: 'loaded' }
    : { state: 'loading', loadedThrough: held.loadedThrough };
}
