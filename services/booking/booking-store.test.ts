/**
 * The store's reads by reference after its own writes, on both stores: on the embedded store
 * they come from memory (booking-store.ts), and must still show every change at once; on
 * PostgreSQL another instance's writes must show too, so reads go to the table.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../platform/db.js';
import { createLogger } from '../../platform/logger.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { BookingStore, type NewBooking } from './booking-store.js';
import { migrations } from './migrations.js';

const log = createLogger('booking-store-test', 'silent');
const opened: Database[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

async function open(
  url?: string,
  dataDir = mkdtempSync(path.join(tmpdir(), 'booking-store-test-')),
): Promise<Database> {
  const db = await openDatabase({ url, dataDir, migrations, log });
  opened.push(db);
  return db;
}

const newBooking = (): NewBooking => ({
  bookingId: randomUUID(),
  customerId: 'alice',
  idempotencyKey: randomUUID(),
  fingerprint: 'f',
  quoteId: randomUUID(),
  body: { segments: [], cabin: 1, passengers: [], contactEmail: 'a@b.c', price: {}, holdItems: [] },
  retryUntil: null,
  createdAt: new Date(),
});

describe.each(['embedded', 'postgres'] as const)('bookings read by reference (%s)', (kind) => {
  it('shows each of its own writes to the next read, and a missing booking as none', async () => {
    let url: string | undefined;
    if (kind === 'postgres') {
      const d = await createTestDatabase('booking_store_test');
      databases.push(d);
      url = d.url;
    }
    const store = new BookingStore(await open(url), 1_000);
    const created = (await store.insertPending(newBooking()))!;
    expect(await store.byReference(created.reference)).toMatchObject({ status: 'PENDING' });
    // A read racing a write: whichever answers last, the next read shows the write.
    const [, confirmed] = await Promise.all([
      store.byReference(created.reference),
      store.advance(created, 'HOLD', { step: 'DONE', status: 'CONFIRMED' }, new Date()),
    ]);
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', step: 'DONE' });
    expect(await store.byReference(created.reference)).toMatchObject({
      status: 'CONFIRMED',
      step: 'DONE',
    });
    const cancelled = (await store.cancel(created.bookingId, new Date()))!;
    expect(await store.byReference(created.reference)).toMatchObject({
      status: 'CANCELLED',
      step: 'RELEASE',
      epoch: cancelled.epoch,
    });
    expect(await store.byReference('NOSUCH')).toBeNull();
  });
});

it('on PostgreSQL, reads by reference show what another instance wrote', async () => {
  const d = await createTestDatabase('booking_store_test');
  databases.push(d);
  const mine = new BookingStore(await open(d.url), 1_000);
  const theirs = new BookingStore(await open(d.url), 1_000);
  const created = (await mine.insertPending(newBooking()))!;
  expect(await mine.byReference(created.reference)).toMatchObject({ status: 'PENDING' });
  await theirs.advance(created, 'HOLD', { step: 'DONE', status: 'CONFIRMED' }, new Date());
  expect(await mine.byReference(created.reference)).toMatchObject({ status: 'CONFIRMED' });
});

it('holds a quote for one booking not FAILED, and leaves bookings that shared one before the rule', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'booking-store-test-'));
  // Before the rule (migrations 1–2): two bookings of one quote.
  const before = await openDatabase({ dataDir, migrations: migrations.slice(0, 2), log });
  const old = new BookingStore(before, 1_000);
  const shared = randomUUID();
  const first = (await old.insertPending({ ...newBooking(), quoteId: shared }))!;
  const second = (await old.insertPending({ ...newBooking(), quoteId: shared }))!;
  await before.close();

  const store = new BookingStore(await open(undefined, dataDir), 1_000);
  expect(await store.byReference(first.reference)).toMatchObject({ status: 'PENDING' });
  expect(await store.byReference(second.reference)).toMatchObject({ status: 'PENDING' });
  expect((await store.byQuote(shared))?.bookingId).toBe(first.bookingId);
  expect(await store.insertPending({ ...newBooking(), quoteId: shared })).toBeNull();

  const quoteId = randomUUID();
  const held = (await store.insertPending({ ...newBooking(), quoteId }))!;
  expect(await store.insertPending({ ...newBooking(), quoteId })).toBeNull();
  // A FAILED booking gave its seats back: the quote is free for another.
  await store.advance(held, 'HOLD', { step: 'DONE', status: 'FAILED' }, new Date());
  const next = await store.insertPending({ ...newBooking(), quoteId });
  expect(next).toMatchObject({ quoteId, status: 'PENDING' });
});
