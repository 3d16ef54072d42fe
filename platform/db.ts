import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openEmbeddedStore } from './embedded-store.js';
import type { Logger } from './logger.js';

export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'embedded';
  /** Runs fn in one transaction; retried on serialization failures and deadlocks. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Migration {
  version: number;
  sql: string;
}

export interface DatabaseOptions {
  /** postgres://… ; unset = the embedded store under dataDir. */
  url?: string | undefined;
  dataDir: string;
  migrations: Migration[];
  log: Logger;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  constructor(private readonly pool: pg.Pool) {}

  async query<R extends object>(text: string, params?: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, params)).rows;
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R extends object>(text: string, params?: unknown[]) =>
            (await client.query<R>(text, params)).rows,
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        const code = (err as { code?: string }).code;
        if (attempt < 5 && code && RETRYABLE.has(code)) continue;
        throw err;
      } finally {
        client.release();
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
    db = new PostgresDatabase(new pg.Pool({ connectionString: options.url, max: 10 }));
    options.log.info({ store: 'postgres' }, 'database opened');
  } else {
    const dir = path.resolve(options.dataDir);
    db = new EmbeddedDatabase(await openEmbeddedStore(dir, options.log));
    options.log.info({ store: 'embedded', dir }, 'database opened');
  }
  await migrate(db, options.migrations, options.log);
  return db;
}
