import { expect } from 'vitest';

export const PROBLEM_BASE = 'https://flight-mesh.dev/problems/';

export interface ProblemAnswer {
  status: number;
  contentType: string | null;
  /** The parsed body (a problem document when the status is 4xx or 5xx). */
  problem: {
    type: string;
    status: number;
    detail: string;
    errors?: { field: string; detail: string }[];
  };
  headers: Headers;
}

/** One HTTP request as given (fetch's `init`), its answer with the body parsed. */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<ProblemAnswer> {
  const res = await fetch(baseUrl + path, { method, ...init });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    problem: text ? JSON.parse(text) : undefined,
    headers: res.headers,
  };
}

/** The answer is problem+json of type `…/problems/<slug>` with `status`, naming `field` if given. */
export function expectProblem(a: ProblemAnswer, status: number, slug: string, field?: string) {
  const what = JSON.stringify(a.problem);
  expect(a.status, what).toBe(status);
  expect(a.contentType, what).toContain('application/problem+json');
  expect(a.problem.type, what).toBe(PROBLEM_BASE + slug);
  expect(a.problem.status, what).toBe(status);
  if (field)
    expect(
      a.problem.errors?.map((e) => e.field),
      what,
    ).toContain(field);
}
