/**
 * The query string as sent, before fastify's parser (which keeps a component it cannot decode as
 * it is): its pairs, and the names and values whose percent-escapes do not decode.
 */
import type { FastifyRequest } from 'fastify';
import type { InputError } from './problem.js';

/** Decodes one query component as a form-urlencoded parser would; undefined when it cannot. */
export function decodeComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The query parameters whose percent-escapes do not decode (`%zz`, a cut-off or invalid UTF-8
 * sequence such as `%E0%A4%A` or `%FF`), each named (a name that does not decode as `(query)`).
 * Checked because fastify's query parser keeps such text as it is, which would reach the
 * services as if the client had meant it. request-head.ts's rejectMalformedHead answers them.
 */
export function malformedQueryErrors(req: FastifyRequest): InputError[] {
  const errors: InputError[] = [];
  for (const { rawName, rawValue } of queryPairs(req)) {
    const name = decodeComponent(rawName);
    if (name !== undefined && (rawValue === undefined || decodeComponent(rawValue) !== undefined))
      continue;
    errors.push({ field: name ?? '(query)', detail: 'is not well-formed percent-encoded UTF-8' });
  }
  return errors;
}

/**
 * The query's parameter names whose escapes do not decode, as fastify's parser keys them (as
 * sent): malformedQueryErrors names them, as `(query)`; nothing else should name them again.
 */
export function undecodableQueryNames(req: FastifyRequest): Set<string> {
  return new Set(
    queryPairs(req).flatMap(({ rawName }) =>
      decodeComponent(rawName) === undefined ? [rawName] : [],
    ),
  );
}

/** The query's `name=value` pairs as sent (not decoded); a pair without `=` has no value. */
function queryPairs(req: FastifyRequest): Array<{ rawName: string; rawValue?: string }> {
  const start = req.url.indexOf('?');
  if (start === -1) return [];
  return req.url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const split = pair.indexOf('=');
      return split === -1
        ? { rawName: pair }
        : { rawName: pair.slice(0, split), rawValue: pair.slice(split + 1) };
    });
}
