import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Migration } from './db.js';
import { createLogger } from './logger.js';
import { serveEmbeddedStore, type StoreServer } from './store-process.js';

const work = mkdtempSync(path.join(tmpdir(), 'store-process-'));
const socketPath = path.join(work, 'store.sock');
const log = createLogger('store-process-test', 'silent');
const IDLE_MS = 300;

const migrations: Migration[] = [
  {
    version: 1,
    sql: `CREATE TABLE items (id text PRIMARY KEY, body jsonb NOT NULL, n bigint NOT NULL, at timestamptz NOT NULL)`,
  },
];

const serve = () =>
  serveEmbeddedStore({
    dataDir: path.join(work, 'data'),
    socketPath,
    idleInTransactionMs: IDLE_MS,
    log,
  });

/** Two instances of one service on one store process, each with its own Database. */
describe('an embedded store shared through a store process', () => {
  let server: StoreServer;
  let a: Database;
  let b: Database;
  const open = () => openDatabase({ storeSocket: socketPath, dataDir: 'unused', migrations, log });

  beforeAll(async () => {
    server = await serve();
    // Both instances start at once and migrate: one applies the migration, the other finds it.
    [a, b] = await Promise.all([open(), open()]);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('shows one instance’s rows to the other, with timestamps, JSON and bigints as PostgreSQL’s', async () => {
    expect(a.kind).toBe('shared-embedded');
    const at = new Date('2026-12-01T10:00:00.000Z');
    await a.query('INSERT INTO items VALUES ($1, $2, $3, $4)', ['q1', '{"x":[1,2]}', 42, at]);
    const [row] = await b.query<{ id: string; body: unknown; n: number; at: Date }>(
      'SELECT * FROM items WHERE id = $1',
      ['q1'],
    );
    expect(row).toEqual({ id: 'q1', body: { x: [1, 2] }, n: 42, at });
    expect(row!.at).toBeInstanceOf(Date);
    expect(await b.query('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
  });

  it('fails a statement with PostgreSQL’s SQLSTATE and constraint', async () => {
    await expect(
      b.query('INSERT INTO items VALUES ($1, $2, $3, now())', ['q1', '{}', 1]),
    ).rejects.toMatchObject({ code: '23505', constraint: 'items_pkey' });
    await expect(a.query('SELECT nope FROM items')).rejects.toMatchObject({ code: '42703' });
  });

  it('isolates a transaction: the other instance waits for its commit, and a failed one leaves nothing', async () => {
    let readDuring: Promise<unknown[]> | undefined;
    await a.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES ($1, $2, $3, now())', ['t1', '{}', 1]);
      // B's statement is sent now; it runs only once A's transaction is over.
      readDuring = b.query('SELECT id FROM items WHERE id = $1', ['t1']);
      await new Promise((r) => setTimeout(r, 50));
      await tx.query('UPDATE items SET n = 2 WHERE id = $1', ['t1']);
    });
    expect(await readDuring).toEqual([{ id: 't1' }]);

    await expect(
      b.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES ($1, $2, $3, now())', ['t2', '{}', 1]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      a.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES ($1, $2, $3, now())', ['t3', '{}', 1]);
        await tx.query('INSERT INTO items VALUES ($1, $2, $3, now())', ['t1', '{}', 1]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await a.query('SELECT id FROM items WHERE id IN ($1, $2)', ['t2', 't3'])).toEqual([]);
  });

  it('rolls back a transaction left idle (its instance paused or dead), so the other goes on', async () => {
    const stalled = a.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES ($1, $2, $3, now())', ['idle', '{}', 1]);
      // Paused well past the limit between two statements.
      await new Promise((r) => setTimeout(r, IDLE_MS * 4));
      await tx.query('SELECT 1');
    });
    await new Promise((r) => setTimeout(r, 20));
    // B is not held for the whole pause: the store ends A's transaction after IDLE_MS.
    expect(await b.query('SELECT id FROM items WHERE id = $1', ['idle'])).toEqual([]);
    await expect(stalled).rejects.toMatchObject({ code: '25P03' });
    expect(await b.query('SELECT id FROM items WHERE id = $1', ['idle'])).toEqual([]);
  });

  it('serves the instances again, with every committed row, after the store process restarts', async () => {
    await server.close();
    // What a caller of the service is told: UNAVAILABLE (try again), not an internal error.
    await expect(a.query('SELECT 1')).rejects.toMatchObject({
      name: 'StoreUnavailable',
      code: status.UNAVAILABLE,
      socketCode: expect.stringMatching(/ENOENT|ECONNREFUSED|ECONNRESET|EPIPE/),
    });
    server = await serve();
    expect(await a.query('SELECT id FROM items WHERE id = $1', ['q1'])).toEqual([{ id: 'q1' }]);
    expect(await b.query('SELECT id FROM items WHERE id = $1', ['t1'])).toEqual([{ id: 't1' }]);
  }, 60_000);
});
