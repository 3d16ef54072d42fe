import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTemplate, openEmbeddedStore } from './embedded-store.js';
import { createLogger } from './logger.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const work = mkdtempSync(path.join(tmpdir(), 'embedded-store-'));
const cache = path.join(work, 'cache');
const log = createLogger('embedded-store-test', 'silent');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the embedded store', () => {
  // First, so that the suite runs initdb once (seconds of CPU): the other tests reuse `cache`.
  it('runs initdb once when several stores open at once, taking over a dead builder’s lock', async () => {
    // A builder that died mid-way: its lock names a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    const version = (
      JSON.parse(
        readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
      ) as {
        version: string;
      }
    ).version;
    const lock = path.join(cache, `pglite-${version}-template.lock`);
    mkdirSync(lock, { recursive: true });
    writeFileSync(path.join(lock, 'pid'), dead);

    const lines: string[] = [];
    const counting = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const stores = await Promise.all(
      ['x', 'y', 'z'].map((n) => openEmbeddedStore(path.join(work, 'at-once', n), counting, cache)),
    );
    try {
      const built = lines.filter((l) => l.includes('embedded store template initialised'));
      expect(built).toHaveLength(1);
      for (const store of stores)
        expect((await store.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      // The template, and neither the lock nor a half-built copy.
      expect(readdirSync(cache)).toEqual([`pglite-${version}-template`]);
      expect(await ensureTemplate(log, cache)).toBe(path.join(cache, `pglite-${version}-template`));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 180_000);

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
      expect(Number(settings.rows[0]!.setting) * 8).toBe(2 * 1024); // 8 kB pages: 2 MB
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
