import type { z } from 'zod';
import { invalidArgument, type FieldViolation } from './errors.js';

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A zod issue path as a proto field path: ["items", 0, "flightId"] → "items[0].flight_id". */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${snake(String(p))}`))
    .join('');
}

/**
 * Validates a decoded request with a zod schema. Every problem becomes a BadRequest field
 * violation naming the proto field, so the caller gets INVALID_ARGUMENT and never a crash.
 */
export function validate<S extends z.ZodType>(schema: S, request: unknown): z.infer<S> {
  const result = schema.safeParse(request);
  if (result.success) return result.data;
  // One violation per field: the first problem found is the one worth fixing first.
  const byField = new Map<string, FieldViolation>();
  for (const issue of result.error.issues) {
    const field = fieldPath(issue.path) || '(request)';
    if (!byField.has(field)) byField.set(field, { field, description: issue.message });
  }
  throw invalidArgument([...byField.values()]);
}
