/**
 * Quotes never change once saved, so the store reads them from memory after saving or reading
 * them once, on PostgreSQL with two instances too. Statements are counted on the real database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../platform/db.js';
import { createLogger } from '../../platform/logger.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { migrations } from './migrations.js';
import { QuoteStore, type QuoteRecord } from './quote-store.js';

const log = createLogger('quote-store-test', 'silent');
const opened: Database[] = [];
let postgres: TestDatabase | undefined;
afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await postgres?.drop();
});

/** A database whose statements are counted. */
async function counted(url: string) {
  const db = await openDatabase({
    url,
    dataDir: mkdtempSync(path.join(tmpdir(), 'quote-store-test-')),
    migrations,
    log,
  });
  opened.push(db);
  const count = { statements: 0 };
  const query: Database['query'] = (text, params) => {
    count.statements++;
    return db.query(text, params);
  };
  return { db: { ...db, kind: db.kind, query } as Database, count };
}

const quote = (expiresInMs: number): QuoteRecord => ({
  quoteId: randomUUID(),
  requestId: null,
  fingerprint: 'f',
  body: {
    flightIds: ['BA117-2026-12-01'],
    segments: [],
    passengers: { adults: 1, children: 0, infants: 0 },
    cabin: 'economy',
    price: { total: 53037, currency: 'USD', lines: [], fareBuckets: ['Y'] },
  },
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + expiresInMs),
});

it('reads a quote it saved or read from memory until it expires, on two instances of one database', async () => {
  postgres = await createTestDatabase('quote_store_test');
  const a = await counted(postgres.url);
  const b = await counted(postgres.url);
  const mine = new QuoteStore(a.db);
  const theirs = new QuoteStore(b.db);

  const saved = await mine.insert(quote(60_000));
  const afterInsert = a.count.statements;
  expect(await mine.get(saved.quoteId)).toEqual(saved);
  expect(a.count.statements).toBe(afterInsert);

  // Another instance reads it from the table once, then from memory.
  expect(await theirs.get(saved.quoteId)).toEqual(saved);
  expect(await theirs.get(saved.quoteId)).toEqual(saved);
  expect(b.count.statements).toBe(1);

  // An expired quote is not kept (the table answers, and says it expired).
  const expired = await mine.insert(quote(-1_000));
  const before = a.count.statements;
  expect((await mine.get(expired.quoteId))?.expiresAt).toEqual(expired.expiresAt);
  expect(a.count.statements).toBe(before + 1);
  // A quote nobody saved is none, and is asked for every time.
  expect(await theirs.get(randomUUID())).toBeNull();
});
