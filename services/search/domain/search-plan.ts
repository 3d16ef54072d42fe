import type { FlightIndex } from './flight-index.js';
import type { Coverage } from './coverage.js';
import { searchItineraries, type FoundItinerary, type ItineraryQuery } from './itineraries.js';
import type { SortKey } from './ranking.js';
import type { ConnectionRules } from '../../../flights/connections.js';

/**
 * A search's plan: how its time is split, what the index can answer, and the itineraries found.
 * Pure: the clock and the caller's cancellation come in as arguments.
 */

/** The times (epoch ms) a search works to. */
export interface SearchBudget {
  startedMs: number;
  /** The caller's deadline, or the default budget from the start when it set none. */
  deadlineMs: number;
  /** Everything is streamed by then: the deadline minus a reserve for the last messages. */
  cutoffMs: number;
  /** The search itself stops by then; pricing gets the rest of the time to the cutoff. */
  searchUntilMs: number;
}

/**
 * Time kept back to stream what was found and the summary before the caller's deadline: a fifth
 * of the budget, within 100–1,000 ms, so a busy event loop still makes it in time (a tenth, at
 * most 500 ms, let 100 unpriced itineraries overrun a 3 s deadline by ~0.1 s on a loaded
 * 2-core machine).
 */
const reserveMs = (budgetMs: number) => Math.min(1_000, Math.max(100, budgetMs / 5));

/**
 * The budget of a search started at `startedMs`: the caller's deadline when it set one (never
 * run past it), else `defaultBudgetMs` from the start. The search gets at most half of the time
 * to the cutoff.
 */
export function searchBudget(
  startedMs: number,
  callerDeadlineMs: number | undefined,
  defaultBudgetMs: number,
): SearchBudget {
  const deadlineMs = callerDeadlineMs ?? startedMs + defaultBudgetMs;
  const cutoffMs = deadlineMs - reserveMs(deadlineMs - startedMs);
  return { startedMs, deadlineMs, cutoffMs, searchUntilMs: startedMs + (cutoffMs - startedMs) / 2 };
}

/**
 * Days after the departure date whose flights a search with this many stops may use: each
 * connection waits at most the maximum layover after a flight of at most ~20 h, and local
 * dates may run a day ahead of UTC.
 */
export const daysSpanned = (maxStops: number, rules: ConnectionRules) =>
  maxStops === 0 ? 0 : Math.ceil((maxStops * (rules.maxLayoverMinutes + 20 * 60)) / 1440) + 1;

export interface SearchQuery extends ItineraryQuery {
  sort: SortKey;
  /** How many itineraries at most (the best in `sort` order). */
  limit: number;
}

/** What a search reads: the index and how much of the window it holds. */
export interface IndexView {
  readonly index: FlightIndex;
  coverage(date: string, throughDays: number): Coverage;
}

export interface SearchPlan {
  /** The best itineraries found, in rank order. */
  itineraries: FoundItinerary[];
  /** True when better or more itineraries may exist (time ran out, or days still loading). */
  partial: boolean;
  /** What the caller should know, in the order found out (for the summary). */
  notes: string[];
}

/**
 * Finds the itineraries of `query`, noting what the held schedule cannot answer: a window still
 * loading (partial), a date outside it, airports without flights, flights of the date no longer
 * on sale (the sales cut-off), and a search that ran out of time (`shouldStop` true: the caller
 * cancelled or the search's time is up; partial).
 */
export function planSearch(
  view: IndexView,
  query: SearchQuery,
  rules: ConnectionRules,
  shouldStop: () => boolean,
): SearchPlan {
  const notes: string[] = [];
  let partial = false;
  const held = view.coverage(query.date, daysSpanned(query.maxStops, rules));
  if (held.state === 'loading') {
    partial = true;
    notes.push(
      `schedule after ${held.loadedThrough} still loading: some connections may be missing`,
    );
  } else if (held.state === 'outside') {
    notes.push(`${query.date} is outside the schedule held (${held.from} to ${held.to})`);
  }
  for (const [field, code] of [
    ['from', query.origin],
    ['to', query.destination],
  ] as const)
    if (view.index.airportId(code) < 0)
      notes.push(`no flights ${field} ${code} in the schedule held`);

  // A local date starts at most 14 h before its UTC midnight (UTC+14).
  const earliest = query.earliestDepartureMs;
  if (earliest !== undefined && earliest > Date.parse(`${query.date}T00:00:00Z`) - 14 * 3_600_000)
    notes.push(`flights leaving before ${new Date(earliest).toISOString()} are no longer on sale`);

  const found = searchItineraries(view.index, query, rules, {
    sort: query.sort,
    limit: query.limit,
    shouldStop,
  });
  if (!found.complete) {
    partial = true;
    notes.push('time ran out while finding connections: better ones may exist');
  }
  return { itineraries: found.itineraries, partial, notes };
}
