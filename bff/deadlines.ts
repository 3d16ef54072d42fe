import { invalidRequest } from './problem.js';

/** The header as errors[] names it (in lower case, as every header is named). */
const FIELD = 'x-request-timeout';

type Read = { ms: number } | { detail: string; message: string };

/** X-Request-Timeout read: milliseconds ("2500", "2500ms") or seconds ("2.5s"), or what is wrong. */
function readRequestTimeout(header: string | string[]): Read {
  const value = Array.isArray(header) ? header[0]! : header;
  if (!value.trim())
    return { detail: 'must not be empty', message: 'X-Request-Timeout must not be empty' };
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (!m)
    return {
      detail: 'is not a duration',
      message: 'X-Request-Timeout must be milliseconds ("2500") or seconds ("2.5s")',
    };
  const ms = m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
  // No time at all is no request: 0 could mean "none" or "no limit", and neither is served.
  if (ms === 0)
    return { detail: 'must be more than 0', message: 'X-Request-Timeout must be more than 0' };
  return { ms };
}

/**
 * What is wrong with a request's X-Request-Timeout header: [] when it is absent or a duration
 * of more than 0, else one entry naming it. The BFF checks it with the rest of a request's input
 * (bff/http-input.ts `uncheckedInputErrors`), so one 400 names it beside a bad body or query.
 */
export function requestTimeoutErrors(
  header: string | string[] | undefined,
): Array<{ field: string; detail: string }> {
  if (header === undefined) return [];
  const read = readRequestTimeout(header);
  return 'ms' in read ? [] : [{ field: FIELD, detail: read.detail }];
}

/**
 * The deadline budget of one request in ms: the route's own, shortened (never lengthened) by an
 * X-Request-Timeout header in milliseconds ("2500") or seconds ("2.5s"). A header that is not
 * such a duration is an HttpProblem 400 naming `x-request-timeout`.
 */
export function requestBudgetMs(
  routeBudgetMs: number,
  header: string | string[] | undefined,
): number {
  if (header === undefined) return routeBudgetMs;
  const read = readRequestTimeout(header);
  if (!('ms' in read)) throw invalidRequest([{ field: FIELD, detail: read.detail }], read.message);
  return Math.max(1, Math.min(routeBudgetMs, Math.round(read.ms)));
}
