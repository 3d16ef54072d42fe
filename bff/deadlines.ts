import { HttpProblem } from './problem.js';

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
    throw new HttpProblem(
      400,
      'invalid-request',
      'Invalid request',
      'X-Request-Timeout must be milliseconds ("2500") or seconds ("2.5s")',
      [{ field: 'X-Request-Timeout', detail: 'is not a duration' }],
    );
  const asked = m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
  // No time at all is no request: a client asking for it means something else went wrong.
  if (asked === 0)
    throw new HttpProblem(
      400,
      'invalid-request',
      'Invalid request',
      'X-Request-Timeout must be more than 0',
      [{ field: 'X-Request-Timeout', detail: 'must be more than 0' }],
    );
  return Math.max(1, Math.min(routeBudgetMs, Math.round(asked)));
}
