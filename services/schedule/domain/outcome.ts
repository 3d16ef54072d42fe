/**
 * A result or the failure that stopped it. Stores and domain functions return failures as plain
 * data rather than throwing transport errors: the gRPC layer (handlers.ts) picks how to report
 * each one.
 */
export type Outcome<T, F> = { ok: true; value: T } | { ok: false; failure: F };

export const succeeded = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const failed = <F>(failure: F): { ok: false; failure: F } => ({ ok: false, failure });
