/**
 * One embedded store (PGlite) shared by several processes: the instances of one service that
 * must see the same rows (pricing's quotes: a quote made by one instance is confirmed by
 * whichever instance booking reaches). PGlite runs inside one process, so a store process owns
 * it and serves it on a Unix socket; each instance's `Database` (kind `shared-embedded`) sends
 * it statements over HTTP, one JSON request each.
 *
 * Why not `@electric-sql/pglite-socket` (see docs/benchmarks.md, "One embedded PostgreSQL for the
 * whole mesh"): its multiplexer interleaves the wire messages of different connections outside
 * an explicit transaction, so one client's Parse/Bind/Execute can run another's unnamed
 * statement. Here a statement is one request that PGlite runs whole (`query()`, under its own
 * mutex); a transaction holds PGlite's transaction mutex from BEGIN to COMMIT, so every other
 * statement waits for it, exactly as PGlite's single connection behaves in one process; and a
 * transaction left idle longer than `idleInTransactionMs` (its client paused or dead) is rolled
 * back, as PostgreSQL's idle-in-transaction limit would, so nobody else waits on it for long.
 *
 * Protocol (POST, JSON bodies, on the socket): `/query {sql, params, tx?}` → `{rows, dates}`
 * (`dates`: the columns whose values were timestamps, sent as ISO strings); `/begin` → `{tx}`;
 * `/commit {tx}`, `/rollback {tx}` → `{}`. A failure is `{error: {message, code, …}}` with
 * PostgreSQL's SQLSTATE in `code`, status 400. Values go as JSON: timestamps come back as
 * `Date`, bigints as numbers (as the PostgreSQL driver is set up in platform/db.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Database, Sql } from './db.js';
import { openEmbeddedStore } from './embedded-store.js';
import { DomainError } from './errors.js';
import type { Logger } from './logger.js';

export interface StoreServerOptions {
  /** The store's directory (as an embedded store's DATA_DIR). */
  dataDir: string;
  /** Where to listen: a Unix socket path (at most ~100 bytes, the platform's limit). */
  socketPath: string;
  /** A transaction idle longer than this (ms) between two statements is rolled back. */
  idleInTransactionMs: number;
  log: Logger;
}

export interface StoreServer {
  close(): Promise<void>;
}

/** Fields a failure carries back to the client (PostgreSQL's names, as pg and PGlite give them). */
const ERROR_FIELDS = ['code', 'detail', 'constraint', 'table', 'column', 'severity'] as const;

/** What a JSON body can carry: bigints as numbers (safe ones) or strings. */
const replacer = (_key: string, value: unknown) =>
  typeof value === 'bigint'
    ? Number.isSafeInteger(Number(value))
      ? Number(value)
      : value.toString()
    : value;

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction: commit (no error) or roll back (an error). */
  end(error?: Error): void;
  /** Restarts the idle timer (after a statement). */
  touch(): void;
  /** Statements of this transaction run one after another. */
  busy: boolean;
  /** Settles when PGlite has committed (resolves) or rolled back (rejects) it. */
  done: Promise<void>;
}

/** Serves the store at `dataDir` on `socketPath` until close(). */
export async function serveEmbeddedStore(options: StoreServerOptions): Promise<StoreServer> {
  const { log } = options;
  const db: PGlite = await openEmbeddedStore(path.resolve(options.dataDir), log);
  const open = new Map<string, OpenTransaction>();

  /** BEGIN: resolves once this transaction holds PGlite (every other statement waits). */
  function begin(): Promise<string> {
    return new Promise((started, failed) => {
      const id = randomUUID();
      let begun = false;
      const done = db.transaction(
        (tx) =>
          new Promise<void>((committed, rolledBack) => {
            let timer: NodeJS.Timeout | undefined;
            const entry: OpenTransaction = {
              tx,
              busy: false,
              done,
              end(error) {
                clearTimeout(timer);
                open.delete(id);
                if (error) rolledBack(error);
                else committed();
              },
              touch() {
                clearTimeout(timer);
                timer = setTimeout(() => {
                  log.warn(
                    { tx: id, idle_ms: options.idleInTransactionMs },
                    'transaction idle too long; rolled back',
                  );
                  entry.end(Object.assign(new Error('idle in transaction'), { code: '25P03' }));
                }, options.idleInTransactionMs);
              },
            };
            begun = true;
            open.set(id, entry);
            entry.touch();
            started(id);
          }),
      );
      // Its outcome is awaited by /commit and /rollback; a BEGIN that failed is begin's.
      done.catch((err: unknown) => {
        if (!begun) failed(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  function transactionOf(id: unknown): OpenTransaction {
    const entry = typeof id === 'string' ? open.get(id) : undefined;
    if (!entry)
      throw Object.assign(
        new Error('no such transaction: it ended (committed, rolled back, or idle too long)'),
        { code: '25P03' },
      );
    return entry;
  }

  async function handle(route: string, body: Record<string, unknown>): Promise<unknown> {
    switch (route) {
      case '/query': {
        const sql = String(body.sql);
        const params = Array.isArray(body.params) ? body.params : [];
        let result: { rows: Record<string, unknown>[] };
        if (body.tx === undefined) {
          result = await db.query<Record<string, unknown>>(sql, params);
        } else {
          const entry = transactionOf(body.tx);
          if (entry.busy) throw new Error('one statement at a time in a transaction');
          entry.busy = true;
          try {
            result = await entry.tx.query<Record<string, unknown>>(sql, params);
          } catch (err) {
            // PostgreSQL aborts a transaction after a failed statement: so does this one.
            entry.end(err as Error);
            throw err;
          } finally {
            entry.busy = false;
            entry.touch();
          }
        }
        const dates = new Set<string>();
        for (const row of result.rows)
          for (const [k, v] of Object.entries(row)) if (v instanceof Date) dates.add(k);
        return { rows: result.rows, dates: [...dates] };
      }
      case '/begin':
        return { tx: await begin() };
      case '/commit':
      case '/rollback': {
        const entry = transactionOf(body.tx);
        if (route === '/commit') {
          entry.end();
          await entry.done;
        } else {
          entry.end(Object.assign(new Error('rolled back'), { code: 'ROLLBACK' }));
          await entry.done.catch(() => undefined);
        }
        return {};
      }
      default:
        throw Object.assign(new Error(`no route ${route}`), { code: 'NOT_FOUND' });
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let status = 200;
        let answer: unknown;
        try {
          const body = chunks.length
            ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
            : {};
          answer = await handle(req.url ?? '/', body);
        } catch (err) {
          status = 400;
          const e = err as Record<string, unknown> & Error;
          answer = {
            error: {
              message: e.message,
              ...Object.fromEntries(
                ERROR_FIELDS.filter((f) => e[f] !== undefined).map((f) => [f, e[f]]),
              ),
            },
          };
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer, replacer));
      })();
    });
  });

  mkdirSync(path.dirname(options.socketPath), { recursive: true });
  // A socket left by a store that was killed: nothing listens on it any more.
  rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => resolve());
  });
  log.info({ socket: options.socketPath, dir: options.dataDir }, 'embedded store serving');

  return {
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const entry of open.values())
        entry.end(Object.assign(new Error('store closing'), { code: '57P01' }));
      await db.close();
    },
  };
}

