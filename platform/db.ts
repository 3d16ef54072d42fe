import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { z } from 'zod';
import { openEmbeddedStore } from './embedded-store.js';
import { SharedEmbeddedDatabase } from './store-process.js';
import type { Logger } from './logger.js';

export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface Database extends Sql {
  /**
   * `embedded`: this process's own PGlite (nobody else writes its rows); `shared-embedded`: a
   * PGlite in a store process several instances share (platform/store-process.ts).
   */
  readonly kind: 'postgres' | 'embedded' | 'shared-embedded';
  /** Runs fn in one transaction; retried on serialization failures and deadlocks. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Migration {
  version: number;
  sql: string;
}

/**
 * Limits on every PostgreSQL session of the pool, so a stalled process (frozen, paused, stuck in
 * a long call between two statements) cannot keep row locks for long: PostgreSQL ends its
 * transaction instead. All in ms; unset = PostgreSQL's default (no limit). Ignored by the
 * embedded store (one process, nobody else to block).
 */
export interface SessionLimits {
  /** Longest wait for a row lock before the statement fails (`lock_timeout`, SQLSTATE 55P03). */
  lockTimeoutMs?: number;
  /** Longest a single statement may run (`statement_timeout`, SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** Longest a transaction may sit idle between statements before its session is ended. */
  idleInTransactionTimeoutMs?: number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * The variables a service that holds row locks reads to bound them (see SessionLimits), with
 * defaults for short transactions: a lock wait of 2 s, a statement of 5 s, 1 s idle inside a
 * transaction. `sessionLimits(config)` turns them into the `database()` argument.
 */
export const sessionLimitsEnv = {
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(2_000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(1_000),
};

export function sessionLimits(
  config: z.infer<z.ZodObject<typeof sessionLimitsEnv>>,
): SessionLimits {
  return {
    poolSize: config.DB_POOL_SIZE,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

export interface DatabaseOptions {
  /** postgres://… ; unset = the embedded store under dataDir. */
  url?: string | undefined;
  /**
   * Without `url`: the Unix socket of a store process serving an embedded store several
   * instances share (platform/store-process.ts), instead of one of this process's own.
   */
  storeSocket?: string | undefined;
  dataDir: string;
  migrations: Migration[];
  log: Logger;
  limits?: SessionLimits;
}

// serialization_failure, deadlock_detected, and lock_not_available: a lock wait cut off by
// lock_timeout, usually behind a stalled session that PostgreSQL ends meanwhile.
const RETRYABLE = new Set(['40001', '40P01', '55P03']);

class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  constructor(private readonly pool: pg.Pool) {}

  /**
   * One statement on a pooled session. Not pg's `pool.query`: that closes the session after
   * any error, so every statement PostgreSQL refuses (a unique violation, a lock timeout, a
   * raised exception) cost a new connection, a backend started and authenticated, which under
   * contention (a sell-out's losers) was most of the work. A refused statement (severity ERROR)
   * leaves its session usable: it goes back to the pool; a broken session does not.
   */
  async query<R extends object>(text: string, params?: unknown[]): Promise<R[]> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => (lost = err);
    client.on('error', onError);
    try {
      return (await client.query<R>(text, params)).rows;
    } catch (err) {
      if (!(err instanceof pg.DatabaseError && err.severity === 'ERROR')) lost ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A session PostgreSQL ends between two statements (the idle-in-transaction limit, after
      // this process was paused) errors on the checked-out client: caught here, not a crash,
      // and that client is discarded rather than returned to the pool.
      let lost: Error | undefined;
      const onError = (err: Error) => (lost = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R extends object>(text: string, params?: unknown[]) =>
            (await client.query<R>(text, params)).rows,
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackFailed: Error) => (lost ??= rollbackFailed));
        const code = (err as { code?: string }).code;
        if (attempt < 5 && code && RETRYABLE.has(code)) continue;
        throw err;
      } finally {
        client.off('error', onError);
        client.release(lost);
      }
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * PGlite: PostgreSQL compiled to WebAssembly, persisted to a directory. It runs one statement at
 * a time, so its transactions are serialised and the same SQL keeps its guarantees.
 */
class EmbeddedDatabase implements Database {
  readonly kind = 'embedded';
  constructor(private readonly db: PGlite) {}

  async query<R extends object>(text: string, params?: unknown[]): Promise<R[]> {
    return (await this.db.query<R>(text, params)).rows;
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: async <R extends object>(text: string, params?: unknown[]) =>
          (await tx.query<R>(text, params)).rows,
      }),
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

// Counts as bigint in PostgreSQL come back as strings from pg: these columns are small.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

async function migrate(db: Database, migrations: Migration[], log: Logger): Promise<void> {
  await db.transaction(async (tx) => {
    // The session limits are for short transactions, not this one: a migration may wait for
    // another instance's, run long, and pause between statements while the process starts up.
    if (db.kind === 'postgres')
      for (const limit of [
        'lock_timeout',
        'statement_timeout',
        'idle_in_transaction_session_timeout',
      ])
        await tx.query(`SET LOCAL ${limit} = 0`);
    // Several instances may start at once against one database: one migrates, the others wait.
    await tx.query('SELECT pg_advisory_xact_lock(7355608)');
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map(
        (r) => r.version,
      ),
    );
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of m.sql
        .split(/;\s*$/m)
        .map((s) => s.trim())
        .filter(Boolean)) {
        await tx.query(statement);
      }
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      log.info({ version: m.version }, 'migration applied');
    }
  });
}

/** PostgreSQL when a URL is given, else the embedded store; migrations applied either way. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let db: Database;
  if (options.url) {
    const limits = options.limits ?? {};
    const pool = new pg.Pool({
      connectionString: options.url,
      max: limits.poolSize ?? 10,
      lock_timeout: limits.lockTimeoutMs,
      statement_timeout: limits.statementTimeoutMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    });
    // A session PostgreSQL ended (idle-in-transaction limit, restart) errors on its idle client;
    // the pool drops that client, and this keeps the error from crashing the process.
    pool.on('error', (err) => options.log.warn({ err }, 'database connection lost'));
    db = new PostgresDatabase(pool);
    options.log.info({ store: 'postgres' }, 'database opened');
  } else if (options.storeSocket) {
    const shared = new SharedEmbeddedDatabase(options.storeSocket);
    // The store process starts beside this one (npm start launches them at once), and its
    // first start may build the store's template first: up to a minute.
    await shared.ready(60_000, options.log);
    db = shared;
    options.log.info({ store: 'shared-embedded', socket: options.storeSocket }, 'database opened');
  } else {
    const dir = path.resolve(options.dataDir);
    db = new EmbeddedDatabase(await openEmbeddedStore(dir, options.log));
    options.log.info({ store: 'embedded', dir }, 'database opened');
  }
  await migrate(db, options.migrations, options.log);
  return db;
}
