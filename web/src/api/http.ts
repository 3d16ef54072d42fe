/**
 * fetch for the BFF's JSON API on this origin. Answers 2xx → parsed JSON; anything else → an
 * ApiProblem carrying the RFC 9457 problem document (or one made up for a network failure).
 * Writes carry the session's CSRF token (bff/session.ts); the session cookie goes by itself.
 */
import type { Problem } from './types';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title);
    this.name = 'ApiProblem';
  }
  get reason(): string | undefined {
    return this.problem.reason;
  }
  /** Field path ("passengers[0].dateOfBirth") → what is wrong with it. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem.errors ?? []).map((e) => [e.field, e.detail]));
  }
}

let csrfToken: string | null = null;
/** Set from GET /auth/session whenever the session changes. */
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

const isProblem = (x: unknown): x is Problem =>
  typeof x === 'object' && x !== null && 'status' in x && 'title' in x;

/** An ApiProblem from a response that is not 2xx. */
export async function problemOf(res: Response): Promise<ApiProblem> {
  const body: unknown = await res.json().catch(() => undefined);
  return new ApiProblem(
    res.status,
    isProblem(body)
      ? body
      : { type: 'about:blank', title: res.statusText || 'Error', status: res.status, detail: '' },
  );
}

export const networkProblem = () =>
  new ApiProblem(0, {
    type: 'about:blank',
    title: 'Network error',
    status: 0,
    detail: 'the server could not be reached',
  });

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw networkProblem();
  }
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * A random key for an Idempotency-Key header. Not crypto.randomUUID: that exists only in
 * secure contexts, and the app may be reached over plain HTTP on a LAN address.
 */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
