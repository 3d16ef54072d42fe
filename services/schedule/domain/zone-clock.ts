import { DateTime } from 'luxon';

/**
 * Local ↔ UTC conversion for bulk use. Materialising millions of dated flights through luxon
 * costs ~50 µs each, dominated by Intl time-zone lookups; but a zone's offset changes at most
 * a couple of times a year, so we ask luxon once per zone and day and do plain arithmetic
 * whenever that day has a single offset. Days with a DST transition go through luxon itself,
 * so gaps and overlaps resolve exactly as luxon resolves them.
 */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * Per zone, per UTC day number: the offset in minutes when constant over that day, null on
 * transition days. Keyed by numbers, not a "zone|day" string: this runs for every flight listed.
 */
const steadyOffsets = new Map<string, Map<number, number | null>>();

function steadyOffset(zone: string, dayMs: number): number | null {
  let days = steadyOffsets.get(zone);
  if (!days) steadyOffsets.set(zone, (days = new Map()));
  const day = dayMs / DAY_MS;
  let offset = days.get(day);
  if (offset === undefined) {
    const start = DateTime.fromMillis(dayMs, { zone }).offset;
    const end = DateTime.fromMillis(dayMs + DAY_MS - 1, { zone }).offset;
    offset = start === end ? start : null;
    days.set(day, offset);
  }
  return offset;
}

/**
 * The offset a local wall-clock time on the UTC day `dayMs` converts with by plain arithmetic:
 * the zone's offset when it is the same over that day and both neighbours (which cover every
 * instant the local day can map to), else null (a transition nearby: ask fromLocal).
 */
export function steadyLocalOffset(zone: string, dayMs: number): number | null {
  const offset = steadyOffset(zone, dayMs);
  return offset !== null &&
    steadyOffset(zone, dayMs - DAY_MS) === offset &&
    steadyOffset(zone, dayMs + DAY_MS) === offset
    ? offset
    : null;
}

/** The zone's UTC offset in minutes at an instant. */
export function offsetAt(zone: string, utcMs: number): number {
  return (
    steadyOffset(zone, Math.floor(utcMs / DAY_MS) * DAY_MS) ??
    DateTime.fromMillis(utcMs, { zone }).offset
  );
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function formatOffset(minutes: number): string {
  if (minutes === 0) return '+00:00';
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export interface LocalTime {
  utcMs: number;
  /** The UTC offset in force, in minutes. */
  offset: number;
  /** ISO-8601 with offset, seconds precision: "2026-12-01T09:30:00-05:00". */
  iso: string;
  /** Local calendar date "YYYY-MM-DD". */
  date: string;
  /** ISO weekday of the local date, 1 = Monday. */
  weekday: number;
}

/** The local time at an instant with a known UTC offset (minutes). */
export function describe(utcMs: number, offset: number): LocalTime {
  const local = new Date(utcMs + offset * MINUTE_MS);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  return {
    utcMs,
    offset,
    iso: `${date}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${formatOffset(offset)}`,
    date,
    weekday: local.getUTCDay() === 0 ? 7 : local.getUTCDay(),
  };
}

function viaLuxon(t: DateTime): LocalTime {
  return describe(t.toMillis(), t.offset);
}

/** The instant a local wall-clock time ("YYYY-MM-DD", "HH:MM") names in a zone. */
export function fromLocal(zone: string, date: string, time: string): LocalTime | null {
  const wallMs = Date.parse(`${date}T${time}:00Z`);
  if (Number.isNaN(wallMs)) return null;
  const offset = steadyLocalOffset(zone, Math.floor(wallMs / DAY_MS) * DAY_MS);
  if (offset !== null) return describe(wallMs - offset * MINUTE_MS, offset);
  const t = DateTime.fromISO(`${date}T${time}`, { zone });
  return t.isValid ? viaLuxon(t) : null;
}

/** The local time in a zone at an instant. */
export function toLocal(zone: string, utcMs: number): LocalTime {
  const offset = steadyOffset(zone, Math.floor(utcMs / DAY_MS) * DAY_MS);
  return offset !== null ? describe(utcMs, offset) : viaLuxon(DateTime.fromMillis(utcMs, { zone }));
}
