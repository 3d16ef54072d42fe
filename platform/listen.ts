import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * HOST: the address a process listens on. An IP address (or `localhost`), not a name to look
 * up: a name that does not resolve, or resolves to an address this machine lacks, failed at
 * listen with a stack trace blaming whichever listener opened first.
 */
export const listenHost = (fallback: string) =>
  z
    .string()
    .min(1)
    .default(fallback)
    .superRefine((host, ctx) => {
      if (isIP(host) === 0 && host !== 'localhost')
        ctx.addIssue({
          code: 'custom',
          message: `expected an IP address to listen on (0.0.0.0: every interface, 127.0.0.1: this machine only, :: for IPv6), got "${host}"`,
        });
    });

/**
 * A listener that could not open, said in one line naming the variables that chose the
 * address (runProcess prints it without a stack trace: the fix is in the environment).
 */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** Why listen(2) refused, in words, by the error code Node (or grpc-js, in its message) reports. */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'another process listens there',
  EADDRNOTAVAIL: 'the address is not one of this machine’s',
  EACCES: 'not permitted (ports below 1024 need privileges)',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name does not resolve',
};

/**
 * Runs `listen` and turns a refusal into a ListenError such as
 * `cannot listen on 10.9.9.9:50051 (HOST, PORT): the address is not one of this machine’s`.
 * `variables` names the settings behind host and port, e.g. "HOST, METRICS_PORT". Other errors
 * pass through unchanged.
 */
export async function listenOrExplain<T>(
  where: { host: string; port: number | string; variables: string },
  listen: () => Promise<T>,
): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // grpc-js wraps the socket's error in its message ("… errors: [listen EADDRNOTAVAIL …]").
    const code =
      e.code && e.code in REASONS
        ? e.code
        : Object.keys(REASONS).find((c) => e.message?.includes(c));
    if (!code) throw err;
    const host = isIP(where.host) === 6 ? `[${where.host}]` : where.host;
    throw new ListenError(
      `cannot listen on ${host}:${where.port} (${where.variables}): ${REASONS[code]} (${code})`,
      { cause: err },
    );
  }
}
