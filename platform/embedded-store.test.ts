import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from './embedded-store.js';
import { createLogger } from './logger.js';

const work = mkdtempSync(path.join(tmpdir(), 'embedded-store-'));
const cache = path.join(work, 'cache');
const log = createLogger('embedded-store-test', 'silent');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the embedded store', () => {
  it('initialises a template once and starts each empty store as its own copy', async () => {
    const a = await openEmbeddedStore(path.join(work, 'a'), log, cache);
    const b = await openEmbeddedStore(path.join(work, 'data', 'b'), log, cache);
    try {
      expect(readdirSync(cache).filter((n) => n.endsWith('-template'))).toHaveLength(1);
      await a.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
      await a.query("INSERT INTO notes VALUES (1, 'only in a')");
      const inB = await b.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'notes'",
      );
      expect(inB.rows[0]!.n).toBe(0);
      const settings = await a.query<{ setting: string }>(
        "SELECT setting FROM pg_settings WHERE name = 'shared_buffers'",
      );
      expect(Number(settings.rows[0]!.setting) * 8).toBe(8 * 1024); // 8 kB pages: 8 MB
    } finally {
      await a.close();
      await b.close();
    }
    // Reopened, a store is itself again (not a fresh copy of the template).
    const again = await openEmbeddedStore(path.join(work, 'a'), log, cache);
    try {
      const rows = await again.query<{ body: string }>('SELECT body FROM notes');
      expect(rows.rows).toEqual([{ body: 'only in a' }]);
    } finally {
      await again.close();
    }
  });

  it('refuses a directory that holds something else', async () => {
    const other = path.join(work, 'not-a-store');
    mkdirSync(other);
    writeFileSync(path.join(other, 'notes.txt'), 'keep me');
    await expect(openEmbeddedStore(other, log, cache)).rejects.toThrow(/neither empty nor/);
    expect(readdirSync(other)).toEqual(['notes.txt']);
  });
});
