import { HttpProblem } from './problem.js';

/** 400 naming the X-Request-Timeout header (in lower case, as errors[] names every header). */
const badHeader = (detail: string, message: string) =>
  new HttpProblem(400, 'invalid-request', 'Invalid request', message, [
    { field: 'x-request-timeout', detail },
  ]);

/**
 * The deadline budget of one request: the route's own, shortened (never lengthened) by an
 * X-Request-Timeout header in milliseconds ("2500") or seconds ("2.5s").
 */
export function requestBudgetMs(
  routeBudgetMs: number,
  header: string | string[] | undefined,
): number {
  if (header === undefined) return routeBudgetMs;
  const value = Array.isArray(header) ? header[0]! : header;
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (!m)
    throw badHeader(
      'is not a duration',
      'X-Request-Timeout must be milliseconds ("2500") or seconds ("2.5s")',
    );
  const asked = m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
  // No time at all is no request: 0 could mean "none" or "no limit", and neither is served.
  if (asked === 0) throw badHeader('must be more than 0', 'X-Request-Timeout must be more than 0');
  return Math.max(1, Math.min(routeBudgetMs, Math.round(asked)));
}