/** A store-process failure as the caller sees a database's: an Error with its SQLSTATE `code`. */
function failure(error: Record<string, unknown>): Error {
  return Object.assign(new Error(String(error.message)), error);
}

/** Socket errors that say the store process is not there (down, restarting). */
const STORE_GONE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE']);

/**
 * The store process could not be reached: UNAVAILABLE with RetryInfo (the mesh's "a dependency
 * could not answer"), as a caller of this service should see it, not INTERNAL. `code` keeps the
 * socket's error code. On ECONNREFUSED or ENOENT the statement was not sent; on ECONNRESET or
 * EPIPE it may have run.
 */
export class StoreUnavailable extends DomainError {
  override name = 'StoreUnavailable';
  constructor(
    readonly socketCode: string,
    cause: Error,
  ) {
    super(status.UNAVAILABLE, undefined, 'this service’s store is unreachable; try again', {
      retryAfterMs: 1_000,
    });
    this.cause = cause;
  }
}

/**
 * The client side: a `Database` whose statements run in the store process at `socketPath`.
 * A statement or transaction that cannot reach the store (down, restarting) fails with
 * StoreUnavailable; nothing is retried here.
 */
export class SharedEmbeddedDatabase implements Database {
  readonly kind = 'shared-embedded';
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly socketPath: string) {}

  private post<T>(route: string, body: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body, replacer);
      const req = http.request(
        {
          socketPath: this.socketPath,
          path: route,
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                error?: Record<string, unknown>;
              };
              if (answer.error) reject(failure(answer.error));
              else resolve(answer as T);
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(err.code && STORE_GONE.has(err.code) ? new StoreUnavailable(err.code, err) : err),
      );
      req.end(payload);
    });
  }

  private async run<R extends object>(sql: string, params: unknown[] | undefined, tx?: string) {
    const { rows, dates } = await this.post<{ rows: Record<string, unknown>[]; dates: string[] }>(
      '/query',
      { sql, params: params ?? [], tx },
    );
    for (const row of rows)
      for (const k of dates) if (typeof row[k] === 'string') row[k] = new Date(row[k]);
    return rows as R[];
  }

  query<R extends object>(text: string, params?: unknown[]): Promise<R[]> {
    return this.run<R>(text, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const { tx } = await this.post<{ tx: string }>('/begin', {});
    let result: T;
    try {
      result = await fn({ query: (text, params) => this.run(text, params, tx) });
    } catch (err) {
      // Already over when a statement failed (the store rolled it back); else roll back now.
      await this.post('/rollback', { tx }).catch(() => undefined);
      throw err;
    }
    await this.post('/commit', { tx });
    return result;
  }

  /** Waits until the store answers (it may still be starting), up to `timeoutMs`. */
  async ready(timeoutMs: number, log: Logger): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (let waited = false; ; waited = true) {
      try {
        await this.query('SELECT 1');
        if (waited) log.info({ socket: this.socketPath }, 'embedded store answers');
        return;
      } catch (err) {
        if (Date.now() > until) throw err;
        if (!waited) log.info({ socket: this.socketPath }, 'waiting for the embedded store');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}
